/*
 * test_alerts.c: reports become alerts, receipts, forwards and escalation
 * rungs, end to end: the real farold on the default config, a private
 * PostgreSQL, gammu's dummy driver (suite `integration`).
 *
 * Time: rungs are outbox rows due at receipt + after_s (those due after
 * escalation.rung_horizon kept as the alert's plan until the janitor
 * writes them). Instead of waiting
 * minutes, the test moves an alert's queued rows and plan earlier by the configured
 * delay ("advances the clock" for that alert) and checks that exactly the
 * rungs that are then due go out. The delays themselves are checked
 * against the config (300 s for U1 in config/farol.conf).
 *
 * Cases: a report waiting on the SIM at start-up is forwarded once;
 * U1 receipt and forwards; each rung at its time; reload in the
 * middle of an escalation keeps the alert's ladder; OK stops escalation
 * and tells the focal point; an OK tells the other holders who took the
 * alert, and a second OK is answered with that name; OK from a wrong number is refused; a missing
 * PIN holds the alert and tells an administrator; ANULAR after forward
 * tells the holders; INFO reaches the holders; ESTADO answers the state;
 * an unregistered sender is routed to the national desk without reply;
 * U3 goes to the digest only (test_digest.c sends the digest); a
 * stale rung moves on to the next; FIM closes (from a holder only); an
 * alert whose whole ladder passed expires (and a late OK takes it); a
 * flood is quarantined; rows a crash left `sending` go out after a
 * restart.
 */
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000

#define MARIA "+2389912345"	/* fp-sv-01, SV */
#define JOAO "+2389912346"	/* fp-st-01, ST */
#define ANA "+2389912347"	/* fp-sl-01, SL, English */
#define PN_SV_1 "+2389920001"
#define PN_SV_2 "+2389920002"
#define PN_SV_3 "+2389920003"
#define PN_ST_1 "+2389970001"
#define ICCA_1 "+2389980001"
#define DESK_1 "+2389990001"
#define ADMIN "+2389999001"

static struct pgcluster *pg;
static struct gateway_proc g;

/* One-value queries on the test's cluster (tests/integration/stored.h). */
#define q(...) stored_q(pg, __VA_ARGS__)
#define qt(...) stored_qt(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)
#define alert_ref(m) stored_alert_ref(pg, m, WAIT_MS)

static long
messages_stored(void)
{
	long n = stored_count(pg, "");

	return n < 0 ? 0 : n;
}

#define send_sms(from, text) stored_send_sms(pg, &g, from, text, WAIT_MS)

