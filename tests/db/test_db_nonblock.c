/*
 * test_db_nonblock.c: a 2 s query in flight must not delay the loop. A
 * 50 ms one-shot timer and a 20 ms periodic timer on the same event base
 * must fire on time while SELECT pg_sleep(2) runs; the query's result
 * must arrive after about 2 s. A blocking engine would stall both timers
 * for the whole 2 s.
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

struct ticks {
	long	first_at;
	long	last_at;
	long	max_gap;
	int	n;
};

static void
oneshot_cb(evutil_socket_t fd, short what, void *arg)
{
	long	*fired_at = arg;

	*fired_at = test_now_ms();
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ticks	*t = arg;
	long		 now = test_now_ms();

	if (t->n > 0 && now - t->last_at > t->max_gap)
		t->max_gap = now - t->last_at;
	if (t->n == 0)
		t->first_at = now;
	t->last_at = now;
	t->n++;
}

int
main(void)
{
	struct pgcluster	*cluster;
	struct event_base	*base;
	struct db_settings	 s;
	struct dbtest_states	 st = { 0 };
	struct dbtest_result	 r = { 0 };
	struct db		*db;
	struct event		*oneshot, *tick;
	struct timeval		 tv50 = { 0, 50 * 1000 }, tv20 = { 0, 20 * 1000 };
	struct ticks		 ticks = { 0 };
	const char		*secs[1] = { "2" };
	long			 t0, fired_at = 0, took, late;

	cluster = pgcluster_start("test_db_nonblock");
	REQUIRE(cluster != NULL, "no cluster");
	base = event_base_new();
	REQUIRE(base != NULL, "event_base_new");

	dbtest_settings(&s, pgcluster_conninfo(cluster), &st);
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new");
	REQUIRE(db_prepare_add(db, "sleep", "SELECT pg_sleep($1)", 1) == 0,
	    "prepare");
	REQUIRE(db_start(db) == 0, "start");
	REQUIRE(testloop_run_until(base, 15000, dbtest_ready, db) == 0,
	    "not ready");

	oneshot = evtimer_new(base, oneshot_cb, &fired_at);
	tick = event_new(base, -1, EV_PERSIST, tick_cb, &ticks);
	REQUIRE(oneshot != NULL && tick != NULL, "event_new");

	t0 = test_now_ms();
	REQUIRE(db_call(db, "sleep", 1, secs, dbtest_result_cb, &r) == 0,
	    "db_call");
	CHECK(db_get_state(db) == DB_BUSY, "state got=%s want=busy",
	    db_state_name(db_get_state(db)));
	evtimer_add(oneshot, &tv50);
	evtimer_add(tick, &tv20);
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "pg_sleep(2): no result within 10 s");
	took = r.at_ms - t0;

	CHECK(r.ok, "pg_sleep: error=%s", r.error);
	CHECK(took >= 1900, "pg_sleep(2) took got=%ld ms want>=1900", took);
	CHECK(fired_at != 0, "50 ms timer never fired");
	late = fired_at - (t0 + 50);
	CHECK(late < 150, "50 ms timer late by got=%ld ms want<150", late);
	CHECK(fired_at < r.at_ms, "50 ms timer fired at +%ld ms, after the "
	    "query finished at +%ld ms", fired_at - t0, took);
	CHECK(ticks.n >= (int)(took / 20) / 2, "20 ms ticks got=%d want>=%ld",
	    ticks.n, (took / 20) / 2);
	CHECK(ticks.max_gap < 200, "largest gap between 20 ms ticks got=%ld ms "
	    "want<200", ticks.max_gap);
	fprintf(stderr, "pg_sleep took %ld ms; 50 ms timer late %ld ms; "
	    "%d ticks, max gap %ld ms\n", took, late, ticks.n, ticks.max_gap);

	dbtest_result_reset(&r);
	event_free(oneshot);
	event_free(tick);
	db_free(db);
	event_base_free(base);
	pgcluster_destroy(cluster);
	return check_status();
}
