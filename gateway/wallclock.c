/*
 * wallclock.c: the wall clock farold reads (see wallclock.h). Called by
 * the digest job, the modem workers (a message's arrival time), the USSD
 * endpoint and the outbox; never for a timer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wallclock.h"

/* The test offset in seconds: 0 unless FAROL_TEST_CLOCK_OFFSET names a
 * readable file holding a number. */
static long
wallclock_test_offset(void)
{
	const char *path = getenv("FAROL_TEST_CLOCK_OFFSET");
	long offset = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &offset) != 1)
		offset = 0;
	fclose(f);
	return offset;
}

time_t
wallclock_now(void)
{
	return time(NULL) + wallclock_test_offset();
}
