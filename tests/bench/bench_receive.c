/*
 * bench_receive.c: how fast farold takes messages off a modem, next to the
 * limit set by libgammu itself, measured in the same run on the same kind
 * of modem (gammu's dummy driver) and the same messages.
 *
 *   raw:     one thread reads N messages with GSM_GetNextSMS and deletes
 *            each with GSM_DeleteSMS: libgammu alone, nothing stored.
 *   worker:  gateway/modem.c alone, in this process, on the same N
 *            messages: the worker reads, hands each to the loop, which
 *            releases it at once (no database), and the worker deletes it.
 *            Rate: N over the time from modem_start to the SIM empty.
 *   farold:  the real daemon, started with the same N messages waiting:
 *            read, handed to the loop, committed to a private PostgreSQL,
 *            deleted. Every message is a valid U1 report from a registered
 *            focal point, with the flood limit raised so that none is
 *            quarantined: each takes the full path (message, alert,
 *            event, receipt, forwards, rungs). (Before, the default flood
 *            limit quarantined all but 10, and the burst measured messages
 *            that stored no alert.) tests/bench/compare gives the same
 *            full path from 40 focal points next to gammu-smsd. Rate: N over the time from "modem connected" to the
 *            last message stored (both from farold's log); overhead per
 *            message: from the worker having read it to its commit
 *            confirmed ("stored ... in N us"), p50 and p99. In this burst
 *            the overhead is mostly the wait behind the messages read
 *            before it.
 *   paced:   the same daemon, one message at a time (the next is put on
 *            the SIM once the previous is stored): the overhead of one
 *            message when nothing queues ahead of it (P messages, default
 *            100, after one warm-up message; each waits up to one 1 s
 *            poll, which is not counted).
 *
 * Run on demand (never a timed test):
 *   ninja -C build tests/bench/bench_receive
 *   build/tests/bench/bench_receive [N [P]]     (default 1000 100)
 * Record results in tests/bench/RESULTS.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <gammu.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "log.h"
#include "modem.h"
#include "pgcluster.h"
#include "stored.h"
#include "testloop.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fill(struct gateway_proc *g, int n)
{
	char text[96];

	for (int i = 0; i < n; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 V2 MENOR relato "
		    "%05d bar Calheta", i);
		REQUIRE(gateway_proc_drop_sms(g, "+2389912345", text, NULL) ==
		    0, "drop %d", i);
	}
}

/* libgammu alone: read everything, then delete everything. */
static double
raw_rate(struct gateway_proc *g, int n)
{
	GSM_StateMachine *sm = GSM_AllocStateMachine();
	GSM_MultiSMSMessage multi;
	GSM_Config *gc = GSM_GetConfig(sm, 0);
	GSM_SMSMessage del;
	int *locations = calloc((size_t)n + 1, sizeof *locations);
	int count = 0, start = 1;
	double t0, t1;

	REQUIRE(locations != NULL, "memory");
	free(gc->Device);
	free(gc->Connection);
	gc->Device = strdup(g->modem);
	gc->Connection = strdup("none");
	snprintf(gc->Model, sizeof gc->Model, "dummy");
	gc->DebugLevel[0] = '\0';
	gc->LockDevice = FALSE;
	gc->UseGlobalDebugFile = FALSE;
	GSM_SetConfigNum(sm, 1);
	REQUIRE(GSM_InitConnection(sm, 1) == ERR_NONE, "gammu init");

	t0 = now_s();
	memset(&multi, 0, sizeof multi);
	for (;;) {
		multi.SMS[0].Folder = 0;
		if (GSM_GetNextSMS(sm, &multi, start) != ERR_NONE)
			break;
		start = 0;
		for (int i = 0; i < multi.Number && count < n; i++)
			locations[count++] = multi.SMS[i].Location;
	}
	if (getenv("BENCH_LOG") != NULL)
		fprintf(stderr, "raw: read %d in %.0f ms\n", count,
		    (now_s() - t0) * 1000);
	for (int i = 0; i < count; i++) {
		memset(&del, 0, sizeof del);
		del.Location = locations[i];
		GSM_DeleteSMS(sm, &del);
	}
	t1 = now_s();
	GSM_TerminateConnection(sm);
	GSM_FreeStateMachine(sm);
	free(locations);
	CHECK(count == n, "raw read got=%d want=%d", count, n);
	return count / (t1 - t0);
}

