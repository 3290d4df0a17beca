/*
 * test_silence.c: who the gateway answers, end to end: the real farold on
 * the default config, a private PostgreSQL, gammu's dummy driver (suite
 * `integration`).
 *
 * Cases: an unknown number gets no SMS of any kind, for every command and
 * for an error, while what it sends is stored, its alert goes to the
 * national desk and its commands take effect; with
 * security.unregistered_reply = true it is answered, but a short code and
 * an alphanumeric sender still are not; an automatic responder on a
 * focal point's phone ("away" replies to every SMS) and the gateway stop
 * answering each other at security.reply_limit, and the limit holds
 * after a restart. Every SMS a modem submitted is an outbox row sent.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000

#define UNKNOWN "+2389900001"	/* in no list of the config */
#define UNKNOWN_2 "+2389900002"	/* nor this one */
#define JOAO "+2389912346"	/* fp-st-01: its phone answers every SMS */
#define DESK_1 "+2389990001"
#define REPLY_MAX 4		/* the test's security.reply_limit.max */

static struct pgcluster *pg;
static struct gateway_proc g;

#define q(...) stored_q(pg, __VA_ARGS__)
#define qt(...) stored_qt(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)

#define send_sms(from, text) stored_send_sms(pg, &g, from, text, WAIT_MS)

static void
wait_sent_matches_outbox(void)
{
	long sent, rows;

	CHECK(console_wait_sent_matches_outbox(&g, pg, WAIT_MS, &sent,
	    &rows) == 0, "modems submitted got=%ld, outbox rows sent "
	    "want=%ld", sent, rows);
	CHECK(wait_q(0, "SELECT count(*) FROM outbox WHERE state IN "
	    "('queued', 'sending') AND not_before <= now()") == 0,
	    "nothing left to send");
}

/* Everything an unknown number can send: stored, acted on, unanswered. */
static void
test_unknown_number_hears_nothing(void)
{
	/* Each command, then the alert's number when ref is set, then
	 * the rest. */
	static const struct {
		const char *cmd, *rest;
		int ref;
	} cmds[] = {
		{ "AJUDA", "", 0 }, { "AJUDA AREAS", "", 0 },
		{ "Promocao saldo bonus 500", "", 0 },
		{ "ALERTA ZZ U1 erro", "", 0 }, { "OK", "", 1 },
		{ "ESTADO", "", 1 }, { "INFO", " carro branco", 1 },
		{ "FIM 99999", "", 0 }, { "ANULAR", " engano", 1 },
	};
	long m, ref, first;
	char text[128];

	first = send_sms(UNKNOWN, "ALERTA SL SX U2 vi uma coisa");
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE message_id = %ld",
	    first) == 1, "the alert is made");
	ref = q("SELECT ref FROM alert WHERE message_id = %ld", first);
	CHECK(wait_q(1, "SELECT count(*) FROM outbox o JOIN alert a ON a.id "
	    "= o.alert_id WHERE a.ref = %ld AND o.recipient = '" DESK_1 "' "
	    "AND o.purpose = 'forward' AND o.state = 'submitted'", ref) == 1,
	    "forwarded to the national desk");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (cmds[i].ref)
			snprintf(text, sizeof text, "%s %ld%s", cmds[i].cmd,
			    ref, cmds[i].rest);
		else
			snprintf(text, sizeof text, "%s", cmds[i].cmd);
		m = send_sms(UNKNOWN, text);
		CHECK(m > first, "stored: %s", text);
	}
	CHECK(q("SELECT count(*) FROM message WHERE sender = '" UNKNOWN "'")
	    == 10, "all ten messages stored");
	/* The commands took effect: INFO and ANULAR reach the desk. */
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'cancelled'", ref) == 1, "ANULAR cancelled the alert");
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE recipient = '"
	    DESK_1 "' AND purpose = 'info' AND state = 'submitted'") == 1,
	    "INFO reached the desk");
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE recipient = '"
	    DESK_1 "' AND purpose = 'cancel_notice' AND state = "
	    "'submitted'") == 1, "the desk told of the cancellation");
	wait_sent_matches_outbox();
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient = '" UNKNOWN
	    "'") == 0, "no SMS of any kind to the unknown number");
}

/* A duty officer's OK on an unknown number's alert tells the officers,
 * not the unknown reporter (no "taken by" notice either). */
static void
test_unknown_reporter_not_told_of_ack(void)
{
	long first, ref;
	char ok[32];

	first = send_sms(UNKNOWN_2, "ALERTA SL SX U2 outra coisa");
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE message_id = %ld",
	    first) == 1, "the alert is made");
	ref = q("SELECT ref FROM alert WHERE message_id = %ld", first);
	CHECK(wait_q(1, "SELECT count(*) FROM outbox o JOIN alert a ON a.id "
	    "= o.alert_id WHERE a.ref = %ld AND o.recipient = '" DESK_1 "' "
	    "AND o.state = 'submitted'", ref) == 1, "forwarded to the desk");
	snprintf(ok, sizeof ok, "OK %ld", ref);
	send_sms(DESK_1, ok);
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'acknowledged'", ref) == 1, "the desk took it");
	wait_sent_matches_outbox();
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient = '" UNKNOWN_2
	    "'") == 0, "no acknowledgement notice to the unknown reporter");
}

