/*
 * bench_plan.c: farold's own CPU per report between the modem and the
 * database: the decision (parse, route, the receipt's and the forwards'
 * words: decide_message), the outbox plan (every rung and the
 * administrators' notice: outbox_plan_message) and the plan as the JSON
 * the ingest sends (outbox_plan_json and the alert's rung_plan), for the
 * reports of tests/bench/compare: a U1 with a minor from a registered
 * focal point (3 authorities, 7 rungs and an administrator's notice), on
 * the default config. No database, no modem: one core, in a loop.
 * Prints microseconds per report for each stage. Not a test: run it on
 * demand (RESULTS.md).
 *
 *   build/tests/bench/bench_plan [seconds [config]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "config.h"
#include "decide.h"
#include "jsonw.h"
#include "outbox_plan.h"

#define TEXTS 64

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One report through the three stages; the time of each added to t[]. */
static size_t
one(const struct config *cfg, const char *text, struct decision *d,
    struct outbox_plan *plan, double t[3])
{
	struct decide_params p = { .default_area = -1 };
	struct evbuffer *buf = evbuffer_new();
	struct jsonw w;
	double t0, t1, t2, t3;
	size_t len;

	p.cfg = cfg;
	p.ref = OUTBOX_REF_STANDIN;
	p.received_at = 1764676800;	/* a Wednesday, 12:00 UTC */
	t0 = now();
	decide_message(&cfg->codebook, &cfg->replies, &p, "+2389912345", text,
	    d);
	t1 = now();
	outbox_plan_message(cfg, d, plan);
	t2 = now();
	jsonw_init(&w, buf);
	jsonw_object(&w, NULL);
	outbox_plan_json_later(&w, "rung_plan", plan);
	jsonw_array(&w, "outbox");
	outbox_plan_json(&w, plan, NULL, NULL);
	jsonw_end(&w, ']');
	jsonw_end(&w, '}');
	len = strlen(jsonw_text(&w));
	t3 = now();
	evbuffer_free(buf);
	t[0] += t1 - t0;
	t[1] += t2 - t1;
	t[2] += t3 - t2;
	return len;
}

int
main(int argc, char **argv)
{
	static const char *area[] = { "SV", "ST", "SL" };
	double secs = argc > 1 ? atof(argv[1]) : 2.0, t[3] = { 0 }, t0;
	const char *path = argc > 2 ? argv[2] : FAROL_CONF;
	char texts[TEXTS][96], *cause = NULL;
	struct outbox_plan *plan = malloc(sizeof *plan);
	struct decision *d = malloc(sizeof *d);
	struct config *cfg;
	long n = 0;
	int later = 0;
	size_t bytes = 0;

	if ((cfg = config_load(path, &cause)) == NULL || d == NULL ||
	    plan == NULL) {
		fprintf(stderr, "bench_plan: %s: %s\n", path, cause != NULL ?
		    cause : "out of memory");
		return 1;
	}
	for (int i = 0; i < TEXTS; i++)
		snprintf(texts[i], sizeof texts[i], "ALERTA %s SX U1 V2 MENOR "
		    "relato %05d bar", area[i % 3], i);
	one(cfg, texts[0], d, plan, t);
	for (int i = 0; i < plan->n; i++)
		later += plan->rows[i].later;
	printf("rows: %d (%d in the rung plan), %d authorities notified\n",
	    plan->n, later, d->plan.n_authorities);
	memset(t, 0, sizeof t);
	t0 = now();
	while (now() - t0 < secs)
		for (int i = 0; i < TEXTS; i++, n++)
			bytes += one(cfg, texts[i], d, plan, t);
	printf("reports: %ld, %.0f bytes of JSON each\n", n,
	    (double)bytes / (double)n);
	printf("%-34s %10s\n", "", "us/report");
	printf("%-34s %10.2f\n", "decide_message", t[0] * 1e6 / (double)n);
	printf("%-34s %10.2f\n", "outbox_plan_message", t[1] * 1e6 /
	    (double)n);
	printf("%-34s %10.2f\n", "the plan as JSON", t[2] * 1e6 / (double)n);
	printf("%-34s %10.2f\n", "total", (t[0] + t[1] + t[2]) * 1e6 /
	    (double)n);
	config_free(cfg);
	free(plan);
	free(d);
	return 0;
}
