/*
 * testloop.h: drive a libevent loop from a test until a predicate holds or
 * a deadline passes (the loop keeps running timers and I/O meanwhile).
 */
#ifndef FAROL_TESTS_TESTLOOP_H
#define FAROL_TESTS_TESTLOOP_H

struct event_base;

/*
 * Run base until pred(arg) is non-zero (returns 0) or deadline_ms elapse
 * (returns -1). pred is checked before each loop turn; a turn lasts at most
 * a few milliseconds.
 */
int	testloop_run_until(struct event_base *base, int deadline_ms,
	    int (*pred)(void *), void *arg);

#endif
