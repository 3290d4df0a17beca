/*
 * latency.h: how long an alert took from reaching the gateway to its
 * first forward being handed to a modem.
 *
 * ingest.c marks an alert with the time its message reached the loop;
 * outbox.c takes the mark when the alert's first forward is handed to a
 * modem and logs the difference (tests/bench/bench_forward.c reads those
 * lines). A small ring: marks not taken are simply overwritten.
 */
#ifndef FAROL_LATENCY_H
#define FAROL_LATENCY_H

#include <stdint.h>

#define LATENCY_RING 256

struct latency {
	struct {
		int64_t alert_id;
		int64_t ref;		/* the number the officer sees */
		long long t0_us;
	} ring[LATENCY_RING];
	int next;
};

/* Monotonic microseconds. */
long long latency_now_us(void);

/* Mark alert alert_id (its row), numbered ref for people, at t0_us. */
void latency_mark(struct latency *l, int64_t alert_id, int64_t ref,
    long long t0_us);

/* Microseconds since alert_id's mark, removing it, with its number in
 * *ref; -1 if not marked. */
long long latency_take(struct latency *l, int64_t alert_id, int64_t *ref);

#endif
