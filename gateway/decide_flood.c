/*
 * decide_flood.c: per-sender message rate and quarantine (see
 * decide_flood.h).
 *
 * Each tracked sender keeps its last FLOOD_KEEP messages (time and a hash
 * of the text) in a ring; "more than max in per_s" counts those inside
 * the window. A message noted twice (spooled and forwarded at once, then
 * replayed into the database) is found by its time and hash, counted
 * once, and given the verdict of its place in the ring again (the
 * messages after it do not count for it), without changing the
 * quarantine. A linear
 * table is enough: a country's focal points number in the hundreds.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide_flood.h"

#define FLOOD_SENDERS 512
#define FLOOD_KEEP 1001	/* security.flood.max is at most 1000 */
#define FLOOD_SENDER_MAX 32

struct flood_sender {
	char sender[FLOOD_SENDER_MAX];
	time_t times[FLOOD_KEEP];	/* ring, newest at head - 1 */
	uint32_t hashes[FLOOD_KEEP];
	int head, n;
	int quarantined;
	time_t last;
};

struct flood {
	struct flood_sender s[FLOOD_SENDERS];
	int n;
};

struct flood *
flood_new(void)
{
	return calloc(1, sizeof(struct flood));
}

void
flood_free(struct flood *f)
{
	free(f);
}

uint32_t
flood_text_hash(const char *text)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)(text ? text :
	    ""); *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static struct flood_sender *
flood_find(struct flood *f, const char *sender)
{
	struct flood_sender *oldest = NULL;

	for (int i = 0; i < f->n; i++) {
		if (strcmp(f->s[i].sender, sender) == 0)
			return &f->s[i];
		if (oldest == NULL || f->s[i].last < oldest->last)
			oldest = &f->s[i];
	}
	if (f->n < FLOOD_SENDERS)
		oldest = &f->s[f->n++];
	memset(oldest, 0, sizeof *oldest);
	strncpy(oldest->sender, sender, sizeof oldest->sender - 1);
	return oldest;
}

void
flood_mark(struct flood *f, const char *sender)
{
	flood_find(f, sender)->quarantined = 1;
}

enum flood_verdict
flood_note(struct flood *f, const char *sender, time_t t, uint32_t hash,
    int max, int per_s)
{
	struct flood_sender *s = flood_find(f, sender);
	int in_window = 0, over, i;

	if (max > FLOOD_KEEP - 1)
		max = FLOOD_KEEP - 1;
	/* Oldest first: the window as it was when this message came. */
	for (int j = 0; j < s->n; j++) {
		i = (s->head - s->n + j + FLOOD_KEEP) % FLOOD_KEEP;
		if (s->times[i] <= t && t - s->times[i] < per_s)
			in_window++;
		if (s->times[i] == t && s->hashes[i] == hash)
			/* Noted before: its verdict again, nothing moves. */
			return in_window > max ? FLOOD_QUARANTINED :
			    FLOOD_OK;
	}
	s->times[s->head] = t;
	s->hashes[s->head] = hash;
	s->head = (s->head + 1) % FLOOD_KEEP;
	if (s->n < FLOOD_KEEP)
		s->n++;
	in_window++;
	if (t > s->last)
		s->last = t;
	/* Over the limit with max + 1 messages inside the window. */
	over = in_window > max;
	if (!over) {
		if (!s->quarantined)
			return FLOOD_OK;
		s->quarantined = 0;
		return FLOOD_ENDED;
	}
	if (s->quarantined)
		return FLOOD_QUARANTINED;
	s->quarantined = 1;
	return FLOOD_STARTED;
}
