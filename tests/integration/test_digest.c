/*
 * test_digest.c: the U3 digest, end to end: the real farold on the
 * default config, a private PostgreSQL, gammu's dummy driver (suite
 * `integration`).
 *
 * Time: the digest's hour is the config's escalation.u3.digest_at, which
 * takes seconds ("HH:MM:SS"); the test sets it a few seconds ahead and
 * reloads, so the real timer runs the real job (no fake clock).
 *
 * Cases: U3 alerts send nothing until the digest; three U3 alerts of Sao
 * Vicente, one cancelled with ANULAR, give pn-sv one digest SMS listing
 * the other two; an alert of Sal closed with FIM leaves pn-sl's digest,
 * which is in English; the next period's digest lists only that period's
 * alerts, split into SMS numbered 1/2, 2/2; a digest whose hour passed
 * while farold was stopped goes out when it starts; every SMS the modem
 * submitted is an outbox row sent.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000

#define MARIA "+2389912345"	/* fp-sv-01, SV */
#define ANA "+2389912347"	/* fp-sl-01, SL, English */
#define PN_SV_1 "+2389920001"
#define PN_SL_1 "+2389940001"

static struct pgcluster *pg;
static struct gateway_proc g;
static char digest_at[16] = "08:00";	/* as in the config file */

#define q(...) stored_q(pg, __VA_ARGS__)
#define qt(...) stored_qt(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)

#define send_sms(from, text) stored_send_sms(pg, &g, from, text, WAIT_MS)

/* A U3 alert from number; returns its ref. */
static long
u3(const char *from, const char *text)
{
	long m = send_sms(from, text);

	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE message_id = %ld "
	    "AND urgency = 3", m) == 1, "U3 alert made: %s", text);
	return q("SELECT ref FROM alert WHERE message_id = %ld", m);
}

/* The digest's hour becomes s seconds from now (local time) in the
 * config file. */
static void
digest_at_is(int s)
{
	time_t t = time(NULL) + s;
	char want[16], from[48], to[48];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(want, sizeof want, "%H:%M:%S", &tm);
	snprintf(from, sizeof from, "digest_at = \"%s\";", digest_at);
	snprintf(to, sizeof to, "digest_at = \"%s\";", want);
	CHECK(gateway_proc_edit_config(&g, from, to) == 0, "digest_at %s",
	    want);
	snprintf(digest_at, sizeof digest_at, "%s", want);
}

/* The same, and farold reloads it. */
static void
digest_in(int s)
{
	digest_at_is(s);
	CHECK(console_reload(&g, NULL) == 0, "reload");
}

/* Does the text list alert ref (as a line "ref AREA ...")? */
static int
lists(const char *text, long ref)
{
	char needle[32];
	const char *p;

	snprintf(needle, sizeof needle, "%ld ", ref);
	for (p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		if (p == text || p[-1] == ' ')
			return 1;
	return 0;
}

static void
wait_sent_matches_outbox(void)
{
	long sent, rows;

	CHECK(console_wait_sent_matches_outbox(&g, pg, WAIT_MS, &sent,
	    &rows) == 0, "modems submitted got=%ld, outbox rows sent "
	    "want=%ld", sent, rows);
}

/* The first digest's SMS to number, as one text; the caller frees. */
static char *
digest_text(const char *number)
{
	return qt("SELECT string_agg(text, ' | ' ORDER BY id) FROM outbox "
	    "WHERE purpose = 'digest' AND recipient = '%s' AND state IN "
	    "('submitted', 'delivered')", number);
}

static void
test_one_digest_without_the_cancelled(void)
{
	long a1, a2, a3, b1, b2;
	char sms[64], *text;

	a1 = u3(MARIA, "ALERTA SV SX U3 V2 rumores no porto");
	a2 = u3(MARIA, "ALERTA SV TF U3 obra parada");
	a3 = u3(MARIA, "ALERTA SV DM U3 V1 casa fechada");
	b1 = u3(ANA, "ALERTA SL SX U3 V3 bar da praia");
	b2 = u3(ANA, "ALERTA SL TF U3 hotel novo");
	snprintf(sms, sizeof sms, "ANULAR %ld engano", a2);
	send_sms(MARIA, sms);
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'cancelled'", a2) == 1, "U3 %ld cancelled", a2);
	snprintf(sms, sizeof sms, "FIM %ld resolvido", b2);
	send_sms(ANA, sms);
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'closed'", b2) == 1, "U3 %ld closed", b2);
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient IN ('" PN_SV_1
	    "', '" PN_SL_1 "')") == 0, "no SMS to the police before the "
	    "digest");

	digest_in(3);
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'digest' AND recipient = '" PN_SV_1 "' AND state = "
	    "'submitted'") == 1, "pn-sv: one digest SMS");
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'digest' AND recipient = '" PN_SL_1 "' AND state = "
	    "'submitted'") == 1, "pn-sl: one digest SMS");
	text = digest_text(PN_SV_1);
	CHECK(strncmp(text, "FAROL resumo U3 1/1: ", 21) == 0 &&
	    lists(text, a1) && lists(text, a3) && !lists(text, a2),
	    "pn-sv's digest lists %ld and %ld, not %ld: %s", a1, a3, a2,
	    text);
	CHECK(strstr(text, " SV SX V2") != NULL && strstr(text, " SV DM V1")
	    != NULL, "area, forms, victims: %s", text);
	free(text);
	text = digest_text(PN_SL_1);
	CHECK(strncmp(text, "FAROL U3 digest 1/1: ", 21) == 0 &&
	    lists(text, b1) && !lists(text, b2),
	    "pn-sl's digest (English) lists %ld, not %ld: %s", b1, b2, text);
	free(text);
	CHECK(q("SELECT count(*) FROM outbox WHERE purpose = 'digest'") == 2,
	    "two digests, one per authority");
}

