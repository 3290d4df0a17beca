/*
 * testloop.c: run a libevent loop under a deadline for tests. Never sleeps
 * outside the loop, so the code under test keeps running.
 */
#include <event2/event.h>

#include "check.h"
#include "testloop.h"

static void
testloop_tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

int
testloop_run_until(struct event_base *base, int deadline_ms,
    int (*pred)(void *), void *arg)
{
	long		 end = test_now_ms() + deadline_ms;
	struct event	*tick;
	struct timeval	 tv = { 0, 10 * 1000 };
	int		 rc = -1;

	tick = evtimer_new(base, testloop_tick_cb, NULL);
	if (tick == NULL)
		return -1;
	for (;;) {
		if (pred(arg)) {
			rc = 0;
			break;
		}
		if (test_now_ms() >= end)
			break;
		evtimer_add(tick, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(tick);
	return rc;
}
