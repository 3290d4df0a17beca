/*
 * test_lanes.c: ingest lanes (database.ingest_connections, 2 by default;
 * gateway/ingest.c), a real farold on a private PostgreSQL (suite
 * `integration`):
 *   - burst: a mixed burst from many senders (reports, a focal point's
 *     INFO then ANULAR of its report stored before, a flood from one
 *     number) is stored once each, every sender's messages in the order
 *     they were read (message ids rise with the number in the text), the
 *     INFO recorded before the ANULAR cancelled the alert, the flood
 *     quarantined once (one notice to the administrator, its first 10
 *     alerts not held, the rest held), and both connections did work
 *     (`show lanes', and the second lane's backend in pg_stat_activity);
 *   - deadlock: a focal point's ANULAR waits for a rung of its alert that
 *     another session locked, and that session then waits for the alert: PostgreSQL ends the ANULAR's transaction (40P01); the
 *     batch is sent again (`show lanes', resent), not spooled, and the
 *     alert is cancelled once;
 *   - kill: the second lane's backend is ended (pg_terminate_backend)
 *     three times while it stores a batch: that batch's reports go to
 *     the spool, as with the database down, and back; each report stored
 *     once with one alert, no SMS twice, the SIM and the spool empty at
 *     the end, and the lane connected again.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define SENDERS		24	/* burst: each sends PER_SENDER reports */
#define PER_SENDER	8	/* under the flood limit (10 in 600 s) */
#define FLOODER_N	14	/* from one number: 4 past the limit */
#define KILL_SENDERS	40
#define KILL_N		400	/* reports in the kill case */
#define KILLS		3
#define WAIT_MS		60000

static struct pgcluster *pg;

/* Senders whose messages went in a different order than they were read:
 * pairs of one sender's messages where the later-read one has the lower
 * id (the read order is the number after "#" in the text). */
static long
out_of_order(const char *like)
{
	return stored_q(pg, "SELECT count(*) FROM message a JOIN message b "
	    "ON a.sender = b.sender AND a.id < b.id WHERE a.text LIKE '%s' "
	    "AND b.text LIKE '%s' AND substring(a.text from '#([0-9]+)')::int "
	    "> substring(b.text from '#([0-9]+)')::int", like, like);
}

