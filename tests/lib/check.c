/*
 * check.c: failure bookkeeping for CHECK()/REQUIRE() and the polling
 * helper. Used by every test program; nothing here may hide a failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "check.h"

static int check_nfailed;

void
check_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list	ap;

	check_nfailed++;
	fprintf(stderr, "%s:%d: CHECK(%s) failed: ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

int
check_failures(void)
{
	return check_nfailed;
}

int
check_status(void)
{
	if (check_nfailed != 0) {
		fprintf(stderr, "%d check(s) failed\n", check_nfailed);
		return 1;
	}
	return 0;
}

long
test_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
test_wait_until(int deadline_ms, int (*pred)(void *), void *arg)
{
	long			end = test_now_ms() + deadline_ms;
	struct timespec		step = { 0, 5 * 1000 * 1000 };

	for (;;) {
		if (pred(arg))
			return 0;
		if (test_now_ms() >= end)
			return -1;
		nanosleep(&step, NULL);
	}
}