static long send_smsf(const char *from, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static long
send_smsf(const char *from, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return send_sms(from, text);
}

/* Move the alert's queued rows and the rungs it still plans (counted from
 * its created_at: alert.rung_plan) s seconds earlier: s seconds pass for
 * it. */
static void
advance(long ref, int s)
{
	char sql[1024];

	snprintf(sql, sizeof sql, "UPDATE outbox SET not_before = not_before "
	    "- interval '%d seconds' WHERE state = 'queued' AND alert_id = "
	    "(SELECT id FROM alert WHERE ref = %ld); UPDATE alert SET "
	    "created_at = created_at - interval '%d seconds', "
	    "rung_plan_next_at = rung_plan_next_at - interval '%d seconds' "
	    "WHERE ref = %ld", s, ref, s, s, ref);
	CHECK(pgcluster_exec(pg, sql) == 0, "advance %ld by %d s", ref, s);
}

static long
rows(long ref, const char *where)
{
	return q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND %s", ref, where);
}

/* Rungs of alert ref still to go to recipient, due after_s after its
 * receipt (within 10 s; -1: whenever): queued rows, or rows its plan
 * keeps until the janitor writes them (alert.rung_plan,
 * escalation.rung_horizon). */
static long
rungs_waiting(long ref, const char *recipient, int after_s)
{
	return q("SELECT (SELECT count(*) "
	    "FROM outbox o WHERE o.alert_id = a.id AND o.state = 'queued' "
	    "AND o.recipient = '%s' AND (%d < 0 OR abs(extract(epoch FROM "
	    "o.not_before - a.received_at) - %d) < 10)) + (SELECT count(*) "
	    "FROM farol_alert_plan_rows(a.rung_plan) AS p "
	    "WHERE p.recipient = '%s' AND "
	    "(%d < 0 OR abs(extract(epoch FROM a.created_at - a.received_at) "
	    "+ p.after_s - %d) < 10)) FROM alert a WHERE a.ref = %ld",
	    recipient, after_s, after_s, recipient, after_s, after_s, ref);
}

static long
wait_rows(long want, long ref, const char *where)
{
	return wait_q(want, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.ref = %ld AND %s", ref, where);
}

static char *
alert_state(long ref)
{
	return qt("SELECT state FROM alert WHERE ref = %ld", ref);
}

static void
check_state(long ref, const char *want)
{
	long n = wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = '%s'", ref, want);
	char *got = alert_state(ref);

	CHECK(n == 1, "alert %ld state got=%s want=%s", ref, got, want);
	free(got);
}

/* A reply of purpose to number, about nothing or an alert, submitted. */
static char *
reply_to(const char *number, const char *purpose, long message_id)
{
	wait_q(1, "SELECT count(*) FROM outbox WHERE recipient = '%s' AND "
	    "purpose = '%s' AND message_id = %ld AND state = 'submitted'",
	    number, purpose, message_id);
	return qt("SELECT text FROM outbox WHERE recipient = '%s' AND "
	    "purpose = '%s' AND message_id = %ld AND state <> 'held'", number,
	    purpose, message_id);
}

/* Every SMS a modem submitted is an outbox row in submitted (or
 * delivered) state: nothing went out twice, nor without its row (as a
 * forward sent from the spool would). Polls while results are recorded. */
static void
wait_sent_matches_outbox(void)
{
	long sent, rows;

	CHECK(console_wait_sent_matches_outbox(&g, pg, WAIT_MS, &sent,
	    &rows) == 0, "modems submitted got=%ld, outbox rows sent "
	    "want=%ld", sent, rows);
}

/* A report waiting on the SIM at start-up (the worker reads it while the
 * database is still connecting) is stored, not spooled, and its duty
 * phone gets one forward, with the alert number, not a spooled one and
 * then the numbered one. */
static void
test_start_with_report_waiting(void)
{
	long ref;

	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE text = 'esperava "
	    "no SIM'") == 1, "the waiting report stored");
	ref = q("SELECT ref FROM alert WHERE text = 'esperava no SIM'");
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_1 "' AND o.state = "
	    "'submitted'") == 1, "forwarded");
	CHECK(rows(ref, "o.recipient = '" PN_SV_1 "' AND o.purpose = "
	    "'forward'") == 1, "one forward to the duty phone, not two");
	CHECK(q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND o.recipient = '" PN_SV_1 "' AND "
	    "o.text LIKE '%%' || a.ref || '%%'", ref) == 1,
	    "the forward carries the alert number");
	CHECK(console_value(&g, "inbox", "spooled", NULL, NULL) == 0,
	    "nothing spooled at start-up");
	/* A forward sent from the spool is counted by the console (its
	 * row is written only at replay). */
	CHECK(console_value(&g, "spool", "forwarded", NULL, NULL) == 0,
	    "no forward from the spool before the numbered one");
	wait_sent_matches_outbox();
}

/* U1 from Maria: receipt, three forwards, rungs at +300 s; each rung goes
 * out only when due; a reload keeps the alert's ladder; OK stops it. */
static void
test_u1_escalation_and_ack(void)
{
	char want[160], *text;
	long m, ref, ack;

	m = send_sms(MARIA, "ALERTA SV SX U1 V2 MENOR bar Calheta");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	check_state(ref, "forwarded");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND focal_point "
	    "= 'fp-sv-01' AND verified AND area = 'SV' AND forms = "
	    "'{SX}' AND urgency = 1 AND victims = 2 AND minor", ref) == 1,
	    "alert fields");

	text = reply_to(MARIA, "receipt", m);
	snprintf(want, sizeof want, "Alerta %ld recebido: ", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "receipt got=%s "
	    "want=%s...", text, want);
	free(text);

	CHECK(wait_rows(3, ref, "o.purpose = 'forward' AND o.state = "
	    "'submitted'") == 3, "three forwards submitted got=%ld",
	    rows(ref, "o.purpose = 'forward' AND o.state = 'submitted'"));
	CHECK(rows(ref, "o.purpose = 'forward' AND o.recipient IN ('" PN_SV_1
	    "', '" ICCA_1 "', '" DESK_1 "')") == 3, "forward recipients");
	snprintf(want, sizeof want, "FAROL %ld U1 SV SX", ref);
	text = qt("SELECT o.text FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND o.recipient = '" PN_SV_1 "'",
	    ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "forward got=%s "
	    "want=%s...", text, want);
	free(text);

	/* The next rungs wait 300 s (escalation.u1.ack_timeout). */
	CHECK(rungs_waiting(ref, PN_SV_2, 300) == 1,
	    "rung 2 due 300 s after receipt");
	CHECK(rungs_waiting(ref, PN_SV_3, 600) == 1,
	    "rung 3 due 600 s after receipt");
	CHECK(rows(ref, "o.state <> 'queued' AND o.recipient = '" PN_SV_2
	    "'") == 0, "rung 2 not sent before its time");

	/* 300 s pass: rung 2 of each authority, not rung 3. */
	advance(ref, 300);
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_2 "' AND o.state = "
	    "'submitted' AND o.purpose = 'escalation'") == 1,
	    "rung 2 submitted");
	check_state(ref, "escalated");
	CHECK(rungs_waiting(ref, PN_SV_3, -1) == 1, "rung 3 still waiting");
	CHECK(rows(ref, "o.purpose = 'receipt'") == 1,
	    "the focal point is not told again");

	/* Reload with pn-sv's third rung changed: this alert keeps its own. */
	CHECK(gateway_proc_edit_config(&g, "\"9920003\"", "\"9920009\"") ==
	    0, "rung 3 in config, changed");
	CHECK(console_reload(&g, NULL) == 0, "reloaded");
	advance(ref, 300);
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_3 "' AND o.state = "
	    "'submitted'") == 1, "rung 3 of the old ladder submitted");
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient = "
	    "'+2389920009'") == 0, "the new ladder is not used for it");

	/* OK from rung 2: acknowledged, the rest cancelled, Maria told. */
	ack = send_smsf(PN_SV_2, "OK %ld", ref);
	check_state(ref, "acknowledged");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "acknowledged_by = 'pn-sv' AND acknowledged_at IS NOT NULL", ref)
	    == 1, "acknowledged by pn-sv");
	CHECK(wait_rows(0, ref, "o.state = 'queued' AND o.purpose IN "
	    "('forward', 'escalation')") == 0, "no rung left queued");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND rung_plan IS "
	    "NULL", ref) == 1, "no rung left planned");
	text = reply_to(PN_SV_2, "reply", ack);
	snprintf(want, sizeof want, "Alerta %ld: OK registado", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "ack reply got=%s "
	    "want=%s...", text, want);
	free(text);
	text = reply_to(MARIA, "ack_notice", ack);
	snprintf(want, sizeof want, "Alerta %ld: Policia SV assumiu o caso.",
	    ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "ack notice got=%s "
	    "want=%s...", text, want);
	free(text);

	/* Escalation has stopped: even much later nothing more goes out. */
	advance(ref, 3600);
	m = send_smsf(MARIA, "ESTADO %ld", ref);
	text = reply_to(MARIA, "reply", m);
	snprintf(want, sizeof want, "Alerta %ld: assumido.", ref);
	CHECK(strcmp(text, want) == 0, "estado got=%s want=%s", text, want);
	free(text);
	CHECK(rows(ref, "o.purpose = 'escalation' AND o.state = 'submitted' "
	    "AND o.submitted_at > a.acknowledged_at") == 0,
	    "no rung after the OK");
}