/* unregistered_reply = true: the unknown number is answered; a short
 * code and a sender ID still are not. */
static void
test_short_codes_never_answered(void)
{
	static const char *const senders[] = { "1234", "+1234", "CVMOVEL",
	    "Vodafone" };
	long m, first = 0;
	char *out = NULL;

	CHECK(gateway_proc_edit_config(&g, "unregistered_reply = false;",
	    "unregistered_reply = true;") == 0, "edit the config");
	CHECK(console_reload(&g, &out) == 0, "reload: %s", out ? out : "");
	free(out);
	for (size_t i = 0; i < sizeof senders / sizeof senders[0]; i++) {
		m = send_sms(senders[i], "Promocao: 500 MB por 100 ECV");
		if (first == 0)
			first = m;
		send_sms(senders[i], "AJUDA");
	}
	m = send_sms(UNKNOWN, "AJUDA");
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE recipient = '"
	    UNKNOWN "' AND message_id = %ld AND state = 'submitted'", m) == 1,
	    "unregistered_reply = true: the unknown number answered");
	wait_sent_matches_outbox();
	CHECK(q("SELECT count(*) FROM outbox o JOIN message m ON m.id = "
	    "o.message_id WHERE m.id >= %ld AND m.sender <> '" UNKNOWN "'",
	    first) == 0, "no SMS to a short code or a sender ID");
	CHECK(gateway_proc_edit_config(&g, "unregistered_reply = true;",
	    "unregistered_reply = false;") == 0, "edit the config back");
	CHECK(console_reload(&g, NULL) == 0, "reload");
}

/*
 * JOAO's phone answers every SMS it gets with an "away" message, which
 * the gateway does not understand and answers: two automatic responders.
 * The gateway answers REPLY_MAX times, then records its answers as
 * cancelled: the responder hears nothing more and the exchange ends.
 */
static void
test_auto_responder_loop_ends(void)
{
	long m, sent = 0, rounds;
	char *state;

	for (rounds = 0; rounds < 50; rounds++) {
		m = send_sms(JOAO, "Estou ausente ate segunda. Obrigado pela "
		    "sua mensagem.");
		state = qt("SELECT state FROM outbox WHERE message_id = %ld "
		    "AND recipient = '" JOAO "'", m);
		if (strcmp(state, "cancelled") == 0) {
			free(state);
			break;	/* the gateway fell silent */
		}
		free(state);
		/* The responder answers what the modem sent. */
		CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE message_id "
		    "= %ld AND state = 'submitted'", m) == 1, "reply sent");
		sent++;
	}
	CHECK(rounds < 50, "the exchange ends");
	CHECK(sent == REPLY_MAX, "replies before the limit got=%ld want=%d",
	    sent, REPLY_MAX);
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient = '" JOAO "' AND "
	    "state = 'cancelled' AND error LIKE 'reply limit%%'") == 1,
	    "the one answer past the limit recorded, not sent");
	wait_sent_matches_outbox();
	CHECK(console_sum(&g, "modems", "sent", NULL, NULL) == q("SELECT "
	    "count(*) FROM outbox WHERE state IN ('submitted', 'delivered')"),
	    "the modem sent what the outbox says");

	/* The limit is in the database: a restart does not reset it. */
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "exit 0");
	CHECK(gateway_proc_start(&g) == 0, "restart farold");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");
	m = send_sms(JOAO, "Estou ausente ate segunda.");
	CHECK(q("SELECT count(*) FROM outbox WHERE message_id = %ld AND "
	    "state = 'cancelled'", m) == 1, "still limited after a restart");
}

int
main(void)
{
	if ((pg = pgcluster_start("who is answered")) == NULL) {
		fprintf(stderr, "FAIL: cannot start PostgreSQL\n");
		return 1;
	}
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	/* The responder's rate, not the flood quarantine, is under test. */
	CHECK(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "no flood limit");
	CHECK(gateway_proc_edit_config(&g, "reply_limit = { max = 20; "
	    "per_s = 3600; };", "reply_limit = { max = 4; per_s = 3600; };")
	    == 0, "reply limit 4");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready")) {
		gateway_proc_dump_log(&g);
		gateway_proc_destroy(&g);
		pgcluster_destroy(pg);
		return check_status();
	}
	test_unknown_number_hears_nothing();
	test_unknown_reporter_not_told_of_ack();
	test_short_codes_never_answered();
	test_auto_responder_loop_ends();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
