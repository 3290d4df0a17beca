/*
 * drain.h: a module's graceful stop, the same in the inbox, the replay and
 * the outbox. Its owner asks it to drain with a callback; the module stops
 * taking new work and calls drain_check() whenever its work in flight
 * shrinks; the callback runs once, when nothing is left.
 */
#ifndef FAROL_DRAIN_H
#define FAROL_DRAIN_H

#include <stddef.h>

struct drain {
	int draining;		/* take no new work */
	void (*done)(void *);	/* NULL once called */
	void *arg;
};

static inline void
drain_start(struct drain *d, void (*done)(void *), void *arg)
{
	d->draining = 1;
	d->done = done;
	d->arg = arg;
}

/* idle: the module has nothing in flight. Calls done at most once. */
static inline void
drain_check(struct drain *d, int idle)
{
	void (*done)(void *) = d->done;

	if (d->draining && idle && done != NULL) {
		d->done = NULL;
		done(d->arg);
	}
}

#endif