/* Two patrols don't go: ICCA takes Maria's alert, the other holders are
 * told who did; Policia SV's OK after it is recorded and answered with
 * ICCA's name. Each reply is queued in the transaction that applies its
 * command: the rows carry that transaction's now(), as the event does. */
static void
test_two_patrols(void)
{
	char want[160], *text;
	long m, ref, ack, again;

	m = send_sms(MARIA, "ALERTA SV SX U1 MENOR duas patrulhas");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(wait_rows(3, ref, "o.purpose = 'forward' AND o.state = "
	    "'submitted'") == 3, "three forwards submitted");

	ack = send_smsf(ICCA_1, "OK %ld", ref);
	check_state(ref, "acknowledged");
	CHECK(wait_q(2, "SELECT count(*) FROM outbox WHERE message_id = %ld "
	    "AND purpose = 'taken_notice' AND state = 'submitted'", ack) == 2,
	    "two taken notices submitted");
	CHECK(q("SELECT count(*) FROM outbox WHERE message_id = %ld AND "
	    "purpose = 'taken_notice' AND recipient IN ('" PN_SV_1 "', '"
	    DESK_1 "')", ack) == 2, "told: the other holders");
	CHECK(q("SELECT count(*) FROM outbox WHERE message_id = %ld AND "
	    "purpose = 'taken_notice' AND recipient = '" ICCA_1 "'", ack) ==
	    0, "not told: who took it");
	text = reply_to(PN_SV_1, "taken_notice", ack);
	snprintf(want, sizeof want, "FAROL %ld: ICCA assumiu o caso.", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "taken notice got=%s "
	    "want=%s...", text, want);
	free(text);
	/* Receipt, focal point's notice, two taken notices: all in the
	 * command's own transaction (its event's now()). */
	CHECK(q("SELECT count(*) FROM outbox o JOIN alert_event e ON "
	    "e.at = o.created_at JOIN alert a ON a.id = e.alert_id WHERE "
	    "a.ref = %ld AND e.to_state = 'acknowledged' AND e.from_state <> "
	    "'acknowledged' AND o.message_id = %ld", ref, ack) == 4,
	    "the OK's replies are queued with the OK");

	again = send_smsf(PN_SV_1, "OK %ld", ref);
	text = reply_to(PN_SV_1, "reply", again);
	snprintf(want, sizeof want, "Alerta %ld ja foi assumido por ICCA.",
	    ref);
	CHECK(strcmp(text, want) == 0, "second OK got=%s want=%s", text,
	    want);
	free(text);
	CHECK(q("SELECT count(*) FROM alert_event e JOIN alert a ON a.id = "
	    "e.alert_id JOIN outbox o ON o.message_id = %ld AND o.created_at "
	    "= e.at WHERE a.ref = %ld AND e.from_state = 'acknowledged' AND "
	    "e.to_state = 'acknowledged' AND e.actor LIKE '%%9920001' AND "
	    "e.note = 'OK after ICCA'", again, ref) == 1,
	    "the second OK recorded, with its reply");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "acknowledged_by = 'icca'", ref) == 1, "still ICCA's");
	CHECK(q("SELECT count(*) FROM outbox WHERE message_id = %ld", again)
	    == 1, "the second OK tells nobody else");
}

