/*
 * check.h: the one test harness: the assertions and polling helper every
 * test program uses (each links check_dep).
 *
 * CHECK(cond[, fmt, ...]) records a failure with file:line, the condition
 * and the message (got=/want=) and lets the test go on; it is an
 * expression worth 1 when cond holds. CHECK_INT(got, want[, fmt, ...]) and
 * CHECK_STR(got, want[, fmt, ...]) (NULL-safe) print got= and want=
 * themselves. REQUIRE() is CHECK that exits (atexit handlers, such as
 * pgcluster's, still clean up). A test's main() ends with
 * `return check_status();' (or check_done(name), which also prints how
 * many checks ran).
 *
 * test_wait_until() polls a predicate until it holds or a deadline passes:
 * tests wait for readiness this way, never with a fixed sleep.
 */
#ifndef FAROL_TESTS_CHECK_H
#define FAROL_TESTS_CHECK_H

#include <stdlib.h>

void	check_fail(const char *file, int line, const char *expr,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	check_fail_bare(const char *file, int line, const char *expr);
void	check_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	check_count(void);
int	check_int(const char *file, int line, const char *expr,
	    long long got, long long want);
int	check_str(const char *file, int line, const char *expr,
	    const char *got, const char *want);
int	check_failures(void);
int	check_status(void);
int	check_done(const char *name);

/* Counts a check and returns ok; inline, so that the compiler still sees
 * what a failed REQUIRE() rules out. */
static inline int
check_note(int ok)
{
	check_count();
	return ok;
}

/* The message is optional: pick the macro by the number of arguments
 * (ISO C wants at least one for a `...'). */
#define CHECK_ARGN_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12,	\
    _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, N, ...) N

#define CHECK_B_(cond)							\
	(check_note(!!(cond)) ? 1 :					\
	    (check_fail_bare(__FILE__, __LINE__, #cond), 0))
#define CHECK_M_(cond, ...)						\
	(check_note(!!(cond)) ? 1 :					\
	    (check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__), 0))
#define CHECK(...)						\
	CHECK_ARGN_(__VA_ARGS__,					\
	    CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, \
	    CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, \
	    CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, \
	    CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, CHECK_M_, \
	    CHECK_M_, CHECK_M_, CHECK_M_, CHECK_B_, x)(__VA_ARGS__)

#define CHECK_INT_B_(got, want)						\
	check_int(__FILE__, __LINE__, #got, (long long)(got),		\
	    (long long)(want))
#define CHECK_INT_M_(got, want, ...)					\
	(CHECK_INT_B_(got, want) ? 1 : (check_msg(__VA_ARGS__), 0))
#define CHECK_INT(...)						\
	CHECK_ARGN_(__VA_ARGS__,					\
	    CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, \
	    CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, \
	    CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, \
	    CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, \
	    CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_M_, \
	    CHECK_INT_M_, CHECK_INT_M_, CHECK_INT_B_, x)(__VA_ARGS__)

#define CHECK_STR_B_(got, want)						\
	check_str(__FILE__, __LINE__, #got, (got), (want))
#define CHECK_STR_M_(got, want, ...)					\
	(CHECK_STR_B_(got, want) ? 1 : (check_msg(__VA_ARGS__), 0))
#define CHECK_STR(...)						\
	CHECK_ARGN_(__VA_ARGS__,					\
	    CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, \
	    CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, \
	    CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, \
	    CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, \
	    CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_M_, \
	    CHECK_STR_M_, CHECK_STR_M_, CHECK_STR_B_, x)(__VA_ARGS__)

#define REQUIRE(...) do {						\
	if (!CHECK(__VA_ARGS__))					\
		exit(1);						\
} while (0)

/* Milliseconds on the monotonic clock. */
long	test_now_ms(void);

/* Sleep ms milliseconds. */
void	test_sleep_ms(long ms);

/*
 * Poll pred(arg) every few milliseconds until it returns non-zero (returns
 * 0) or deadline_ms elapse (returns -1).
 */
int	test_wait_until(int deadline_ms, int (*pred)(void *), void *arg);

#endif