struct worker_run {
	struct gateway_proc *g;
	int n, got, stopped;
};

static void
worker_receive(struct inbound_sms *sms, void *arg)
{
	struct worker_run *w = arg;

	w->got++;
	modem_release(sms->source, sms->token);
	inbound_sms_free(sms);
}

static int
worker_done(void *arg)
{
	struct worker_run *w = arg;

	return w->got >= w->n && gateway_proc_inbox_count(w->g) == 0;
}

static void
worker_stopped(struct modem *m, void *arg)
{
	struct worker_run *w = arg;

	(void)m;
	w->stopped = 1;
}

static int
worker_is_stopped(void *arg)
{
	return ((struct worker_run *)arg)->stopped;
}

/* gateway/modem.c alone: read, hand over, release at once, delete. */
static double
worker_rate(struct gateway_proc *g, int n)
{
	struct worker_run w = { g, n, 0, 0 };
	struct event_base *base = event_base_new();
	struct modem_config mc;
	struct modem *m;
	char *cause = NULL;
	double t0, t1;

	REQUIRE(base != NULL, "event base");
	memset(&mc, 0, sizeof mc);
	snprintf(mc.name, sizeof mc.name, "cv1");
	snprintf(mc.device, sizeof mc.device, "%s", g->modem);
	snprintf(mc.connection, sizeof mc.connection, "none");
	snprintf(mc.model, sizeof mc.model, "dummy");
	mc.role = MODEM_ROLE_RECEIVE;
	mc.poll_interval_s = 1;
	mc.send_per_minute = 10;
	mc.timeout_s = 60;
	mc.health_interval_s = 300;
	t0 = now_s();
	m = modem_start(base, &mc, 600, worker_receive, &w, &cause);
	REQUIRE(m != NULL, "modem_start: %s", cause);
	CHECK(testloop_run_until(base, 300000, worker_done, &w) == 0,
	    "worker got=%d want=%d, left on the SIM %d", w.got, n,
	    gateway_proc_inbox_count(g));
	t1 = now_s();
	modem_stop(m, worker_stopped, &w);
	CHECK(testloop_run_until(base, 60000, worker_is_stopped, &w) == 0,
	    "worker stop");
	modem_free(m);
	event_base_free(base);
	return w.got / (t1 - t0);
}

