/*
 * bench_gateways.c: the shared outbox's throughput and claim latency with
 * 1, 2 and 4 gateways on one PostgreSQL (gateway/deployment.md).
 *
 *   Each gateway is the real farold with one dummy modem sending as fast
 *   as the config allows (send_per_minute = 60000: one SMS a
 *   millisecond), so that the database, not the modems, is the limit.
 *   N rows are put in the outbox not yet due, then made due at once;
 *   the clock runs until every row is submitted. Reported: rows/s, the
 *   claim's latency (one farol_outbox_claim call, as farold times it:
 *   the "claim took N us" debug line, every claim of every gateway,
 *   empty ones included) p50, p99, max, and each row's time from due to
 *   submitted p50, p99 (the backlog's wait included).
 *
 * Run on demand (never a timed test):
 *   ninja -C build tests/bench/bench_gateways
 *   build/tests/bench/bench_gateways [N]      (default 2000 rows)
 * Record results in tests/bench/RESULTS.md.
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

#define WAIT_MS 30000
#define MAX_GW 4
#define NEEDLE "outbox: claim took "

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

/* Every claim's microseconds in g's log from byte offset `from' on. */
static int
read_claims(const struct gateway_proc *g, long from, long long *out,
    int n, int max)
{
	FILE *f = fopen(g->log, "r");
	char line[1024], *p;

	if (f == NULL)
		return n;
	fseek(f, from, SEEK_SET);
	while (n < max && fgets(line, sizeof line, f) != NULL)
		if ((p = strstr(line, NEEDLE)) != NULL)
			out[n++] = atoll(p + strlen(NEEDLE));
	fclose(f);
	return n;
}

static long
log_size(const struct gateway_proc *g)
{
	FILE *f = fopen(g->log, "r");
	long size;

	if (f == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	return size;
}

static void
run(struct pgcluster *pg, int n_gw, int rows)
{
	struct gateway_proc g[MAX_GW];
	char name[32], sql[512];
	long from[MAX_GW];
	long long t0, us, *claims;
	int n_claims = 0, max_claims = 1000000;
	long done;

	REQUIRE((claims = calloc((size_t)max_claims, sizeof *claims)) != NULL,
	    "memory");
	for (int i = 0; i < n_gw; i++) {
		REQUIRE(gateway_proc_init(&g[i], pgcluster_conninfo(pg)) == 0,
		    "init");
		snprintf(name, sizeof name, "bench-%d", i + 1);
		REQUIRE(gateway_proc_set_name(&g[i], name, 0) == 0, "name");
		REQUIRE(gateway_proc_edit_config(&g[i], "send_per_minute = 600;",
		    "send_per_minute = 60000;") == 0, "rate");
		REQUIRE(gateway_proc_start(&g[i]) == 0, "start");
	}
	for (int i = 0; i < n_gw; i++) {
		snprintf(name, sizeof name, "bench-%d-cv1", i + 1);
		REQUIRE(console_wait_db_ready(&g[i], WAIT_MS) == 0, "db");
		REQUIRE(console_wait_modem(&g[i], name, WAIT_MS) == 0, "modem");
	}
	REQUIRE(stored_wait_q(pg, WAIT_MS, n_gw, "SELECT count(*) FROM "
	    "gateway WHERE stopped_at IS NULL") == n_gw, "registered");
	snprintf(sql, sizeof sql, "INSERT INTO outbox (recipient, text, "
	    "purpose, not_before) SELECT '+23899' || lpad(i::text, 5, '0'), "
	    "'bench ' || i, 'reply', now() + interval '1 hour' FROM "
	    "generate_series(1, %d) i", rows);
	REQUIRE(pgcluster_exec(pg, sql) == 0, "rows");
	for (int i = 0; i < n_gw; i++)
		from[i] = log_size(&g[i]);
	t0 = now_us();
	REQUIRE(pgcluster_exec(pg, "UPDATE outbox SET not_before = now() "
	    "WHERE state = 'queued'") == 0, "due");
	do {
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		done = stored_q(pg, "SELECT count(*) FROM outbox WHERE state = "
		    "'submitted'");
	} while (done < rows && now_us() - t0 < 600 * 1000000LL);
	us = now_us() - t0;
	CHECK(done == rows, "%ld of %d submitted", done, rows);
	for (int i = 0; i < n_gw; i++)
		n_claims = read_claims(&g[i], from[i], claims, n_claims,
		    max_claims);
	qsort(claims, (size_t)n_claims, sizeof *claims, cmp_ll);
	printf("%8d %8d %10.0f %8d %10.2f %10.2f %10.2f %10.0f %10.0f\n",
	    n_gw, rows, rows / (us / 1e6), n_claims,
	    n_claims ? claims[n_claims / 2] / 1000.0 : 0,
	    n_claims ? claims[(n_claims * 99) / 100] / 1000.0 : 0,
	    n_claims ? claims[n_claims - 1] / 1000.0 : 0,
	    (double)stored_q(pg, "SELECT (percentile_cont(0.5) WITHIN GROUP "
	    "(ORDER BY extract(epoch FROM submitted_at - not_before)) * "
	    "1000)::bigint FROM outbox"),
	    (double)stored_q(pg, "SELECT (percentile_cont(0.99) WITHIN GROUP "
	    "(ORDER BY extract(epoch FROM submitted_at - not_before)) * "
	    "1000)::bigint FROM outbox"));
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE attempts <> 1")
	    == 0, "a row claimed twice");
	for (int i = 0; i < n_gw; i++) {
		gateway_proc_signal(&g[i], SIGTERM);
		gateway_proc_wait_exit(&g[i], WAIT_MS);
		gateway_proc_destroy(&g[i]);
	}
	REQUIRE(pgcluster_exec(pg, "DELETE FROM outbox") == 0, "empty");
	free(claims);
}

int
main(int argc, char **argv)
{
	int rows = argc > 1 ? atoi(argv[1]) : 2000;
	static const int counts[] = { 1, 2, 4 };
	struct pgcluster *pg;

	if (rows < 10) {
		fprintf(stderr, "usage: bench_gateways [ROWS >= 10]\n");
		return 2;
	}
	REQUIRE((pg = pgcluster_start("bench_gateways")) != NULL,
	    "PostgreSQL");
	printf("\n%8s %8s %10s %8s %10s %10s %10s %10s %10s\n", "gateways",
	    "rows", "rows/s", "claims", "claim p50", "claim p99", "claim max",
	    "due p50", "due p99");
	printf("%8s %8s %10s %8s %10s %10s %10s %10s %10s\n", "", "", "", "",
	    "ms", "ms", "ms", "ms", "ms");
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
		run(pg, counts[i], rows);
	pgcluster_destroy(pg);
	return check_status();
}
