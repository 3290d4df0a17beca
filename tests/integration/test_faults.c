/*
 * test_faults.c: nothing lost, nothing doubled, whatever fails (suites
 * `integration` and `faults`). The real farold, a private PostgreSQL and
 * gammu's dummy driver:
 *   - 2,000 reports arrive while farold is killed with SIGKILL at random
 *     moments, at least 50 times: every report stored exactly once;
 *   - PostgreSQL stopped with `pg_ctl stop -m immediate` mid-stream, then
 *     restarted: messages go to the spool meanwhile, nothing is lost or
 *     doubled, and the spool is drained within 10 s of the database's
 *     return;
 *   - farold started while PostgreSQL is down: it starts, spools, frees the
 *     SIM, and catches up when the database comes;
 *   - send results the database cannot record (it refuses them, then is
 *     stopped and restarted; or farold is killed with SIGKILL before they
 *     are recorded) are recorded later: each SMS went to the modem once
 *     and its row says submitted;
 *   - a rung sent for an alert that cannot make the move (FA001) is
 *     recorded as sent, not sent again.
 * The random moments come from a seed printed at the start (FAROL_SEED
 * replays a run).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 60000

static struct pgcluster *pg;

static int
inbox_and_spool_empty(void *arg)
{
	return gateway_proc_inbox_count(arg) == 0 &&
	    gateway_proc_spool_count(arg) == 0;
}

static int
inbox_empty(void *arg)
{
	return gateway_proc_inbox_count(arg) == 0;
}

static int
spool_empty(void *arg)
{
	return gateway_proc_spool_count(arg) == 0;
}

/* Every one of n numbered reports stored once: no loss, no double. */
static void
check_exactly_once(const char *what, long n)
{
	long rows = stored_count(pg, "");
	long distinct = pgcluster_query_long(pg,
	    "SELECT count(DISTINCT text) FROM message");

	long alerts, alert_msgs, doubled;

	CHECK(rows == n, "%s: rows got=%ld want=%ld", what, rows, n);
	CHECK(distinct == n, "%s: distinct texts got=%ld want=%ld (lost or "
	    "doubled)", what, distinct, n);
	/* One alert per report, and no outgoing SMS of a report queued
	 * twice (flood notices belong to no report: a restart forgets the
	 * quarantine and may tell the administrators again). */
	alerts = pgcluster_query_long(pg, "SELECT count(*) FROM alert");
	alert_msgs = pgcluster_query_long(pg,
	    "SELECT count(DISTINCT message_id) FROM alert");
	doubled = pgcluster_query_long(pg, "SELECT count(*) FROM (SELECT 1 "
	    "FROM outbox WHERE message_id IS NOT NULL GROUP BY message_id, purpose, recipient, rung, "
	    "not_before - created_at HAVING count(*) > 1) x");
	CHECK(alerts == n && alert_msgs == n, "%s: alerts got=%ld (of %ld "
	    "messages) want=%ld", what, alerts, alert_msgs, n);
	CHECK(doubled == 0, "%s: outbox rows doubled got=%ld want=0", what,
	    doubled);
}

