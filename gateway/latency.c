/*
 * latency.c: marks of alert arrival times (see latency.h).
 */
#include <time.h>

#include "latency.h"

long long
latency_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void
latency_mark(struct latency *l, int64_t alert_id, int64_t ref,
    long long t0_us)
{
	l->ring[l->next].alert_id = alert_id;
	l->ring[l->next].ref = ref;
	l->ring[l->next].t0_us = t0_us;
	l->next = (l->next + 1) % LATENCY_RING;
}

long long
latency_take(struct latency *l, int64_t alert_id, int64_t *ref)
{
	for (int i = 0; i < LATENCY_RING; i++)
		if (l->ring[i].alert_id == alert_id && alert_id != 0) {
			l->ring[i].alert_id = 0;
			*ref = l->ring[i].ref;
			return latency_now_us() - l->ring[i].t0_us;
		}
	return -1;
}
