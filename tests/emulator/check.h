/*
 * check.h: the CHECK macros of the emulator's tests. A failed check
 * prints file:line, the expression and got=/want=, and counts a failure;
 * the test's main() returns non-zero when any check failed.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__,	\
		    #cond);						\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_) {							\
		fprintf(stderr, "%s:%d: FAIL %s: got=%lld want=%lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ == NULL || strcmp(g_, w_) != 0) {			\
		fprintf(stderr, "%s:%d: FAIL %s: got=\"%s\" want=\"%s\"\n",\
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_);	\
		check_failures++;					\
	}								\
} while (0)

#endif /* CHECK_H */