static void
drop_reports(struct gateway_proc *g, const char *tag, int from, int to)
{
	char text[96];

	for (int i = from; i < to; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U2 %s relato %04d",
		    tag, i);
		if (!CHECK(gateway_proc_drop_sms(g, "+2389912345", text, NULL)
		    == 0, "drop %s %d", tag, i))
			return;
	}
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
test_kill9_storm(unsigned seed)
{
	enum { N = 2000, KILLS = 50 };
	struct gateway_proc g;
	int dropped = 0, kills = 0;
	long t0 = test_now_ms();

	stored_reset(pg);
	srand(seed);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	while (kills < KILLS) {
		int batch = (N - dropped) / (KILLS - kills);

		/* Reports keep arriving while farold is up and while down. */
		drop_reports(&g, "k", dropped, dropped + batch / 2);
		dropped += batch / 2;
		CHECK(gateway_proc_start(&g) == 0, "start %d", kills);
		drop_reports(&g, "k", dropped, dropped + (batch - batch / 2));
		dropped += batch - batch / 2;
		/* A random moment: during start-up, connecting, storing. */
		pause_ms(rand() % 400);
		CHECK(gateway_proc_signal(&g, SIGKILL) == 0, "kill %d", kills);
		kills++;
	}
	printf("kill storm: %d reports, %d kills in %ld ms; %ld stored at "
	    "the last kill\n", dropped, kills, test_now_ms() - t0,
	    stored_count(pg, ""));
	CHECK(dropped == N, "dropped got=%d want=%d", dropped, N);

	CHECK(gateway_proc_start(&g) == 0, "final start");
	CHECK(stored_wait(pg, N, WAIT_MS * 2) == 0, "rows got=%ld want=%d",
	    stored_count(pg, ""), N);
	CHECK(test_wait_until(WAIT_MS, inbox_and_spool_empty, &g) == 0,
	    "inbox got=%d spool got=%d want=0", gateway_proc_inbox_count(&g),
	    gateway_proc_spool_count(&g));
	check_exactly_once("kill storm", N);

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

static void
test_database_crash(void)
{
	enum { N = 300 };
	struct gateway_proc g;
	long back, drained;

	stored_reset(pg);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");

	for (int i = 0; i < N; i += 10) {
		drop_reports(&g, "c", i, i + 10);
		if (i == 100)
			CHECK(pgcluster_stop(pg, 1) == 0,
			    "pg_ctl stop -m immediate");
		pause_ms(20);
	}
	/* Everything left the SIM: stored before the crash, or spooled. */
	CHECK(test_wait_until(WAIT_MS, inbox_empty, &g) == 0,
	    "inbox got=%d want=0 while the database is down",
	    gateway_proc_inbox_count(&g));
	CHECK(gateway_proc_spool_count(&g) > 0, "spooled got=%d want>0",
	    gateway_proc_spool_count(&g));
	CHECK(gateway_proc_alive(&g), "farold survives the database crash");

	CHECK(pgcluster_restart(pg) == 0, "restart PostgreSQL");
	back = test_now_ms();
	CHECK(test_wait_until(WAIT_MS, spool_empty, &g) == 0,
	    "spool got=%d want=0", gateway_proc_spool_count(&g));
	drained = test_now_ms() - back;
	printf("database crash: spool drained %ld ms after PostgreSQL "
	    "returned\n", drained);
	CHECK(drained <= 10000, "drained in got=%ld ms want<=10000", drained);
	CHECK(stored_wait(pg, N, WAIT_MS) == 0, "rows");
	CHECK(test_wait_until(WAIT_MS, inbox_and_spool_empty, &g) == 0,
	    "inbox got=%d", gateway_proc_inbox_count(&g));
	check_exactly_once("database crash", N);
	CHECK(console_value(&g, "inbox", "spooled", NULL, NULL) > 0,
	    "show inbox: spooled got=%ld want>0", console_value(&g, "inbox",
	    "spooled", NULL, NULL));

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

static int
spooled_all(void *arg)
{
	return gateway_proc_inbox_count(arg) == 0 &&
	    gateway_proc_spool_count(arg) == 50;
}

static void
test_start_without_database(void)
{
	enum { N = 50 };
	struct gateway_proc g;

	stored_reset(pg);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(pgcluster_stop(pg, 0) == 0, "stop PostgreSQL");
	drop_reports(&g, "d", 0, N);
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(test_wait_until(WAIT_MS, spooled_all, &g) == 0,
	    "inbox got=%d spool got=%d want 0 and %d",
	    gateway_proc_inbox_count(&g), gateway_proc_spool_count(&g), N);
	CHECK(gateway_proc_alive(&g), "farold runs without a database");
	/* Urgent alerts went out at once, from the spool: the first 10 of
	 * this sender (security.flood: more are a flood, held). */
	CHECK(console_wait(&g, WAIT_MS, 10, "spool", "forwarded", NULL, NULL)
	    == 10 && console_value(&g, "spool", "forward_failed", NULL, NULL)
	    == 0, "forwards while the database is down got=%ld want=10",
	    console_value(&g, "spool", "forwarded", NULL, NULL));
	CHECK(console_sum(&g, "modems", "sent", NULL, NULL) == 10,
	    "show modems: sent got=%ld want=10 (nothing else, nothing "
	    "twice)", console_sum(&g, "modems", "sent", NULL, NULL));

	CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
	CHECK(stored_wait(pg, N, WAIT_MS) == 0, "rows got=%ld want=%d",
	    stored_count(pg, ""), N);
	CHECK(test_wait_until(WAIT_MS, spool_empty, &g) == 0, "spool empty");
	check_exactly_once("start without database", N);

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

/* Until dropped, PostgreSQL refuses every send result (an UPDATE of a
 * row out of `sending'), as a serialization failure would: the window
 * between the modem's answer and its recording, held open. */
static void
refuse_results(int on)
{
	if (on)
		pgcluster_exec(pg, "CREATE OR REPLACE FUNCTION test_refuse() "
		    "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
		    "EXCEPTION 'test: result refused' USING ERRCODE = "
		    "'40001'; END $$; CREATE TRIGGER test_refuse BEFORE "
		    "UPDATE ON outbox FOR EACH ROW WHEN (OLD.state = "
		    "'sending' AND NEW.state <> 'sending') EXECUTE FUNCTION "
		    "test_refuse()");
	else
		pgcluster_exec(pg, "DROP TRIGGER IF EXISTS test_refuse ON "
		    "outbox");
}

/* Every due row handed to the modem, none recorded. */
static int
all_sent_none_recorded(void *arg)
{
	long due = stored_q(pg, "SELECT count(*) FROM outbox WHERE "
	    "not_before <= now()");

	return due > 0 && stored_q(pg, "SELECT count(*) FROM outbox WHERE "
	    "state = 'sending'") == due &&
	    console_sum(arg, "modems", "sent", NULL, NULL) == due;
}

/*
 * A result the modem gave is recorded, whatever happens between: the
 * database refuses it, then stops (kill9 = 0: PostgreSQL restarted under
 * the running farold) or farold is killed (kill9 = 1: a new farold
 * records what the old one kept). Each SMS went to the modem once; no
 * row is left `sending' to be queued again.
 */
static void
test_results_kept(int kill9)
{
	enum { N = 4 };
	const char *what = kill9 ? "kill -9" : "database stop";
	struct gateway_proc g;
	long due, sent;

	stored_reset(pg);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");
	refuse_results(1);
	drop_reports(&g, kill9 ? "r" : "s", 0, N);
	CHECK(test_wait_until(WAIT_MS, all_sent_none_recorded, &g) == 0,
	    "%s: every due row handed to the modem, none recorded", what);
	due = stored_q(pg, "SELECT count(*) FROM outbox WHERE not_before <= "
	    "now()");
	sent = console_sum(&g, "modems", "sent", NULL, NULL);
	CHECK(due >= 2 * N && sent == due, "%s: sent got=%ld due=%ld", what,
	    sent, due);
	if (kill9) {
		CHECK(gateway_proc_signal(&g, SIGKILL) == 0, "kill -9");
		refuse_results(0);
		CHECK(gateway_proc_start(&g) == 0, "start again");
		sent = 0;	/* the new process counts from 0 */
	} else {
		CHECK(pgcluster_stop(pg, 1) == 0, "pg_ctl stop -m immediate");
		CHECK(pgcluster_restart(pg) == 0, "restart PostgreSQL");
		refuse_results(0);
	}
	CHECK(stored_wait_q(pg, WAIT_MS, due, "SELECT count(*) FROM outbox "
	    "WHERE state = 'submitted' AND message_ref IS NOT NULL") == due,
	    "%s: every row sent is recorded submitted", what);
	/* Whatever would go again has had time to: a claim every second. */
	pause_ms(3000);
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE state <> "
	    "'submitted' AND not_before <= now()") == 0 &&
	    stored_q(pg, "SELECT max(attempts) FROM outbox") == 1,
	    "%s: no row queued or claimed again", what);
	CHECK(console_sum(&g, "modems", "sent", NULL, NULL) == sent,
	    "%s: modem sent got=%ld want=%ld (each SMS once)", what,
	    console_sum(&g, "modems", "sent", NULL, NULL), sent);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

/* An escalation of an alert that is (still) `received' cannot move it
 * (FA001: received -> escalated is not a move): the SMS went, so the row
 * is submitted, the alert's events say why it stayed, and it is not sent
 * again. */
static void
test_rung_of_unmovable_alert(void)
{
	struct gateway_proc g;
	long alert, rung;

	stored_reset(pg);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");
	drop_reports(&g, "u", 0, 1);
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert WHERE "
	    "state = 'forwarded'") == 1, "forwarded");
	alert = stored_q(pg, "SELECT id FROM alert");
	rung = stored_q(pg, "SELECT min(id) FROM outbox WHERE purpose = "
	    "'escalation'");
	REQUIRE(alert > 0 && rung > 0, "an alert with a rung to come");
	pgcluster_exec(pg, "UPDATE alert SET state = 'received'");
	stored_q(pg, "UPDATE outbox SET not_before = now() WHERE id = %ld "
	    "RETURNING id", rung);
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM outbox "
	    "WHERE id = %ld AND state = 'submitted'", rung) == 1,
	    "the rung is recorded submitted");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert_event WHERE alert_id "
	    "= %ld AND note LIKE '%%cannot move%%'", alert) == 1,
	    "the alert's events say it stayed");
	pause_ms(2000);
	CHECK(stored_q(pg, "SELECT attempts FROM outbox WHERE id = %ld",
	    rung) == 1, "the rung is not sent again");
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

int
main(void)
{
	const char *env = getenv("FAROL_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) :
	    (unsigned)time(NULL);

	printf("faults: seed %u (FAROL_SEED=%u replays it)\n", seed, seed);
	if ((pg = pgcluster_start("faults")) == NULL)
		return 1;
	test_results_kept(0);
	test_results_kept(1);
	test_rung_of_unmovable_alert();
	test_start_without_database();
	test_database_crash();
	test_kill9_storm(seed);
	pgcluster_destroy(pg);
	return check_status();
}
