/*
 * decide_flood.h: per-sender flood detection.
 *
 * A sender with more than max messages in per_s seconds is quarantined
 * until its rate falls back under the limit: its messages are still
 * stored (nothing is dropped) but its alerts are held for review, and an
 * administrator is told once per quarantine. Time is the message's own
 * receipt time, so a replayed spool counts as it arrived. Memory is
 * bounded: the least recently seen sender is forgotten first.
 */
#ifndef FAROL_FLOOD_H
#define FAROL_FLOOD_H

#include <time.h>

struct flood;

enum flood_verdict {
	FLOOD_OK,
	FLOOD_STARTED,		/* this message starts a quarantine */
	FLOOD_QUARANTINED,	/* still in quarantine */
};

struct flood *flood_new(void);
void flood_free(struct flood *f);

/* Count one message of sender at t against max per per_s seconds. */
enum flood_verdict flood_note(struct flood *f, const char *sender, time_t t,
    int max, int per_s);

#endif