/* A reload gives Joao a PIN: an alert without it is held. Then a good
 * one: OK from a wrong number, INFO, ANULAR. */
static void
test_pin_wrong_number_info_cancel(void)
{
	char want[160], *text;
	long m, ref, held, refused, info;

	CHECK(gateway_proc_edit_config(&g, "phone = \"9912346\"; area = "
	    "\"ST\"; lang = \"pt\"; pin = \"\"", "phone = \"9912346\"; "
	    "area = \"ST\"; lang = \"pt\"; pin = \"4321\"") == 0,
	    "Joao in the config, given a PIN");
	CHECK(console_reload(&g, NULL) == 0, "reloaded");

	/* No PIN: held, an administrator told, nobody else. */
	m = send_sms(JOAO, "ALERTA ST TF U2 obra sem PIN");
	CHECK((held = alert_ref(m)) > 0, "held alert made");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND held_reason "
	    "= 'pin'", held) == 1, "held for the PIN");
	CHECK(wait_rows(1, held, "o.recipient = '" ADMIN "' AND o.purpose = "
	    "'admin' AND o.state = 'submitted'") == 1, "administrator told");
	CHECK(rows(held, "o.purpose IN ('forward', 'escalation') AND "
	    "o.state <> 'held'") == 0, "not forwarded");
	text = reply_to(JOAO, "receipt", m);
	CHECK(strstr(text, "retido") != NULL, "held receipt got=%s", text);
	free(text);

	/* With the PIN: forwarded to the police of Santiago. */
	m = send_sms(JOAO, "ALERTA ST TF U2 P4321 obra na estrada");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_ST_1 "' AND o.state = "
	    "'submitted'") == 1, "forwarded to pn-st");
	check_state(ref, "forwarded");

	/* OK from a number that was not notified (another police's duty
	 * phone): refused, no change. */
	refused = send_smsf(PN_SV_1, "OK %ld", ref);
	text = reply_to(PN_SV_1, "reply", refused);
	snprintf(want, sizeof want, "OK %ld recusado", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "refusal got=%s "
	    "want=%s...", text, want);
	free(text);
	check_state(ref, "forwarded");

	/* INFO reaches the holder. */
	info = send_smsf(JOAO, "INFO %ld carro azul", ref);
	text = reply_to(PN_ST_1, "info", info);
	snprintf(want, sizeof want, "FAROL %ld INFO: carro azul", ref);
	CHECK(strcmp(text, want) == 0, "info got=%s want=%s", text, want);
	free(text);

	/* ANULAR: cancelled, the holder told, the rungs stopped. */
	m = send_smsf(JOAO, "ANULAR %ld", ref);
	check_state(ref, "cancelled");
	text = reply_to(PN_ST_1, "cancel_notice", m);
	snprintf(want, sizeof want, "FAROL %ld ANULADO", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "cancel notice got=%s "
	    "want=%s...", text, want);
	free(text);
	CHECK(wait_rows(0, ref, "o.state = 'queued'") == 0,
	    "no rung left queued");
}

/* A modem that gives national numbers ("9912345", not "+2389912345"):
 * the focal point still owns its alert (ESTADO answered) and the duty
 * phone still holds the one it was sent (OK taken). The message keeps the
 * number as the modem gave it. */
static void
test_national_numbers(void)
{
	char want[160], *text;
	long m, ref, ask, ok;

	m = send_sms("9912345", "ALERTA SV SX U2 numero nacional");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND sender = '"
	    MARIA "'", ref) == 1, "the alert's sender normalised");
	CHECK(q("SELECT count(*) FROM message WHERE id = %ld AND sender = "
	    "'9912345'", m) == 1, "the message keeps the modem's number");
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_1 "' AND o.state = "
	    "'submitted'") == 1, "forwarded to pn-sv");

	ask = send_smsf("9912345", "ESTADO %ld", ref);
	text = reply_to(MARIA, "reply", ask);
	snprintf(want, sizeof want, "Alerta %ld: ", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0 &&
	    strstr(text, "recusad") == NULL, "own alert's state got=%s", text);
	free(text);

	ok = send_smsf("9920001", "OK %ld", ref);
	CHECK(ok > 0, "OK stored");
	check_state(ref, "acknowledged");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "acknowledged_by = 'pn-sv'", ref) == 1, "taken by pn-sv");
}

