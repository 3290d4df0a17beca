/*
 * test_alerts_at.c: an alert's whole path through gammu's real AT driver
 * (suite `modem`): the AT modem emulator on a pseudo-terminal, the real
 * farold on the default config, a private PostgreSQL.
 *
 *   - a U1 report with an accent arrives by +CMTI: stored, alert made;
 *   - the receipt and the forwards leave as SMS-SUBMIT PDUs, decoded here:
 *     recipient, text with the alert number, delivery report requested;
 *   - the network's status report (+CDS) for the police forward marks the
 *     row delivered and the alert `delivered`;
 *   - the duty phone answers OK <n>: acknowledged, and the focal point's
 *     notice leaves as a PDU naming the police.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atemu_client.h"
#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pdu.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"
#define PN_SV_1 "+2389920001"

static struct pgcluster *pg;
static struct atemu *emu;

static int
wait_sql(long want, const char *sql)
{
	return stored_wait_q(pg, WAIT_MS, want, "%s", sql) == want ? 0 : -1;
}

/* The text of the SMS-SUBMIT the emulator got for number, or NULL. */
static char *
sent_to(const char *number, const char *starting)
{
	struct pdu_submit sub;
	const char *errstr, *hex;
	char **lines, *found = NULL;
	size_t n;

	if (atemu_list(emu, "sent", &lines, &n, &errstr) != 0)
		return NULL;
	for (size_t i = 0; i < n && found == NULL; i++) {
		hex = strchr(lines[i], ' ');
		if (hex == NULL || pdu_decode_submit(hex + 1, &sub, &errstr)
		    != 0)
			continue;
		if (getenv("ALERTS_AT_DEBUG") != NULL)
			fprintf(stderr, "sent to %s: %s\n", sub.recipient,
			    sub.text);
		if (sub.recipient[0] != '\0' &&
		    strstr(number, sub.recipient) != NULL && strncmp(sub.text, starting,
		    strlen(starting)) == 0) {
			CHECK(sub.status_report, "delivery report requested "
			    "for %s", number);
			found = strdup(sub.text);
		}
	}
	atemu_free_lines(lines, n);
	return found;
}

struct sent_wait {
	const char *number, *starting;
	char *text;
};

static int
sent_arrived(void *arg)
{
	struct sent_wait *w = arg;

	free(w->text);
	w->text = sent_to(w->number, w->starting);
	return w->text != NULL;
}

static char *
wait_sent(const char *number, const char *starting)
{
	struct sent_wait w = { number, starting, NULL };

	test_wait_until(WAIT_MS, sent_arrived, &w);
	return w.text;
}

int
main(void)
{
	struct atemu_opts o = { 0 };
	struct gateway_proc g;
	const char *errstr;
	char sql[512], want[160], *text;
	long ref, mr;

	REQUIRE((pg = pgcluster_start("alerts through the AT driver")) !=
	    NULL, "PostgreSQL");
	REQUIRE(atemu_start(&o, &emu, &errstr) == 0, "emulator: %s", errstr);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_use_at_modem(&g, atemu_device(emu)) == 0, "config pointed at the emulator");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0 &&
	    console_wait_modem(&g, "cv1", WAIT_MS) == 0,
	    "database and modem ready")) {
		gateway_proc_dump_log(&g);
		return check_status();
	}

	/* A U1 report, with an accent (UCS-2 on the air). */
	atemu_sms(emu, "sms", MARIA, "ucs2", "ALERTA SV SX U1 V2 MENOR bar "
	    "São Vicente, criança sozinha");
	CHECK(wait_sql(1, "SELECT count(*) FROM alert WHERE sender = '"
	    MARIA "'") == 0, "alert made");
	ref = pgcluster_query_long(pg, "SELECT ref FROM alert WHERE sender = '"
	    MARIA "'");
	CHECK(pgcluster_query_long(pg, "SELECT count(*) FROM message WHERE "
	    "text LIKE '%criança%'") == 1, "accent stored intact");

	snprintf(want, sizeof want, "Alerta %ld recebido: SV", ref);
	text = wait_sent(MARIA, want);
	CHECK(text != NULL, "receipt PDU to the focal point (%s...)", want);
	free(text);
	snprintf(want, sizeof want, "FAROL %ld U1 SV SX V2 MENOR: bar Sao "
	    "Vicente, crian", ref);
	text = wait_sent(PN_SV_1, want);
	CHECK(text != NULL && strstr(text, "Responda OK") != NULL,
	    "forward PDU to the police duty phone: %s", text ? text : "none");
	free(text);

	/* The network confirms delivery of the police forward. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN alert a "
	    "ON a.id = o.alert_id WHERE a.ref = %ld AND o.recipient = '"
	    PN_SV_1 "' AND o.state = 'submitted' AND o.message_ref IS NOT "
	    "NULL", ref);
	CHECK(wait_sql(1, sql) == 0, "forward submitted with its reference");
	snprintf(sql, sizeof sql, "SELECT o.message_ref FROM outbox o JOIN "
	    "alert a ON a.id = o.alert_id WHERE a.ref = %ld AND o.recipient = "
	    "'" PN_SV_1 "'", ref);
	mr = pgcluster_query_long(pg, sql);
	CHECK(atemu_cmd(emu, NULL, 0, &errstr, "cds %ld %s 0", mr, PN_SV_1)
	    == 0, "status report: %s", errstr);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN alert a "
	    "ON a.id = o.alert_id WHERE a.ref = %ld AND o.recipient = '"
	    PN_SV_1 "' AND o.state = 'delivered' AND a.state = 'delivered'",
	    ref);
	CHECK(wait_sql(1, sql) == 0, "forward and alert delivered");

	/* The duty phone answers OK: acknowledged, Maria told. */
	snprintf(want, sizeof want, "OK %ld", ref);
	atemu_sms(emu, "sms", PN_SV_1, "gsm7", want);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM alert WHERE ref = %ld "
	    "AND state = 'acknowledged' AND acknowledged_by = 'pn-sv'", ref);
	CHECK(wait_sql(1, sql) == 0, "acknowledged");
	snprintf(want, sizeof want, "Alerta %ld: Policia SV assumiu", ref);
	text = wait_sent(MARIA, want);
	CHECK(text != NULL, "acknowledgement notice PDU to the focal point");
	free(text);

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	atemu_stop(emu);
	pgcluster_destroy(pg);
	return check_status();
}
