/*
 * test_db_close.c: db_free() is graceful and bounded. A call in flight
 * finishes before the engine closes while queued calls fail with "db
 * closed"; a call that outlives close_timeout_ms fails; db_free() from
 * inside a result callback is deferred safely. In each case the engine
 * leaves no event behind on the base.
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

static struct db *
start_db(struct dbtest_states *st, int close_timeout_ms)
{
	struct db_settings	 s;
	struct db		*db;

	dbtest_settings(&s, pgcluster_conninfo(cluster), st);
	s.close_timeout_ms = close_timeout_ms;
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new");
	REQUIRE(db_prepare_add(db, "sleep", "SELECT pg_sleep($1)", 1) == 0,
	    "prepare");
	REQUIRE(db_start(db) == 0, "start");
	REQUIRE(testloop_run_until(base, 15000, dbtest_ready, db) == 0,
	    "not ready");
	return db;
}

static int
no_events(void *arg)
{
	return event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED) == 0;
}

static void
check_no_events(const char *what)
{
	CHECK(testloop_run_until(base, 5000, no_events, NULL) == 0,
	    "%s: %d events still on the base", what,
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED));
}

static int
both_done(void *arg)
{
	struct dbtest_result	*r = arg;

	return r[0].calls > 0 && r[1].calls > 0;
}

static void
test_graceful(void)
{
	struct dbtest_states	 st = { 0 };
	struct dbtest_result	 r[2];
	struct db		*db;
	const char		*v[1] = { "0.3" };

	memset(r, 0, sizeof r);
	db = start_db(&st, 5000);
	REQUIRE(db_call(db, "sleep", 1, v, dbtest_result_cb, &r[0]) == 0,
	    "call 1");
	REQUIRE(db_call(db, "sleep", 1, v, dbtest_result_cb, &r[1]) == 0,
	    "call 2");
	db_free(db);
	REQUIRE(testloop_run_until(base, 10000, both_done, r) == 0,
	    "calls not completed after db_free");
	CHECK(r[0].ok, "in-flight call: got error=%s want success",
	    r[0].error);
	CHECK(!r[1].ok && strcmp(r[1].error, "db closed") == 0 &&
	    r[1].transient,
	    "queued call: got ok=%d error=%s want \"db closed\"", r[1].ok,
	    r[1].error);
	CHECK(r[1].at_ms >= r[0].at_ms, "queued call failed before the "
	    "in-flight call finished");
	check_no_events("graceful");
	dbtest_result_reset(&r[0]);
	dbtest_result_reset(&r[1]);
}

static void
test_close_timeout(void)
{
	struct dbtest_states	 st = { 0 };
	struct dbtest_result	 r = { 0 };
	struct db		*db;
	const char		*v[1] = { "10" };
	long			 t0, took;

	db = start_db(&st, 300);
	REQUIRE(db_call(db, "sleep", 1, v, dbtest_result_cb, &r) == 0,
	    "call");
	t0 = test_now_ms();
	db_free(db);
	REQUIRE(testloop_run_until(base, 5000, dbtest_result_done, &r) == 0,
	    "in-flight call not failed after close timeout");
	took = r.at_ms - t0;
	CHECK(!r.ok && strcmp(r.error, "db closed") == 0,
	    "got ok=%d error=%s want \"db closed\"", r.ok, r.error);
	CHECK(took >= 290 && took < 2000, "closed after got=%ld ms want "
	    "about 300", took);
	check_no_events("close timeout");
	dbtest_result_reset(&r);
}

struct free_in_cb {
	struct db	*db;
	int		 calls;
	int		 ok;
};

static void
free_in_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct free_in_cb	*f = arg;

	f->calls++;
	f->ok = (error == NULL);
	db_free(f->db);
}

static int
free_in_cb_done(void *arg)
{
	return ((struct free_in_cb *)arg)->calls > 0;
}

static void
test_free_in_callback(void)
{
	struct dbtest_states	 st = { 0 };
	struct free_in_cb	 f = { 0 };
	const char		*v[1] = { "0" };

	f.db = start_db(&st, 5000);
	REQUIRE(db_call(f.db, "sleep", 1, v, free_in_cb, &f) == 0, "call");
	REQUIRE(testloop_run_until(base, 5000, free_in_cb_done, &f) == 0,
	    "callback never ran");
	CHECK(f.calls == 1 && f.ok, "calls got=%d ok=%d want 1 call ok",
	    f.calls, f.ok);
	check_no_events("free in callback");
}

int
main(void)
{
	cluster = pgcluster_start("test_db_close");
	REQUIRE(cluster != NULL, "no cluster");
	base = event_base_new();
	REQUIRE(base != NULL, "event_base_new");

	test_graceful();
	test_close_timeout();
	test_free_in_callback();

	event_base_free(base);
	pgcluster_destroy(cluster);
	return check_status();
}