/* An unregistered sender: stored unverified, to the national desk, no
 * reply. U3 from Maria: no SMS to anyone but her receipt. */
static void
test_unregistered_and_u3(void)
{
	long m, ref;

	m = send_sms("+2389900000", "ALERTA SL SX U2 vi uma coisa");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND NOT verified "
	    "AND focal_point IS NULL", ref) == 1, "unverified");
	CHECK(wait_rows(1, ref, "o.recipient = '" DESK_1 "' AND o.state = "
	    "'submitted'") == 1, "to the national desk");
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient = "
	    "'+2389900000'") == 0, "no reply to an unregistered sender");

	m = send_sms(MARIA, "ALERTA SV SX U3 rumores no porto");
	CHECK((ref = alert_ref(m)) > 0, "U3 alert made");
	CHECK(wait_rows(1, ref, "o.purpose = 'receipt' AND o.state = "
	    "'submitted'") == 1, "U3 receipt");
	CHECK(rows(ref, "o.purpose IN ('forward', 'escalation')") == 0,
	    "U3: no forward");
	/* No SMS of its own: an item of pn-sv's next digest
	 * (test_digest.c sends it). */
	CHECK(rows(ref, "o.purpose = 'digest'") == 0, "U3: no SMS of its own");
	CHECK(q("SELECT count(*) FROM digest_item d JOIN alert a ON a.id = "
	    "d.alert_id WHERE a.ref = %ld AND d.recipient = '" PN_SV_1 "' "
	    "AND d.authority_id = 'pn-sv' AND d.done_at IS NULL", ref) == 1,
	    "U3: in the next digest for pn-sv");
	CHECK(q("SELECT count(*) FROM alert_report WHERE ref = %ld AND "
	    "urgency = 3 AND focal_point = 'fp-sv-01'", ref) == 1,
	    "in alert_report");
}

/* FIM: refused from a number that is neither the focal point nor a
 * holder; from the duty phone it closes the alert, cancels its rungs and
 * answers. */
static void
test_close(void)
{
	long m, ref;
	char *text;

	m = send_sms(MARIA, "ALERTA SV TF U2 fabrica fechada");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_1 "' AND o.state = "
	    "'submitted'") == 1, "forwarded");
	CHECK(rows(ref, "o.purpose = 'escalation' AND o.state = 'queued'") +
	    q("SELECT count(*) FROM alert WHERE ref = %ld AND rung_plan IS "
	    "NOT NULL", ref) > 0, "rungs waiting");

	m = send_smsf(PN_ST_1, "FIM %ld", ref);
	text = reply_to(PN_ST_1, "reply", m);
	CHECK(strstr(text, "FIM") != NULL, "refusal names FIM: %s", text);
	free(text);
	check_state(ref, "forwarded");

	m = send_smsf(PN_SV_1, "FIM %ld resolvido", ref);
	check_state(ref, "closed");
	text = reply_to(PN_SV_1, "reply", m);
	CHECK(q("SELECT count(*) FROM outbox WHERE message_id = %ld AND "
	    "recipient = '" PN_SV_1 "' AND text LIKE '%%%ld%%'", m, ref) == 1,
	    "the receipt names the alert");
	free(text);
	CHECK(wait_rows(0, ref, "o.purpose = 'escalation' AND o.state = "
	    "'queued'") == 0, "no rung left waiting");
	CHECK(rows(ref, "o.purpose = 'escalation' AND o.state = "
	    "'cancelled'") > 0 || q("SELECT count(*) FROM alert WHERE ref = "
	    "%ld AND rung_plan IS NULL AND rung_plan_next_at IS NULL", ref) ==
	    1, "rungs cancelled, or dropped from the plan");
	text = qt("SELECT string_agg(e.actor || '|' || coalesce(e.note, '-'), "
	    "',') FROM alert_event e JOIN alert a ON a.id = e.alert_id WHERE "
	    "a.ref = %ld AND e.to_state = 'closed'", ref);
	CHECK(strcmp(text, PN_SV_1 "|resolvido") == 0,
	    "the event: who closed it, and the note: %s", text);
	free(text);
	CHECK(q("SELECT count(*) FROM alert_report WHERE ref = %ld AND state "
	    "= 'closed'", ref) == 1, "closed in alert_report");
}

/* Who the console's peer is, as farold records it. */
static void
unix_user(char *out, size_t outsz)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL)
		snprintf(out, outsz, "unix:%s", pw->pw_name);
	else
		snprintf(out, outsz, "unix:uid %u", (unsigned)getuid());
}

/* The held alert ref's events: "actor|note" of those from and to state
 * received (a release), comma-separated; the caller frees. */
static char *
release_events(long ref)
{
	return qt("SELECT coalesce(string_agg(e.actor || '|' || e.note, ',' "
	    "ORDER BY e.id), '') FROM alert_event e JOIN alert a ON a.id = "
	    "e.alert_id WHERE a.ref = %ld AND e.from_state = 'received' AND "
	    "e.to_state = 'received'", ref);
}