static void
test_burst(struct gateway_proc *g)
{
	char from[32], text[96];
	long ref, lanes, busy;
	int n = 0;

	/* A report of Maria's, stored before the burst: its number. */
	stored_send_sms(pg, g, "+2389912345", "ALERTA SV CT U2 V3 barco em "
	    "Palmeira", WAIT_MS);
	ref = stored_q(pg, "SELECT a.ref FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.text LIKE '%%Palmeira'");
	REQUIRE(ref > 0, "Maria's alert got=%ld", ref);

	/* The burst, in the order the modem holds it. */
	for (int k = 0; k < PER_SENDER + FLOODER_N; k++) {
		for (int s = 0; s < SENDERS && k < PER_SENDER; s++) {
			snprintf(from, sizeof from, "+23899200%02d", s);
			snprintf(text, sizeof text, "ALERTA SV CT U2 V1 lote "
			    "%02d #%02d", s, k);
			REQUIRE(gateway_proc_drop_sms(g, from, text, NULL) ==
			    0, "drop");
			n++;
		}
		snprintf(text, sizeof text, "ALERTA SV CT U2 V1 inunda #%02d",
		    k);
		if (k < FLOODER_N) {
			REQUIRE(gateway_proc_drop_sms(g, "+2389930001", text,
			    NULL) == 0, "drop");
			n++;
		}
		if (k == 2) {
			snprintf(text, sizeof text, "INFO %ld mais dois barcos "
			    "#01", ref);
			REQUIRE(gateway_proc_drop_sms(g, "+2389912345", text,
			    NULL) == 0, "drop");
			snprintf(text, sizeof text, "ANULAR %ld engano #02",
			    ref);
			REQUIRE(gateway_proc_drop_sms(g, "+2389912345", text,
			    NULL) == 0, "drop");
			n += 2;
		}
	}
	CHECK(stored_wait(pg, n + 1, WAIT_MS) == 0, "stored got=%ld want=%d",
	    stored_count(pg, ""), n + 1);
	CHECK(test_wait_until(WAIT_MS, gateway_proc_inbox_empty, g) == 0,
	    "burst: SIM got=%d want=0", gateway_proc_inbox_count(g));

	faults_check_reports(pg, "burst", "%lote%", SENDERS * PER_SENDER, 1);
	faults_check_reports(pg, "flood", "%inunda%", FLOODER_N, 1);
	CHECK(stored_count(pg, "") == n + 1, "burst: rows got=%ld want=%d",
	    stored_count(pg, ""), n + 1);
	CHECK(out_of_order("%#%") == 0, "burst: one sender's messages out of "
	    "order: %ld pair(s)", out_of_order("%#%"));

	/* Maria's INFO, then her ANULAR: the note went to the open alert. */
	CHECK(stored_q(pg, "SELECT count(*) FROM alert_event e JOIN alert a "
	    "ON a.id = e.alert_id WHERE a.ref = %ld AND e.note LIKE "
	    "'mais dois barcos%%' AND e.from_state <> 'cancelled'", ref) == 1,
	    "INFO before ANULAR");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'cancelled'", ref) == 1, "ANULAR took effect");

	/* The flood: quarantined once, as with one connection. */
	CHECK(stored_q(pg, "SELECT count(*) FROM flood_quarantine WHERE "
	    "sender = '+2389930001'") == 1, "quarantine");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.text LIKE '%%inunda%%' AND "
	    "a.held_reason IS NULL AND substring(m.text from '#([0-9]+)')::int "
	    "< 10") == 10, "the flooder's first 10 alerts not held");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.text LIKE '%%inunda%%' AND "
	    "a.held_reason = 'flood'") == FLOODER_N - 10,
	    "the flooder's alerts past 10 held");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox o JOIN message m ON "
	    "m.id = o.message_id WHERE o.purpose = 'admin' AND m.sender = "
	    "'+2389930001'") == 1, "one flood notice");

	/* One batch with commands on two alerts, the higher number first:
	 * farol_ingest_many locks both first, by number, and goes on. */
	CHECK(stored_q(pg, "SELECT count(*) FROM farol_ingest_many(("
	    "SELECT jsonb_agg(jsonb_build_object('modem', 'm1', 'sender', "
	    "a.sender, 'text', 'INFO ' || a.ref || ' lock ' || a.ref, "
	    "'received_at', 1, 'parts', 1, 'concat_ref', -1, 'kind', 'sms', "
	    "'parts_expected', 1, 'command', 'INFO', 'ref', a.ref, 'note', "
	    "'lock', 'replies', '[]'::jsonb, 'from', a.sender) ORDER BY "
	    "a.ref DESC) FROM (SELECT * FROM alert WHERE sender LIKE "
	    "'+23899200%%' ORDER BY ref LIMIT 2) a)) WHERE result = 'ok'") ==
	    2, "two commands' alerts locked in order");
	n += 2;

	/* Both connections stored part of it. */
	lanes = console_sum(g, "lanes", "lane", NULL, NULL);
	CHECK(lanes == 1, "show lanes: lanes 0 and 1 got sum=%ld", lanes);
	busy = console_value(g, "lanes", "messages", "lane", "0");
	CHECK(busy > 0, "lane 0 stored messages got=%ld", busy);
	busy = console_value(g, "lanes", "messages", "lane", "1");
	CHECK(busy > 0, "lane 1 stored messages got=%ld", busy);
	CHECK(console_sum(g, "lanes", "messages", NULL, NULL) == n - 1,
	    "show lanes: messages got=%ld want=%d",
	    console_sum(g, "lanes", "messages", NULL, NULL), n - 1);
	CHECK(stored_q(pg, "SELECT count(*) FROM pg_stat_activity WHERE "
	    "application_name = 'farold-lane-1'") == 1,
	    "lane 1's backend in pg_stat_activity");
}

/* An ingest backend waits for a row lock (pid: ours, left out). */
static long
ingest_waiting(int pid)
{
	return stored_q(pg, "SELECT count(*) FROM pg_stat_activity WHERE "
	    "wait_event_type = 'Lock' AND pid <> %d", pid);
}

static int
exec_ok(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	return ok;
}

