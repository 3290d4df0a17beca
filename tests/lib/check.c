/*
 * check.c: failure bookkeeping for the CHECK family and the polling
 * helper (see check.h). Used by every test program; nothing here may hide
 * a failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"

static int check_nfailed, check_ncases;

void
check_count(void)
{
	check_ncases++;
}

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

void
check_fail_bare(const char *file, int line, const char *expr)
{
	check_nfailed++;
	fprintf(stderr, "%s:%d: CHECK(%s) failed\n", file, line, expr);
	fflush(stderr);
}

/* The message of a failed CHECK_INT or CHECK_STR, under its got=/want=. */
void
check_msg(const char *fmt, ...)
{
	va_list	ap;

	fputs("  ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

int
check_int(const char *file, int line, const char *expr, long long got,
    long long want)
{
	check_ncases++;
	if (got == want)
		return 1;
	check_nfailed++;
	fprintf(stderr, "%s:%d: CHECK(%s) failed: got=%lld want=%lld\n",
	    file, line, expr, got, want);
	fflush(stderr);
	return 0;
}

int
check_str(const char *file, int line, const char *expr, const char *got,
    const char *want)
{
	check_ncases++;
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return 1;
	check_nfailed++;
	fprintf(stderr, "%s:%d: CHECK(%s) failed:\n  got=  %s\n  want= %s\n",
	    file, line, expr, got ? got : "(null)", want ? want : "(null)");
	fflush(stderr);
	return 0;
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

int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_ncases,
	    check_nfailed);
	return check_nfailed == 0 ? 0 : 1;
}

long
test_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
test_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
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
