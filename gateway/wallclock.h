/*
 * wallclock.h: the wall clock farold reads for the instants people and
 * the database see (when a message arrived, when the U3 digest is due),
 * in one place. Timers never use it: libevent's timers run on
 * CLOCK_MONOTONIC, and an outgoing SMS's due time is the database's
 * (now() + its delay, db/functions/outbox.sql), so a wall clock stepped
 * by NTP moves no rung.
 *
 * For the fault tests only: when the environment names a file in
 * FAROL_TEST_CLOCK_OFFSET, the seconds it holds are added to the clock,
 * read again at each call, so a test steps farold's wall clock as NTP
 * would (tests/integration/test_faults_clock.c).
 */
#ifndef FAROL_WALLCLOCK_H
#define FAROL_WALLCLOCK_H

#include <time.h>

/* time(NULL), plus the test offset if any. Thread-safe. */
time_t	wallclock_now(void);

#endif
