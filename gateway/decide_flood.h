/*
 * decide_flood.h: per-sender flood detection.
 *
 * A sender with more than max messages in per_s seconds is quarantined
 * until its rate falls back under the limit: its messages are still
 * stored (nothing is dropped) but its alerts are held for review, and an
 * administrator is told once per quarantine. Time is the message's own
 * receipt time, so a replayed spool counts as it arrived. Memory is
 * bounded: the least recently seen sender is forgotten first.
 *
 * farold keeps one counter for both paths a message may take (ingest,
 * and the forward sent at once while the database is down); each message
 * counts once. The quarantines themselves live in PostgreSQL
 * (flood_quarantine, db/functions/flood.sql), which decides the one
 * notice, and the counter is seeded from the database at every connection
 * (ingest_flood_seed), so a restart forgets nothing.
 */
#ifndef FAROL_FLOOD_H
#define FAROL_FLOOD_H

#include <stdint.h>
#include <time.h>

struct flood;

enum flood_verdict {
	FLOOD_OK,
	FLOOD_STARTED,		/* this message starts a quarantine */
	FLOOD_QUARANTINED,	/* still in quarantine */
	FLOOD_ENDED,		/* the rate fell back: the quarantine ends */
};

struct flood *flood_new(void);
void flood_free(struct flood *f);

/* The hash that tells one message from another of the same second. */
uint32_t flood_text_hash(const char *text);

/* Count one message of sender at t (text's hash) against max per per_s
 * seconds; the same message noted again is not counted twice: it gets
 * FLOOD_OK or FLOOD_QUARANTINED by its place among the others. */
enum flood_verdict flood_note(struct flood *f, const char *sender, time_t t,
    uint32_t hash, int max, int per_s);

/* sender is in quarantine (as the database remembers it). */
void flood_mark(struct flood *f, const char *sender);

#endif
