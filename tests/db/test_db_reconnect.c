/*
 * test_db_reconnect.c: the engine survives the server going away. A call
 * in flight when the server stops fails with "connection lost"; a call
 * queued while it is down runs once it is back (statements re-prepared);
 * a call past its deadline is abandoned, the connection dropped and the
 * server aborts the query; a queued call whose deadline passes while the
 * server is down fails with a timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "check.h"
#include "db.h"
#include "dbtest.h"
#include "pgcluster.h"
#include "testloop.h"

static struct pgcluster		*cluster;
static struct event_base	*base;

static const char *sleeping_sql = "SELECT count(*) FROM pg_stat_activity "
    "WHERE query = 'SELECT pg_sleep($1)' AND state = 'active'";

static int
sleeping(void *arg)
{
	long	want = *(long *)arg;

	return pgcluster_query_long(cluster, sleeping_sql) == want;
}

static int
in_backoff(void *arg)
{
	return db_get_state(arg) == DB_BACKOFF;
}

/* Call "plus1" with n and check the answer is n + 1. */
static void
check_plus1(struct db *db, const char *what, int n)
{
	struct dbtest_result	 r = { 0 };
	char			 arg[32], want[32];
	const char		*v[1] = { arg };

	snprintf(arg, sizeof arg, "%d", n);
	snprintf(want, sizeof want, "%d", n + 1);
	REQUIRE(db_call(db, "plus1", 1, v, dbtest_result_cb, &r) == 0,
	    "%s: db_call", what);
	REQUIRE(testloop_run_until(base, 15000, dbtest_result_done, &r) == 0,
	    "%s: no result", what);
	if (CHECK(r.ok, "%s: got error=%s want success", what, r.error))
		CHECK(r.row[0] != NULL && strcmp(r.row[0], want) == 0,
		    "%s: got=%s want=%s", what, r.row[0], want);
	dbtest_result_reset(&r);
}

struct order {
	int	seen[16];
	int	n;
	int	failed;
};

static void
order_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct order	*o = arg;

	if (error != NULL || PQntuples(res) != 1) {
		o->failed++;
		return;
	}
	if (o->n < 16)
		o->seen[o->n] = atoi(PQgetvalue(res, 0, 0));
	o->n++;
}

static int
order_done(void *arg)
{
	struct order	*o = arg;

	return o->n + o->failed >= 10;
}

/* Calls complete one at a time in the order they were queued, with the
 * values they had when queued. */
static void
test_fifo(struct db *db)
{
	struct order	 o = { { 0 }, 0, 0 };
	char		 buf[8];
	const char	*v[1] = { buf };
	int		 i;

	/* One buffer for every call: db_call() must copy the values. */
	for (i = 0; i < 10; i++) {
		snprintf(buf, sizeof buf, "%d", i * 10);
		REQUIRE(db_call(db, "plus1", 1, v, order_cb, &o) == 0,
		    "db_call %d", i);
	}
	snprintf(buf, sizeof buf, "junk");
	CHECK(db_queue_length(db) == 10, "queue length got=%zu want=10",
	    db_queue_length(db));
	REQUIRE(testloop_run_until(base, 10000, order_done, &o) == 0,
	    "fifo: %d of 10 done", o.n + o.failed);
	CHECK(o.failed == 0, "fifo: %d calls failed", o.failed);
	for (i = 0; i < o.n && i < 10; i++)
		CHECK(o.seen[i] == i * 10 + 1, "fifo: result %d got=%d want=%d",
		    i, o.seen[i], i * 10 + 1);
}

static void
test_inflight_lost(struct db *db, struct dbtest_states *st)
{
	struct dbtest_result	 r = { 0 };
	const char		*v[1] = { "30" };
	long			 one = 1;
	int			 backoffs = st->count[DB_BACKOFF];

	REQUIRE(db_call(db, "sleep", 1, v, dbtest_result_cb, &r) == 0,
	    "db_call sleep");
	REQUIRE(test_wait_until(10000, sleeping, &one) == 0,
	    "pg_sleep never showed up in pg_stat_activity");
	REQUIRE(pgcluster_stop(cluster, 1) == 0, "stop immediate");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "in-flight call never completed after the server stopped");
	CHECK(r.calls == 1, "callback ran got=%d want=1", r.calls);
	CHECK(!r.ok && strncmp(r.error, "connection lost", 15) == 0 &&
	    strstr(r.error + 15, "connection lost") == NULL,
	    "in-flight error got=%s want \"connection lost...\" once",
	    r.error);
	CHECK(r.transient, "error %s not transient", r.error);
	REQUIRE(testloop_run_until(base, 5000, in_backoff, db) == 0,
	    "not in backoff after the server stopped (state %s)",
	    db_state_name(db_get_state(db)));
	CHECK(st->count[DB_BACKOFF] > backoffs, "no backoff state reported");
	CHECK(!db_is_ready(db), "ready while the server is down");
	dbtest_result_reset(&r);
}