/* The next period: only its alerts, in as many SMS as they need. */
static void
test_next_digest_split(void)
{
	long refs[14];
	char sms[64], *text;
	int parts;

	for (int i = 0; i < 14; i++) {
		snprintf(sms, sizeof sms, "ALERTA SV SX TF U3 V%d caso %d",
		    i + 1, i);
		refs[i] = u3(MARIA, sms);
	}
	digest_in(3);
	CHECK(wait_q(3, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'digest' AND recipient = '" PN_SV_1 "' AND state = "
	    "'submitted'") == 3, "pn-sv: its second digest sent");
	parts = (int)q("SELECT count(*) FROM outbox WHERE purpose = 'digest' "
	    "AND recipient = '" PN_SV_1 "'") - 1;
	CHECK(parts == 2, "14 alerts in 2 SMS, got %d", parts);
	for (int i = 1; i <= parts; i++) {
		char want[64];

		text = qt("SELECT text FROM outbox WHERE purpose = 'digest' "
		    "AND recipient = '" PN_SV_1 "' ORDER BY id OFFSET %d "
		    "LIMIT 1", i);
		snprintf(want, sizeof want, "FAROL resumo U3 %d/%d: ", i,
		    parts);
		CHECK(strncmp(text, want, strlen(want)) == 0 &&
		    strlen(text) <= 160, "part %d: %s", i, text);
		free(text);
	}
	text = qt("SELECT string_agg(text, ' | ' ORDER BY id) FROM outbox "
	    "WHERE purpose = 'digest' AND recipient = '" PN_SV_1 "' AND id > "
	    "(SELECT min(id) FROM outbox WHERE purpose = 'digest' AND "
	    "recipient = '" PN_SV_1 "')");
	for (int i = 0; i < 14; i++)
		CHECK(lists(text, refs[i]), "alert %ld listed: %s", refs[i],
		    text);
	CHECK(strstr(text, " SV SX+TF V14") != NULL, "forms and victims: %s",
	    text);
	free(text);
	CHECK(q("SELECT count(*) FROM digest_item WHERE done_at IS NULL") ==
	    0, "nothing left for a later digest");
	CHECK(q("SELECT count(*) FROM outbox WHERE purpose = 'digest' AND "
	    "recipient = '" PN_SL_1 "'") == 1, "pn-sl: nothing new");
}

/* The digest's hour passes while farold is stopped: the digest goes out
 * when it is back and its database ready. */
static void
test_missed_digest_caught_up(void)
{
	long ref, before;
	char *text;

	before = q("SELECT count(*) FROM outbox WHERE purpose = 'digest'");
	ref = u3(MARIA, "ALERTA SV SX U3 V4 antes da paragem");
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "exit 0");
	digest_at_is(2);
	sleep(3);
	CHECK(q("SELECT count(*) FROM outbox WHERE purpose = 'digest'") ==
	    before, "nothing sent while farold is down");
	CHECK(gateway_proc_start(&g) == 0, "restart farold");
	CHECK(wait_q(before + 1, "SELECT count(*) FROM outbox WHERE purpose "
	    "= 'digest' AND state = 'submitted'") == before + 1,
	    "the missed digest sent at start-up");
	text = qt("SELECT text FROM outbox WHERE purpose = 'digest' ORDER BY "
	    "id DESC LIMIT 1");
	CHECK(lists(text, ref), "it lists %ld: %s", ref, text);
	free(text);
}

int
main(void)
{
	if ((pg = pgcluster_start("the U3 digest")) == NULL) {
		fprintf(stderr, "FAIL: cannot start PostgreSQL\n");
		return 1;
	}
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "no flood limit");
	/* A digest is in its authority's language. */
	CHECK(gateway_proc_edit_config(&g, "name = \"Policia SL\"; areas = "
	    "[\"SL\"]; lang = \"pt\";", "name = \"Policia SL\"; areas = "
	    "[\"SL\"]; lang = \"en\";") == 0, "pn-sl speaks English");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready")) {
		gateway_proc_dump_log(&g);
		gateway_proc_destroy(&g);
		pgcluster_destroy(pg);
		return check_status();
	}
	/* Not during the test: the config's hour could be near. */
	digest_in(3 * 3600);
	test_one_digest_without_the_cancelled();
	test_next_digest_split();
	/* The modem's counter is this process's: before the restart. */
	wait_sent_matches_outbox();
	test_missed_digest_caught_up();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
