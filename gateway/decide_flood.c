/*
 * decide_flood.c: per-sender message rate and quarantine (see
 * decide_flood.h).
 *
 * Each tracked sender keeps the times of its last FLOOD_KEEP messages in a
 * ring; "more than max in per_s" is then one comparison with the time of
 * the max-th previous message. A linear table is enough: a country's
 * focal points number in the hundreds.
 */
#include <stdlib.h>
#include <string.h>

#include "decide_flood.h"

#define FLOOD_SENDERS 512
#define FLOOD_KEEP 1001	/* security.flood.max is at most 1000 */
#define FLOOD_SENDER_MAX 32

struct flood_sender {
	char sender[FLOOD_SENDER_MAX];
	time_t times[FLOOD_KEEP];	/* ring, newest at head - 1 */
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

enum flood_verdict
flood_note(struct flood *f, const char *sender, time_t t, int max, int per_s)
{
	struct flood_sender *s = flood_find(f, sender);
	int over;

	if (max > FLOOD_KEEP - 1)
		max = FLOOD_KEEP - 1;
	s->times[s->head] = t;
	s->head = (s->head + 1) % FLOOD_KEEP;
	if (s->n < FLOOD_KEEP)
		s->n++;
	s->last = t;
	/* Over the limit when the message max places back (so max + 1
	 * messages in all) is inside the window. */
	over = s->n > max && t - s->times[(s->head - 1 - max + 2 * FLOOD_KEEP)
	    % FLOOD_KEEP] < per_s;
	if (!over) {
		s->quarantined = 0;
		return FLOOD_OK;
	}
	if (s->quarantined)
		return FLOOD_QUARANTINED;
	s->quarantined = 1;
	return FLOOD_STARTED;
}