/* Seconds since midnight from a log line's "...THH:MM:SS.mmmZ" stamp. */
static double
log_time(const char *line)
{
	int h, m, s, ms;

	if (sscanf(line, "%*10sT%d:%d:%d.%dZ", &h, &m, &s, &ms) != 4)
		return -1;
	return h * 3600.0 + m * 60.0 + s + ms / 1000.0;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

struct gateway_figures {
	double rate;
	long p50_us, p99_us;
	int stored;
	long analyzed;		/* autoanalyze runs meanwhile (paced) */
	long over_5ms;		/* messages over 5 ms (paced) */
};

/* Automatic ANALYZE runs so far on the tables a report writes: each one
 * invalidates the plans farold's backend cached, and the next report
 * pays for planning them again. */
static long
analyze_runs(struct pgcluster *pg)
{
	return pgcluster_query_long(pg, "SELECT coalesce(sum(autoanalyze_count),"
	    " 0) FROM pg_stat_user_tables WHERE relname IN ('message', "
	    "'alert', 'alert_event', 'outbox')");
}

/* Rate and overhead of the n "stored" lines of farold's log after the
 * first `skip'. Timing, read from the log on purpose: the per-message
 * times are only there, and asking farold or PostgreSQL while it works
 * would slow what is being measured. */
static struct gateway_figures
log_figures(struct gateway_proc *g, int skip, int n)
{
	struct gateway_figures f = { 0 };
	char line[2048];
	long *lat = calloc((size_t)n + 1, sizeof *lat);
	double connected = -1, last = -1;
	const char *p;
	FILE *log;

	REQUIRE(lat != NULL, "memory");
	REQUIRE((log = fopen(g->log, "r")) != NULL, "log");
	while (fgets(line, sizeof line, log) != NULL) {
		if (strstr(line, "modem cv1: connected") != NULL)
			connected = log_time(line);	/* the last start's */
		if ((p = strstr(line, " stored (")) == NULL ||
		    (p = strstr(p, ") in ")) == NULL)
			continue;
		if (skip > 0)
			skip--;
		else if (f.stored < n) {
			lat[f.stored++] = atol(p + 5);
			last = log_time(line);
		}
	}
	fclose(log);
	if (getenv("BENCH_LOG") != NULL)
		gateway_proc_dump_log(g);
	for (int i = 0; i < f.stored; i++)
		f.over_5ms += lat[i] > 5000;
	qsort(lat, (size_t)f.stored, sizeof *lat, cmp_long);
	if (f.stored > 0) {
		f.p50_us = lat[f.stored / 2];
		f.p99_us = lat[(f.stored * 99) / 100];
	}
	if (connected >= 0 && last > connected)
		f.rate = f.stored / (last - connected);
	free(lat);
	return f;
}

static void
gateway_stop(struct gateway_proc *g)
{
	CHECK(test_wait_until(60000, gateway_proc_inbox_empty, g) == 0,
	    "inbox empty");
	CHECK(gateway_proc_signal(g, SIGTERM) == 0, "SIGTERM");
	CHECK(gateway_proc_wait_exit(g, 60000) == 0, "exit 0");
}

/* The burst: n messages waiting on the SIM when farold starts. */
static struct gateway_figures
gateway_rate(struct pgcluster *pg, struct gateway_proc *g, int n)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	long stored = 0;

	REQUIRE(gateway_proc_start(g) == 0, "start farold");
	/* Polled every 50 ms: each poll is a new connection, which would
	 * take CPU from farold if done every few ms. */
	for (int i = 0; i < 6000 && (stored = stored_count(pg, "")) < n; i++)
		nanosleep(&step, NULL);
	CHECK(stored == n, "stored got=%ld want=%d", stored, n);
	gateway_stop(g);
	return log_figures(g, 0, n);
}

/* Paced: one message at a time, each after the previous is stored (the
 * database already holds `before' messages). */