/* Held alerts are never stuck (Joao has a PIN since the test above):
 * farolctl release routes one as if it had just arrived, farolctl
 * dismiss closes one and sends nothing, an administrator's LIBERAR by
 * SMS releases one and anybody else's is refused; each is recorded with
 * who did it. */
static void
test_release_and_dismiss(void)
{
	char user[80], want[200], *text, *out = NULL;
	long m, ref, gone, sms, refused, released;

	unix_user(user, sizeof user);
	m = send_sms(JOAO, "ALERTA ST TF U2 obra retida");
	CHECK((ref = alert_ref(m)) > 0, "held alert made");
	CHECK(wait_rows(1, ref, "o.recipient = '" ADMIN "' AND o.purpose = "
	    "'admin' AND o.state = 'submitted'") == 1, "administrator told");
	CHECK(rows(ref, "o.state = 'held' AND o.purpose = 'forward' AND "
	    "o.recipient = '" PN_ST_1 "'") == 1, "its forward waits, held");
	text = console_text(&g, "alerts", "held", "ref", (snprintf(want,
	    sizeof want, "%ld", ref), want));
	CHECK(text != NULL && strcmp(text, "pin") == 0, "console: held %s",
	    text ? text : "(none)");
	free(text);

	/* farolctl release: receipt, forward now, rung 2 in 1800 s. */
	CHECK(console_run(&g, &out, "release", want, NULL) == 0,
	    "farolctl release %s: %s", want, out ? out : "");
	free(out);
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_ST_1 "' AND o.purpose "
	    "= 'forward' AND o.state = 'submitted'") == 1, "released: "
	    "forwarded");
	check_state(ref, "forwarded");
	CHECK(rows(ref, "o.purpose = 'escalation' AND o.state = 'queued' AND "
	    "o.rung = 2 AND abs(extract(epoch FROM o.not_before - now()) - "
	    "1800) < 30") > 0, "rung 2 due 1800 s after the release");
	CHECK(wait_rows(1, ref, "o.recipient = '" JOAO "' AND o.purpose = "
	    "'receipt' AND o.state = 'submitted' AND o.text LIKE "
	    "'%%recebido:%%'") == 1, "the focal point's receipt");
	text = console_text(&g, "alerts", "held", "ref", want);
	CHECK(text == NULL || strcmp(text, "-") == 0, "console: still held "
	    "%s", text);
	free(text);
	text = release_events(ref);
	snprintf(want, sizeof want, "%s|released (held: pin)", user);
	CHECK(strcmp(text, want) == 0, "release event got=%s want=%s", text,
	    want);
	free(text);
	snprintf(want, sizeof want, "%ld", ref);
	CHECK(console_run(&g, NULL, "release", want, NULL) == 1,
	    "released twice");

	/* farolctl dismiss: closed, nothing sent, the reason recorded. */
	m = send_sms(JOAO, "ALERTA ST TF U2 obra duplicada");
	CHECK((gone = alert_ref(m)) > 0, "second held alert");
	CHECK(console_run(&g, NULL, "dismiss", (snprintf(want, sizeof want,
	    "%ld", gone), want), NULL) == 2, "dismiss without a reason");
	CHECK(console_run(&g, NULL, "dismiss", want, "--reason",
	    "repetido do anterior", NULL) == 0, "farolctl dismiss");
	check_state(gone, "closed");
	CHECK(rows(gone, "o.state = 'held'") == 0 && rows(gone,
	    "o.purpose = 'forward' AND o.state = 'cancelled'") == 1,
	    "its held rows cancelled");
	text = qt("SELECT e.actor || '|' || e.note FROM alert_event e JOIN "
	    "alert a ON a.id = e.alert_id WHERE a.ref = %ld AND e.to_state = "
	    "'closed'", gone);
	snprintf(want, sizeof want, "%s|dismissed (held: pin): repetido do "
	    "anterior", user);
	CHECK(strcmp(text, want) == 0, "dismiss event got=%s want=%s", text,
	    want);
	free(text);

	/* LIBERAR by SMS: from an administrator only. */
	m = send_sms(JOAO, "ALERTA ST TF U2 obra por SMS");
	CHECK((sms = alert_ref(m)) > 0, "third held alert");
	refused = send_smsf(JOAO, "LIBERAR %ld", sms);
	text = reply_to(JOAO, "reply", refused);
	CHECK(strstr(text, "recusado") != NULL, "LIBERAR from a focal point "
	    "got=%s", text);
	free(text);
	CHECK(rows(sms, "o.state = 'held'") > 0, "still held");
	released = send_smsf(ADMIN, "RELEASE %ld", sms);
	CHECK(wait_rows(1, sms, "o.recipient = '" PN_ST_1 "' AND o.purpose = "
	    "'forward' AND o.state = 'submitted'") == 1, "released by SMS: "
	    "forwarded");
	text = reply_to(ADMIN, "reply", released);
	snprintf(want, sizeof want, "Alerta %ld libertado", sms);
	CHECK(strncmp(text, want, strlen(want)) == 0, "LIBERAR reply got=%s "
	    "want=%s...", text, want);
	free(text);
	text = release_events(sms);
	CHECK(strcmp(text, ADMIN "|released (held: pin)") == 0, "LIBERAR "
	    "event got=%s", text);
	free(text);
	released = send_smsf(ADMIN, "LIBERAR %ld", sms);
	text = reply_to(ADMIN, "reply", released);
	CHECK(strstr(text, "nao esta retido") != NULL, "LIBERAR twice got=%s",
	    text);
	free(text);
}