static void
test_queued_while_down(struct db *db, struct dbtest_states *st)
{
	struct dbtest_result	 r = { 0 };
	const char		*v[1] = { "41" };
	int			 readies = st->count[DB_READY];

	REQUIRE(db_call(db, "plus1", 1, v, dbtest_result_cb, &r) == 0,
	    "db_call while down");
	/* Let the engine fail a few connection attempts meanwhile. */
	testloop_run_until(base, 300, dbtest_result_done, &r);
	CHECK(r.calls == 0, "queued call completed while the server is down "
	    "(error=%s)", r.error);
	CHECK(db_queue_length(db) == 1, "queue length got=%zu want=1",
	    db_queue_length(db));
	REQUIRE(pgcluster_restart(cluster) == 0, "restart");
	REQUIRE(testloop_run_until(base, 15000, dbtest_result_done, &r) == 0,
	    "queued call never completed after the server came back");
	if (CHECK(r.ok, "queued call: got error=%s want success", r.error))
		CHECK(r.row[0] != NULL && strcmp(r.row[0], "42") == 0,
		    "queued call got=%s want=42", r.row[0]);
	CHECK(st->count[DB_READY] == readies + 1, "ready reported got=%d "
	    "want=%d", st->count[DB_READY], readies + 1);
	dbtest_result_reset(&r);
	check_plus1(db, "after reconnect", 7);
}

static void
test_call_timeout(struct db *db)
{
	struct dbtest_result	 r = { 0 };
	const char		*v[1] = { "20" };
	long			 t0, took, zero = 0;

	t0 = test_now_ms();
	REQUIRE(db_call_timeout(db, 300, "sleep", 1, v, dbtest_result_cb,
	    &r) == 0, "db_call_timeout");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "timed-out call never completed");
	took = r.at_ms - t0;
	CHECK(!r.ok && strncmp(r.error, "timed out", 9) == 0,
	    "timeout error got=%s want \"timed out...\"", r.error);
	CHECK(r.transient, "timeout %s not transient", r.error);
	CHECK(took >= 290 && took < 2000, "timeout after got=%ld ms want "
	    "300..2000", took);
	/* The server gives up the abandoned query (connection check). */
	CHECK(test_wait_until(10000, sleeping, &zero) == 0,
	    "abandoned pg_sleep still running on the server");
	REQUIRE(testloop_run_until(base, 15000, dbtest_ready, db) == 0,
	    "not ready again after the timeout");
	dbtest_result_reset(&r);
	check_plus1(db, "after timeout", 99);
}

static void
test_queued_deadline(struct db *db)
{
	struct dbtest_result	 r = { 0 };
	const char		*v[1] = { "1" };
	long			 t0, took;

	REQUIRE(pgcluster_stop(cluster, 0) == 0, "stop fast");
	REQUIRE(testloop_run_until(base, 5000, in_backoff, db) == 0,
	    "not in backoff after stop");
	t0 = test_now_ms();
	REQUIRE(db_call_timeout(db, 300, "plus1", 1, v, dbtest_result_cb,
	    &r) == 0, "db_call_timeout");
	REQUIRE(testloop_run_until(base, 5000, dbtest_result_done, &r) == 0,
	    "queued call never timed out");
	took = r.at_ms - t0;
	CHECK(!r.ok && strstr(r.error, "waiting for the database") != NULL,
	    "queued timeout error got=%s", r.error);
	CHECK(took >= 290 && took < 1500, "queued timeout after got=%ld ms "
	    "want 300..1500", took);
	CHECK(db_queue_length(db) == 0, "queue length got=%zu want=0",
	    db_queue_length(db));
	dbtest_result_reset(&r);
}

int
main(void)
{
	struct dbtest_states	 st = { 0 };
	struct db_settings	 s;
	struct db		*db;

	cluster = pgcluster_start("test_db_reconnect");
	REQUIRE(cluster != NULL, "no cluster");
	base = event_base_new();
	REQUIRE(base != NULL, "event_base_new");

	dbtest_settings(&s, pgcluster_conninfo(cluster), &st);
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new");
	REQUIRE(db_prepare_add(db, "sleep", "SELECT pg_sleep($1)", 1) == 0,
	    "prepare");
	REQUIRE(db_prepare_add(db, "plus1", "SELECT $1::int + 1", 1) == 0,
	    "prepare");
	CHECK(db_call(db, "nosuch", 0, NULL, dbtest_result_cb, NULL) == -1,
	    "unknown statement accepted");
	CHECK(db_call(db, "plus1", 2, NULL, dbtest_result_cb, NULL) == -1,
	    "wrong parameter count accepted");
	REQUIRE(db_start(db) == 0, "start");
	REQUIRE(testloop_run_until(base, 15000, dbtest_ready, db) == 0,
	    "not ready");
	check_plus1(db, "first call", 1);
	test_fifo(db);

	test_inflight_lost(db, &st);
	test_queued_while_down(db, &st);
	test_call_timeout(db);
	test_queued_deadline(db);

	db_free(db);
	event_base_free(base);
	pgcluster_destroy(cluster);
	return check_status();
}