static struct gateway_figures
gateway_paced(struct pgcluster *pg, struct gateway_proc *g, int n,
    long before)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	struct gateway_figures f;
	char text[96];
	long stored, analyzed;

	/* Each report takes the whole path (receipt, forwards, rungs), not
	 * the flood quarantine (the limit was raised before the burst); the
	 * burst's sends still queued are dropped, so that only this phase's
	 * own traffic runs beside it. */
	REQUIRE(pgcluster_exec(pg, "UPDATE outbox SET state = 'cancelled' "
	    "WHERE state = 'queued'") == 0, "outbox emptied");
	REQUIRE(gateway_proc_start(g) == 0, "start farold");
	CHECK(console_wait_db_ready(g, 60000) == 0, "db ready");
	analyzed = analyze_runs(pg);
	/* Message 0 warms up: the first report on a new connection costs
	 * some 15 ms more (PostgreSQL compiles the plpgsql functions and
	 * plans the statements in the new backend); it is not counted. */
	for (int i = 0; i <= n; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 V2 MENOR pausado "
		    "%05d bar Calheta", i);
		REQUIRE(gateway_proc_drop_sms(g, "+2389912345", text, NULL) ==
		    0, "drop %d", i);
		/* farold's log, every 50 ms: polling PostgreSQL (a
		 * connection per poll) or reading the log every few ms
		 * would take CPU from farold. */
		for (int t = 0; t < 600 && gateway_proc_log_count(g,
		    " stored (") < i + 1; t++)
			nanosleep(&step, NULL);
		REQUIRE(gateway_proc_log_count(g, " stored (") == i + 1,
		    "paced message %d stored", i);
	}
	gateway_stop(g);
	stored = stored_count(pg, "");
	CHECK(stored == before + n + 1, "paced: stored got=%ld want=%ld",
	    stored, before + n + 1);
	f = log_figures(g, 1, n);
	f.analyzed = analyze_runs(pg) - analyzed;
	return f;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int paced_n = argc > 2 ? atoi(argv[2]) : 100;
	struct gateway_proc raw, gw;
	struct gateway_figures f, paced;
	struct pgcluster *pg;
	double raw_per_s, worker_per_s;

	REQUIRE(n > 0 && n < 9000, "N between 1 and 8999");
	REQUIRE(paced_n > 0 && paced_n < 9000, "P between 1 and 8999");
	REQUIRE((pg = pgcluster_start("bench_receive")) != NULL, "pg");
	log_init("bench_receive", getenv("BENCH_LOG") != NULL ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING);
	modem_global_init();

	/* libgammu alone. */
	REQUIRE(gateway_proc_init(&raw, pgcluster_conninfo(pg)) == 0, "init");
	fill(&raw, n);
	raw_per_s = raw_rate(&raw, n);
	gateway_proc_destroy(&raw);

	/* The modem worker alone, no database. */
	REQUIRE(gateway_proc_init(&raw, pgcluster_conninfo(pg)) == 0, "init");
	fill(&raw, n);
	worker_per_s = worker_rate(&raw, n);
	gateway_proc_destroy(&raw);

	/* farold: a first run creates the schema, so the measured run only
	 * connects; its log starts empty. */
	REQUIRE(gateway_proc_init(&gw, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&gw) == 0, "start");
	CHECK(console_wait_db_ready(&gw, 60000) == 0, "db ready");
	CHECK(gateway_proc_signal(&gw, SIGTERM) == 0, "SIGTERM");
	CHECK(gateway_proc_wait_exit(&gw, 60000) == 0, "exit 0");
	truncate(gw.log, 0);
	/* The full path for every report, not the flood quarantine. */
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(&gw) == 0, "config");
	fill(&gw, n);
	f = gateway_rate(pg, &gw, n);
	CHECK(f.stored == n, "burst: %d stored lines, want %d", f.stored, n);
	truncate(gw.log, 0);
	paced = gateway_paced(pg, &gw, paced_n, n);
	CHECK(paced.stored == paced_n, "paced: %d stored lines, want %d",
	    paced.stored, paced_n);
	gateway_proc_destroy(&gw);
	pgcluster_destroy(pg);

	printf("receive, %d messages, gammu dummy driver\n", n);
	printf("%-44s %12s\n", "", "messages/s");
	printf("%-44s %12.0f\n", "raw libgammu: read + delete (the limit)",
	    raw_per_s);
	printf("%-44s %12.0f  (%.0f%% of raw)\n",
	    "modem worker: read, hand over, delete", worker_per_s,
	    raw_per_s > 0 ? 100.0 * worker_per_s / raw_per_s : 0.0);
	printf("%-44s %12.0f  (%.0f%% of raw)\n",
	    "farold: full path (alert, forwards, rungs)", f.rate,
	    raw_per_s > 0 ? 100.0 * f.rate / raw_per_s : 0.0);
	printf("gateway overhead per message, worker read -> commit "
	    "confirmed (target p99 < 5 ms):\n");
	printf("  %-42s p50 %7.2f ms  p99 %7.2f ms  (%d messages)\n",
	    "burst (queued behind the others)", f.p50_us / 1000.0,
	    f.p99_us / 1000.0, f.stored);
	printf("  %-42s p50 %7.2f ms  p99 %7.2f ms  (%d messages)\n",
	    "paced (one at a time)", paced.p50_us / 1000.0,
	    paced.p99_us / 1000.0, paced.stored);
	printf("  paced: %ld message(s) over 5 ms; meanwhile PostgreSQL's "
	    "autovacuum analyzed the report tables %ld time(s)\n",
	    paced.over_5ms, paced.analyzed);
	return check_status();
}
