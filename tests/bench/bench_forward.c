/*
 * bench_forward.c: gateway time from a U1 report reaching farold to its
 * first forward being handed to a modem, next to the latency of one
 * durable single-row commit on the same PostgreSQL in the same run (the
 * forward path needs three round trips: the report's transaction, the
 * claim, and, after the hand-over, the result).
 *
 *   farold:   the real daemon on the default config (flood limit raised),
 *             gammu's dummy driver, a private PostgreSQL. N U1 reports
 *             are dropped one at a time, each after the previous one's
 *             forward went out; farold logs, for each alert, "first
 *             forward handed to modem ... N us after the report reached
 *             the gateway" (gateway/latency.h). p50, p99, max.
 *   baseline: N single-row INSERTs, each its own transaction, through
 *             libpq on a Unix socket; commit latency p50, p99, max.
 *   sending:  then N more U1 reports dropped at once, and every due SMS
 *             (receipts, forwards) goes out: SMS the modem took a second,
 *             from its first SMS after the burst to the last one (the
 *             modem's cap is 600 a minute, one every 100 ms;
 *             each waits for the previous answer to be kept on disk,
 *             gateway/modems.md). FAROL_TEST_RESULT_DELAY_MS=MS in the
 *             environment makes each answer's fsync MS slower (a slow
 *             disk or a starved loop; db/sendlog.c).
 *
 * Target (issue 6): p99 under 100 ms of gateway time.
 * Run on demand (never a timed test):
 *   ninja -C build tests/bench/bench_forward
 *   build/tests/bench/bench_forward [N]      (default 200)
 * Record results in tests/bench/RESULTS.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define NEEDLE "first forward handed to modem "

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void
print_row(const char *name, long long *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_ll);
	printf("%-36s %8d %10.2f %10.2f %10.2f\n", name, n,
	    v[n / 2] / 1000.0, v[(n * 99) / 100 - (n >= 100 ? 1 : 0)] / 1000.0,
	    v[n - 1] / 1000.0);
}

/* Every due SMS sent and recorded (or cancelled by the reply limit), and
 * the modem took exactly those. */
static struct pgcluster *sent_pg;
static int sent_before;

static int
burst_sending(void *arg)
{
	return gateway_proc_sent_count(arg) > sent_before;
}

static int
all_sent(void *arg)
{
	struct gateway_proc *g = arg;
	struct pgcluster *pg = sent_pg;

	return stored_q(pg, "SELECT count(*) FROM outbox WHERE not_before <= "
	    "now() AND state NOT IN ('submitted', 'delivered', "
	    "'cancelled')") == 0 && gateway_proc_sent_count(g) ==
	    stored_q(pg, "SELECT count(*) FROM outbox WHERE state IN "
	    "('submitted', 'delivered')");
}

/* Commit latency of one single-row INSERT, n times. */
static int
baseline(struct pgcluster *pg, long long *out, int n)
{
	PGconn *c = PQconnectdb(pgcluster_conninfo(pg));
	PGresult *r;
	long long t0;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "baseline: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQclear(PQexec(c, "CREATE TABLE IF NOT EXISTS bench_commit "
	    "(v int)"));
	for (int i = 0; i < n; i++) {
		t0 = now_us();
		r = PQexec(c, "INSERT INTO bench_commit VALUES (1)");
		out[i] = now_us() - t0;
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "baseline: %s", PQerrorMessage(c));
			PQclear(r);
			PQfinish(c);
			return -1;
		}
		PQclear(r);
	}
	PQfinish(c);
	return 0;
}

/* The microseconds of every NEEDLE line of farold's log. Timing, read
 * from the log on purpose: farold measures the latency and only logs it
 * (nothing else could time it without disturbing it). */
static int
read_latencies(const struct gateway_proc *g, long long *out, int max)
{
	FILE *f = fopen(g->log, "r");
	char line[1024], *p;
	int n = 0;

	if (f == NULL)
		return 0;
	while (n < max && fgets(line, sizeof line, f) != NULL)
		if ((p = strstr(line, NEEDLE)) != NULL &&
		    (p = strchr(p + strlen(NEEDLE), ' ')) != NULL)
			out[n++] = atoll(p + 1);
	fclose(f);
	return n;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	struct gateway_proc g;
	struct pgcluster *pg;
	long long *gw, *base;
	char text[96], where[64];
	long long t0, sent_ms;
	int got, sent0, sent;

	if (n < 10) {
		fprintf(stderr, "usage: bench_forward [N >= 10]\n");
		return 2;
	}
	gw = calloc((size_t)n, sizeof *gw);
	base = calloc((size_t)n, sizeof *base);
	REQUIRE(gw != NULL && base != NULL, "memory");
	REQUIRE((pg = pgcluster_start("bench_forward")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "config");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");

	for (int i = 0; i < n; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 V2 relato %05d "
		    "bar Calheta", i);
		REQUIRE(gateway_proc_drop_sms(&g, "+2389912345", text, NULL) ==
		    0, "drop %d", i);
		REQUIRE(gateway_proc_wait_log(&g, NEEDLE, i + 1, WAIT_MS) == 0,
		    "forward %d", i);
	}
	sent_pg = pg;
	CHECK(test_wait_until(WAIT_MS * 10, all_sent, &g) == 0, "every due "
	    "SMS sent");
	sent_before = gateway_proc_sent_count(&g);
	for (int i = 0; i < n; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 V2 rajada %05d "
		    "bar Calheta", i);
		REQUIRE(gateway_proc_drop_sms(&g, "+2389912345", text, NULL) ==
		    0, "drop %d", i);
	}
	CHECK(test_wait_until(WAIT_MS, burst_sending, &g) == 0, "burst");
	t0 = now_us();
	sent0 = gateway_proc_sent_count(&g);
	CHECK(test_wait_until(WAIT_MS * 10, all_sent, &g) == 0, "every due "
	    "SMS sent");
	sent_ms = (now_us() - t0) / 1000;
	sent = gateway_proc_sent_count(&g) - sent0;
	got = read_latencies(&g, gw, n);
	CHECK(got == n, "latency lines got=%d want=%d", got, n);
	snprintf(where, sizeof where, "sender = '+2389912345'");
	CHECK(stored_count(pg, where) == 2 * n, "stored");
	REQUIRE(baseline(pg, base, n) == 0, "baseline");

	printf("\n%-36s %8s %10s %10s %10s\n", "", "n", "p50 ms", "p99 ms",
	    "max ms");
	if (got > 0)
		print_row("farold: U1 report to forward", gw, got);
	print_row("baseline: one single-row commit", base, n);
	printf("target: farold p99 < 100 ms\n");
	printf("sending: after a burst of %d reports the modem took %d SMS in "
	    "%lld ms: %.2f SMS/s (cap 10/s)\n", n, sent, sent_ms, sent_ms > 0 ? sent * 1000.0 / sent_ms :
	    0);

	gateway_proc_signal(&g, SIGTERM);
	gateway_proc_wait_exit(&g, WAIT_MS);
	gateway_proc_destroy(&g);
	pgcluster_destroy(pg);
	free(gw);
	free(base);
	return check_status();
}
