/*
 * test_log.c: a line repeated in a tight loop is written a few times a
 * second, and what was held back is summed up (gateway/log.c). The log is
 * the behaviour under test here, so this test reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static int
count_lines(const char *path, const char *needle)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

int
main(void)
{
	char path[] = "/tmp/farol-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2), spun = 200000, written, summed;
	time_t start = time(NULL), end;

	REQUIRE(fd >= 0, "mkstemp");
	REQUIRE(freopen(path, "w", stderr) != NULL, "freopen");
	log_init("test_log", LOG_LEVEL_INFO);
	for (int i = 0; i < spun; i++) {
		log_error("Error from accept() call: Too many open files");
		if (i == spun / 2)
			log_info("another line, written at once");
	}
	end = time(NULL);
	while (time(NULL) == end)	/* the next second sums up */
		usleep(10000);
	log_info("done");
	fflush(stderr);
	dup2(saved, 2);		/* failures go to the real stderr */

	written = count_lines(path, "] error: Error from accept()");
	summed = count_lines(path, "last message repeated");
	CHECK(written >= 1 && written <= 5 * (int)(end - start + 1),
	    "%d lines of %d written in %lld s", written, spun,
	    (long long)(end - start + 1));
	CHECK(count_lines(path, "another line, written at once") == 1,
	    "a different line is not held back");
	CHECK(summed >= 1 && summed <= (int)(end - start + 1),
	    "%d summaries", summed);
	CHECK(count_lines(path, "] info: done") == 1, "the last line");
	unlink(path);
	return check_status();
}
