/*
 * test_db_connect.c: connection failures never block the loop. With no
 * server at all (missing socket) the engine retries with a capped
 * exponential backoff, reporting each failure; against a socket that
 * accepts but never answers, its own connect timeout fires. Meanwhile a
 * 20 ms periodic timer keeps ticking, and a queued call times out.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "check.h"
#include "db.h"
#include "dbtest.h"
#include "testloop.h"

struct ticks {
	long	last_at;
	long	max_gap;
	int	n;
};

static struct event_base	*base;
static char			 tmpdir[] = "/tmp/farol-dbconn-XXXXXX";
static char			 sockpath[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void
cleanup(void)
{
	if (sockpath[0] != '\0')
		unlink(sockpath);
	rmdir(tmpdir);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ticks	*t = arg;
	long		 now = test_now_ms();

	if (t->n > 0 && now - t->last_at > t->max_gap)
		t->max_gap = now - t->last_at;
	t->last_at = now;
	t->n++;
}

static int
backoffs_at_least(void *arg)
{
	struct dbtest_states	*st = arg;

	return st->nbackoff >= 6;
}

static int
one_backoff(void *arg)
{
	struct dbtest_states	*st = arg;

	return st->nbackoff >= 1;
}

static void
test_missing_socket(const char *conninfo)
{
	/* connect time is ~0, so the gaps are the backoff delays */
	static const long	 want_gap[] = { 50, 100, 200, 400, 400 };
	struct dbtest_states	 st = { 0 };
	struct dbtest_result	 r = { 0 };
	struct db_settings	 s;
	struct db		*db;
	const char		*v[1] = { "1" };
	long			 gap, t0;
	int			 i;

	dbtest_settings(&s, conninfo, &st);
	s.backoff_min_ms = 50;
	s.backoff_max_ms = 400;
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new");
	REQUIRE(db_prepare_add(db, "plus1", "SELECT $1::int + 1", 1) == 0,
	    "prepare");
	REQUIRE(db_start(db) == 0, "start");
	CHECK(db_start(db) == -1, "second db_start accepted");

	t0 = test_now_ms();
	REQUIRE(db_call_timeout(db, 300, "plus1", 1, v, dbtest_result_cb,
	    &r) == 0, "db_call");
	REQUIRE(testloop_run_until(base, 10000, backoffs_at_least, &st) == 0,
	    "backoffs got=%d want>=6 within 10 s", st.nbackoff);
	CHECK(st.count[DB_READY] == 0, "ready reported %d times with no "
	    "server", st.count[DB_READY]);
	CHECK(st.count[DB_CONNECTING] >= 6, "connect attempts got=%d want>=6",
	    st.count[DB_CONNECTING]);
	CHECK(strstr(st.reason, "connect") != NULL, "reason got=%s want "
	    "\"connect: ...\"", st.reason);
	for (i = 0; i < 5; i++) {
		gap = st.at_ms[i + 1] - st.at_ms[i];
		CHECK(gap >= want_gap[i] - 5 && gap < want_gap[i] + 150,
		    "backoff %d: gap got=%ld ms want about %ld", i, gap,
		    want_gap[i]);
	}
	CHECK(r.calls == 1 && !r.ok &&
	    strstr(r.error, "waiting for the database") != NULL,
	    "queued call: calls=%d error=%s want timeout", r.calls, r.error);
	CHECK(r.calls == 0 || (r.at_ms - t0 >= 290 && r.at_ms - t0 < 1000),
	    "queued call failed after got=%ld ms want about 300",
	    r.at_ms - t0);
	dbtest_result_reset(&r);
	db_free(db);
}

static void
test_silent_server(const char *conninfo)
{
	struct dbtest_states	 st = { 0 };
	struct db_settings	 s;
	struct db		*db;
	struct sockaddr_un	 sun;
	long			 t0, took;
	int			 fd;

	/* A socket that queues connections and never answers them. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	REQUIRE(fd != -1, "socket");
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	REQUIRE(bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0, "bind %s",
	    sockpath);
	REQUIRE(listen(fd, 16) == 0, "listen");

	dbtest_settings(&s, conninfo, &st);
	s.connect_timeout_ms = 300;
	s.backoff_min_ms = 5000;
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new");
	t0 = test_now_ms();
	REQUIRE(db_start(db) == 0, "start");
	REQUIRE(testloop_run_until(base, 5000, one_backoff, &st) == 0,
	    "no backoff within 5 s against a silent server");
	took = st.at_ms[0] - t0;
	CHECK(strstr(st.reason, "connect timed out after 300 ms") != NULL,
	    "reason got=%s want \"connect timed out after 300 ms\"",
	    st.reason);
	CHECK(took >= 290 && took < 1000, "connect timeout after got=%ld ms "
	    "want about 300", took);
	db_free(db);
	close(fd);
}

int
main(void)
{
	struct ticks	 ticks = { 0 };
	struct event	*tick;
	struct timeval	 tv20 = { 0, 20 * 1000 };
	char		 conninfo[256];

	REQUIRE(mkdtemp(tmpdir) != NULL, "mkdtemp");
	atexit(cleanup);
	snprintf(sockpath, sizeof sockpath, "%s/.s.PGSQL.5432", tmpdir);
	snprintf(conninfo, sizeof conninfo, "host=%s port=5432 dbname=farol "
	    "user=farol", tmpdir);
	base = event_base_new();
	REQUIRE(base != NULL, "event_base_new");
	tick = event_new(base, -1, EV_PERSIST, tick_cb, &ticks);
	REQUIRE(tick != NULL, "event_new");
	evtimer_add(tick, &tv20);

	test_missing_socket(conninfo);
	test_silent_server(conninfo);

	CHECK(ticks.n > 10, "20 ms ticks got=%d want>10", ticks.n);
	CHECK(ticks.max_gap < 200, "largest gap between 20 ms ticks got=%ld "
	    "ms want<200", ticks.max_gap);
	event_free(tick);
	event_base_free(base);
	return check_status();
}