static void
test_deadlock(struct gateway_proc *g)
{
	long ref, spooled, resent, got = 0;
	char sql[256], text[64];
	PGresult *res;
	PGconn *c;

	stored_send_sms(pg, g, "+2389912345", "ALERTA SV CT U2 V2 barco em "
	    "Santa Maria", WAIT_MS);
	ref = stored_q(pg, "SELECT a.ref FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.text LIKE '%%Santa Maria'");
	REQUIRE(ref > 0, "deadlock: alert got=%ld", ref);
	spooled = console_value(g, "inbox", "spooled", NULL, NULL);
	resent = console_sum(g, "lanes", "resent", NULL, NULL);

	/* A rung of the alert, due tomorrow (nothing claims it): the
	 * ANULAR's farol_alert_stop_rungs cancels it. */
	CHECK(stored_q(pg, "WITH r AS (INSERT INTO outbox (alert_id, "
	    "recipient, text, purpose, rung, not_before) SELECT id, "
	    "'+2389900099', 'rung', 'escalation', 9, now() + interval '1 day' "
	    "FROM alert WHERE ref = %ld RETURNING id) SELECT count(*) FROM r",
	    ref) == 1, "deadlock: a rung");
	/* Another session holds that row... */
	c = PQconnectdb(pgcluster_conninfo(pg));
	REQUIRE(PQstatus(c) == CONNECTION_OK, "deadlock: connect");
	/* ...and would notice the deadlock last: farold's backend does. */
	REQUIRE(exec_ok(c, "SET deadlock_timeout = '30s'") &&
	    exec_ok(c, "BEGIN"), "deadlock: begin");
	snprintf(sql, sizeof sql, "SELECT o.id FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.ref = %ld AND o.rung = 9 FOR UPDATE OF "
	    "o", ref);
	REQUIRE(exec_ok(c, sql), "deadlock: lock the rung");

	/* The ANULAR locks the alert, then waits for the rung. */
	snprintf(text, sizeof text, "ANULAR %ld engano", ref);
	REQUIRE(gateway_proc_drop_sms(g, "+2389912345", text, NULL) == 0,
	    "drop");
	for (int t = 0; t < 2000 && got <= 0; t++) {
		got = ingest_waiting(PQbackendPID(c));
		if (got <= 0)
			usleep(10000);
	}
	CHECK(got == 1, "deadlock: ANULAR waiting got=%ld", got);

	/* Now this session waits for the alert: a cycle. */
	snprintf(sql, sizeof sql, "SELECT 1 FROM alert WHERE ref = %ld FOR "
	    "UPDATE", ref);
	REQUIRE(PQsendQuery(c, sql) == 1, "deadlock: send");
	while ((res = PQgetResult(c)) != NULL) {
		CHECK(PQresultStatus(res) == PGRES_TUPLES_OK,
		    "deadlock: this session got the alert (%s)",
		    PQresultErrorMessage(res));
		PQclear(res);
	}
	exec_ok(c, "ROLLBACK");
	PQfinish(c);

	got = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert "
	    "WHERE ref = %ld AND state = 'cancelled'", ref);
	CHECK(got == 1, "deadlock: alert cancelled got=%ld", got);
	CHECK(stored_q(pg, "SELECT count(*) FROM message WHERE text = '%s'",
	    text) == 1, "deadlock: ANULAR stored once");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert_event e JOIN alert a "
	    "ON a.id = e.alert_id WHERE a.ref = %ld AND e.to_state = "
	    "'cancelled'", ref) == 1, "deadlock: cancelled once");
	got = console_sum(g, "lanes", "resent", NULL, NULL);
	CHECK(got == resent + 1, "deadlock: resent got=%ld want=%ld", got,
	    resent + 1);
	got = console_value(g, "inbox", "spooled", NULL, NULL);
	CHECK(got == spooled, "deadlock: spooled got=%ld want=%ld", got,
	    spooled);
}

static void
test_kill(struct gateway_proc *g)
{
	char from[32], text[96];
	long before = stored_count(pg, ""), killed = 0, got, spooled;
	int k = 0;

	for (int round = 0; round < KILLS + 1; round++) {
		for (int i = 0; i < KILL_N / (KILLS + 1); i++, k++) {
			snprintf(from, sizeof from, "+23899400%02d",
			    k % KILL_SENDERS);
			snprintf(text, sizeof text, "ALERTA SV CT U2 V1 corte "
			    "%03d #%03d", k % KILL_SENDERS, k);
			REQUIRE(gateway_proc_drop_sms(g, from, text, NULL) ==
			    0, "drop");
		}
		if (round == KILLS)
			break;
		/* Lane 1's backend ends while it stores a batch. */
		got = 0;
		for (int t = 0; t < 2000 && got <= 0; t++)
			got = stored_q(pg, "WITH l AS MATERIALIZED (SELECT pid "
			    "FROM pg_stat_activity WHERE application_name = "
			    "'farold-lane-1' AND state = 'active') SELECT "
			    "count(*) FROM l WHERE pg_terminate_backend(l.pid)");
		killed += got > 0 ? got : 0;
	}
	CHECK(killed >= 1, "kill: lane 1's backend ended got=%ld", killed);
	CHECK(stored_wait(pg, before + KILL_N, WAIT_MS) == 0,
	    "kill: stored got=%ld want=%ld", stored_count(pg, ""),
	    before + KILL_N);
	CHECK(test_wait_until(WAIT_MS, gateway_proc_inbox_empty, g) == 0,
	    "kill: SIM got=%d want=0", gateway_proc_inbox_count(g));
	CHECK(test_wait_until(WAIT_MS, gateway_proc_spool_empty, g) == 0,
	    "kill: spool got=%d want=0", gateway_proc_spool_count(g));
	faults_check_reports(pg, "kill", "%corte%", KILL_N, 1);
	CHECK(stored_count(pg, "") == before + KILL_N,
	    "kill: rows got=%ld want=%ld", stored_count(pg, ""),
	    before + KILL_N);
	faults_check_sms_once(pg, g, "kill", WAIT_MS);
	/* What was in flight on the lane went to the spool, then back. */
	spooled = console_value(g, "inbox", "spooled", NULL, NULL);
	CHECK(spooled > 0, "kill: spooled got=%ld", spooled);
	got = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM "
	    "pg_stat_activity WHERE application_name = 'farold-lane-1'");
	CHECK(got == 1, "kill: lane 1 connected again got=%ld", got);
	printf("kill: lane 1's backend ended %ld time(s); %ld message(s) "
	    "spooled\n", killed, spooled);
}

int
main(void)
{
	struct gateway_proc g;

	REQUIRE((pg = pgcluster_start("test_lanes")) != NULL, "pg");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");

	test_burst(&g);
	test_deadlock(&g);
	test_kill(&g);

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
