/*
 * check.h: the assertions of the parser unit tests.
 *
 * CHECK_STR prints got= and want= on failure; every failure is counted and
 * the test exits non-zero at the end (check_done), so one run shows all
 * failures of a table.
 */
#ifndef FAROL_CHECK_H
#define FAROL_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures, check_cases;

#define CHECK(cond, ...) do {						\
	check_cases++;							\
	if (!(cond)) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__,	\
		    #cond);						\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_STR(got, want, ...) do {					\
	check_cases++;							\
	if (strcmp((got), (want)) != 0) {				\
		check_failures++;					\
		fprintf(stderr, "%s:%d: FAIL ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n  got=  %s\n  want= %s\n", (got),	\
		    (want));						\
	}								\
} while (0)

static inline int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_cases,
	    check_failures);
	return check_failures == 0 ? 0 : 1;
}

#endif