/* Expired means expired: when the whole ladder has passed with no OK the
 * alert moves to expired, with its event, and the administrators are
 * still told; a late OK still takes it. */
static void
test_expired(void)
{
	char want[160], *text;
	long m, ref, ack;

	m = send_sms(MARIA, "ALERTA SV TF U2 ninguem responde");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_1 "' AND o.state = "
	    "'submitted'") == 1, "forwarded");
	/* U2: a rung every 1800 s, three rungs, then the administrators. */
	for (int rung = 2; rung <= 3; rung++) {
		char where[128];

		advance(ref, 1800);
		snprintf(where, sizeof where, "o.authority_id = 'pn-sv' AND "
		    "o.rung = %d AND o.state = 'submitted'", rung);
		CHECK(wait_rows(1, ref, where) == 1, "rung %d submitted",
		    rung);
	}
	CHECK(rungs_waiting(ref, ADMIN, -1) == 1,
	    "the administrators' notice waits");
	check_state(ref, "escalated");
	advance(ref, 1800);
	check_state(ref, "expired");
	CHECK(wait_rows(1, ref, "o.recipient = '" ADMIN "' AND o.state = "
	    "'submitted' AND o.text LIKE '%%SEM RESPOSTA%%'") == 1,
	    "the administrators told");
	CHECK(q("SELECT count(*) FROM alert_event e JOIN alert a ON a.id = "
	    "e.alert_id WHERE a.ref = %ld AND e.to_state = 'expired' AND "
	    "e.from_state = 'escalated' AND e.actor = 'farold'", ref) == 1,
	    "the expiry recorded");

	ack = send_smsf(PN_SV_1, "OK %ld", ref);
	check_state(ref, "acknowledged");
	text = reply_to(PN_SV_1, "reply", ack);
	snprintf(want, sizeof want, "Alerta %ld: OK registado", ref);
	CHECK(strncmp(text, want, strlen(want)) == 0, "late OK got=%s "
	    "want=%s...", text, want);
	free(text);
}

/* Rows a crash left `sending' (claimed, never submitted) are queued again
 * when farold starts and go out once. */
static void
test_recover_after_crash(void)
{
	char *restart;
	long id;

	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "stop");
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "stopped");
	id = q("INSERT INTO outbox (recipient, text, purpose, state, attempts) "
	    "VALUES ('" ADMIN "', 'teste de recuperacao', 'admin', "
	    "'sending', 1) RETURNING id");
	CHECK(id > 0, "a row left sending");
	restart = qt("SELECT now()");
	CHECK(gateway_proc_start(&g) == 0, "start again");
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE id = %ld AND state "
	    "= 'submitted' AND attempts = 2", id) == 1,
	    "queued again and sent once");
	CHECK(console_value(&g, "outbox", "rows", "state", "sending") ==
	    LONG_MIN, "no row left sending");
	CHECK(console_sum(&g, "modems", "sent", NULL, NULL) == q("SELECT "
	    "count(*) FROM outbox WHERE submitted_at >= '%s'", restart),
	    "the modem sent what was submitted since the restart, once");
	free(restart);

	/* The restart forgot no flood quarantine (test_flood's): Ana's
	 * next alert is held too, and the administrators are not told
	 * again. */
	id = send_sms(ANA, "ALERTA SL SX U2 depois do reinicio");
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE message_id = %ld "
	    "AND held_reason = 'flood'", id) == 1, "still in quarantine");
	CHECK(q("SELECT count(*) FROM outbox WHERE recipient = '" ADMIN "' "
	    "AND text LIKE '%%quarentena%%'") == 1, "administrators told once");
}

/* A rung no modem took within escalation.stale_after (600 s) of its time
 * is not sent late: it expires and the next rung goes at once. */
