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
 *     SIM, and catches up when the database comes.
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
	 * twice (a held alert's rows, sent only if it is released, are
	 * not counted). */
	alerts = pgcluster_query_long(pg, "SELECT count(*) FROM alert");
	alert_msgs = pgcluster_query_long(pg,
	    "SELECT count(DISTINCT message_id) FROM alert");
	doubled = pgcluster_query_long(pg, "SELECT count(*) FROM (SELECT 1 "
	    "FROM outbox WHERE message_id IS NOT NULL AND state <> 'held' "
	    "GROUP BY message_id, purpose, recipient, rung, "
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

static int
spooled_five(void *arg)
{
	return gateway_proc_inbox_count(arg) == 0 &&
	    gateway_proc_spool_count(arg) == 5;
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

/* One flood counter: the forwards sent at once while the database is
 * down count the messages stored before it went down (8 stored, then 5
 * spooled: only the 9th and 10th are forwarded at once), and the
 * replayed messages are not counted again (one quarantine, one
 * administrators' notice, the 11th to 13th held). */
static void
test_flood_one_counter(void)
{
	struct gateway_proc g;

	stored_reset(pg);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");
	drop_reports(&g, "f", 0, 8);
	CHECK(stored_wait(pg, 8, WAIT_MS) == 0, "8 stored");
	CHECK(pgcluster_stop(pg, 0) == 0, "stop PostgreSQL");
	drop_reports(&g, "f", 8, 13);
	CHECK(test_wait_until(WAIT_MS, spooled_five, &g) == 0, "5 spooled "
	    "got=%d", gateway_proc_spool_count(&g));
	CHECK(console_wait(&g, WAIT_MS, 2, "spool", "forwarded", NULL, NULL)
	    == 2, "forwarded from the spool got=%ld want=2 (the 9th and "
	    "10th)", console_value(&g, "spool", "forwarded", NULL, NULL));
	pause_ms(500);
	CHECK(console_value(&g, "spool", "forwarded", NULL, NULL) == 2,
	    "forwarded from the spool, later got=%ld want=2",
	    console_value(&g, "spool", "forwarded", NULL, NULL));
	CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
	CHECK(stored_wait(pg, 13, WAIT_MS) == 0, "13 stored");
	CHECK(test_wait_until(WAIT_MS, spool_empty, &g) == 0, "spool empty");
	CHECK(pgcluster_query_long(pg, "SELECT count(*) FROM alert WHERE "
	    "held_reason = 'flood'") == 3, "held got=%ld want=3",
	    pgcluster_query_long(pg, "SELECT count(*) FROM alert WHERE "
	    "held_reason = 'flood'"));
	CHECK(pgcluster_query_long(pg, "SELECT count(*) FROM outbox WHERE "
	    "purpose = 'admin' AND text LIKE '%quarentena%'") == 1,
	    "one flood notice");
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
	test_start_without_database();
	test_flood_one_counter();
	test_database_crash();
	test_kill9_storm(seed);
	pgcluster_destroy(pg);
	return check_status();
}
