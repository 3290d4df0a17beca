/*
 * check.h: the assertions and polling helper every test uses.
 *
 * CHECK(cond, fmt, ...) records a failure with file:line, the condition and
 * a got=/want= message and lets the test go on; REQUIRE() does the same and
 * exits (atexit handlers, such as pgcluster's, still clean up). A test's
 * main() ends with `return check_status();`.
 *
 * test_wait_until() polls a predicate until it holds or a deadline passes:
 * tests wait for readiness this way, never with a fixed sleep.
 */
#ifndef FAROL_TESTS_CHECK_H
#define FAROL_TESTS_CHECK_H

#include <stdlib.h>

void	check_fail(const char *file, int line, const char *expr,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	check_failures(void);
int	check_status(void);

#define CHECK(cond, ...) \
	((cond) ? 1 : (check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__), 0))

#define REQUIRE(cond, ...) do {						\
	if (!(cond)) {							\
		check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
		exit(1);						\
	}								\
} while (0)

/* Milliseconds on the monotonic clock. */
long	test_now_ms(void);

/*
 * Poll pred(arg) every few milliseconds until it returns non-zero (returns
 * 0) or deadline_ms elapse (returns -1).
 */
int	test_wait_until(int deadline_ms, int (*pred)(void *), void *arg);

#endif