static void
test_stale_rung_moves_on(void)
{
	long m, ref;

	m = send_sms(MARIA, "ALERTA SV TF U2 obra parada");
	CHECK((ref = alert_ref(m)) > 0, "alert made");
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_1 "' AND o.state = "
	    "'submitted'") == 1, "forwarded");
	/* U2 rungs every 1800 s: 2500 s later rung 2 has been due for 700 s
	 * (as if no modem could take it), rung 3 is not due yet. */
	advance(ref, 2500);
	CHECK(wait_rows(1, ref, "o.recipient = '" PN_SV_2 "' AND o.state = "
	    "'expired'") == 1, "the stale rung 2 expired");
	/* (pn-sv's rung 3 is +2389920009 since the reload above.) */
	if (!CHECK(wait_rows(1, ref, "o.authority_id = 'pn-sv' AND o.rung = 3 "
	    "AND o.state = 'submitted'") == 1, "rung 3 sent at once instead")) {
		char *t = qt("SELECT string_agg(o.recipient || ' ' || o.state "
		    "|| ' ' || (o.not_before - now()), ', ') FROM outbox o "
		    "JOIN alert a ON a.id = o.alert_id WHERE a.ref = %ld", ref);

		fprintf(stderr, "rows: %s\n", t);
		free(t);
	}
	CHECK(rows(ref, "o.recipient = '" PN_SV_2 "' AND o.submitted_at IS "
	    "NOT NULL") == 0, "rung 2 never sent late");
}

/* Ana sends 11 reports in a minute (security.flood: more than 10 in
 * 600 s): all stored, the 11th held and not answered, the administrator
 * told once. */
static void
test_flood(void)
{
	long before = messages_stored(), ref;
	char *text, sref[24];

	for (int i = 1; i <= 11; i++) {
		char sms[64];

		snprintf(sms, sizeof sms, "ALERTA SL SX U2 teste %d", i);
		CHECK(gateway_proc_drop_sms(&g, ANA, sms, NULL) == 0, "drop");
	}
	CHECK(stored_wait(pg, before + 11, WAIT_MS) == 0, "all 11 stored");
	CHECK(wait_q(11, "SELECT count(*) FROM alert WHERE sender = '" ANA
	    "'") == 11, "11 alerts");
	CHECK(q("SELECT count(*) FROM alert WHERE sender = '" ANA "' AND "
	    "held_reason = 'flood'") == 1, "the 11th held");
	CHECK(wait_q(1, "SELECT count(*) FROM outbox WHERE recipient = '"
	    ADMIN "' AND purpose = 'admin' AND text LIKE '%%quarentena%%'")
	    == 1, "administrator told once");
	text = qt("SELECT text FROM outbox WHERE recipient = '" ADMIN "' AND "
	    "text LIKE '%%quarentena%%'");
	CHECK(strstr(text, ANA) != NULL, "the notice names the sender: %s",
	    text);
	free(text);
	CHECK(q("SELECT count(*) FROM flood_quarantine WHERE sender = '" ANA
	    "' AND ended_at IS NULL") == 1, "the quarantine is in the database");
	CHECK(q("SELECT count(*) FROM outbox o JOIN message m ON m.id = "
	    "o.message_id WHERE o.recipient = '" ADMIN "' AND o.text LIKE "
	    "'%%quarentena%%' AND m.sender = '" ANA "'") == 1,
	    "the notice is queued with the message that began it");
	CHECK(wait_q(10, "SELECT count(*) FROM outbox WHERE recipient = '"
	    ANA "' AND purpose = 'receipt' AND state <> 'held'") == 10,
	    "10 receipts, not 11");

	/* The quarantined alert is released like any held one. */
	ref = q("SELECT ref FROM alert WHERE sender = '" ANA "' AND "
	    "held_reason = 'flood'");
	snprintf(sref, sizeof sref, "%ld", ref);
	CHECK(console_run(&g, NULL, "release", sref, NULL) == 0,
	    "farolctl release %s", sref);
	CHECK(wait_rows(1, ref, "o.recipient = '+2389940001' AND o.purpose = "
	    "'forward' AND o.state = 'submitted'") == 1, "released: "
	    "forwarded to pn-sl");
	text = release_events(ref);
	CHECK(strstr(text, "|released (held: flood)") != NULL,
	    "release event got=%s", text);
	free(text);
}

int
main(void)
{
	if ((pg = pgcluster_start("alerts end to end")) == NULL) {
		fprintf(stderr, "FAIL: cannot start PostgreSQL\n");
		return 1;
	}
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	/* A report already on the SIM when farold starts. */
	CHECK(gateway_proc_drop_sms(&g, MARIA, "ALERTA SV SX U1 V2 MENOR "
	    "esperava no SIM", NULL) == 0, "report waiting");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready")) {
		gateway_proc_dump_log(&g);
		gateway_proc_destroy(&g);
		pgcluster_destroy(pg);
		return check_status();
	}
	test_start_with_report_waiting();
	test_u1_escalation_and_ack();
	test_two_patrols();
	test_pin_wrong_number_info_cancel();
	test_national_numbers();
	test_release_and_dismiss();
	test_unregistered_and_u3();
	test_stale_rung_moves_on();
	test_close();
	test_expired();
	test_flood();
	/* Over the whole run: each SMS sent once, and each with its row. */
	wait_sent_matches_outbox();
	test_recover_after_crash();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
