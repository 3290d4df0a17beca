/*
 * test_ussdsess.c: USSD menu sessions remembered across a restart
 * (db/ussdsess.c) on a real file system: a session noted is known after
 * a reopen; one older than USSDSESS_KEEP_S is not, and is dropped from
 * the file; a malformed line is skipped; the file is rewritten before it
 * grows past twice what memory keeps; the spool directory's scan leaves
 * the ussd directory alone. Run by `meson test --suite unit`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "spool_test.h"
#include "ussdsess.h"

static long
file_lines(const char *dir)
{
	char path[512], line[256];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/" USSDSESS_DIR "/sessions", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		n++;
	fclose(f);
	return n;
}

int
main(void)
{
	char *dir = test_tmpdir("ussdsess"), *cause = NULL, path[512], id[32];
	const time_t t0 = 1800000000;
	struct ussdsess *us;
	struct spool *sp;
	FILE *f;
	int i;

	REQUIRE((us = ussdsess_open(dir, t0, &cause)) != NULL, "open: %s",
	    cause);
	CHECK(!ussdsess_known(us, "s-1", t0), "nothing yet");
	ussdsess_note(us, "s-1", t0);
	ussdsess_note(us, "s-old", t0 - USSDSESS_KEEP_S);
	CHECK(ussdsess_known(us, "s-1", t0 + 10), "noted");
	CHECK(!ussdsess_known(us, "s-old", t0), "too old");
	ussdsess_close(us);

	/* A line a crash cut, and one that is no session. */
	snprintf(path, sizeof path, "%s/" USSDSESS_DIR "/sessions", dir);
	REQUIRE((f = fopen(path, "a")) != NULL, "append");
	fputs("1800000001 s-2\nxyz\n1800000002 bad/id\n18000", f);
	fclose(f);
	REQUIRE((us = ussdsess_open(dir, t0 + 60, &cause)) != NULL,
	    "reopen: %s", cause);
	CHECK(ussdsess_known(us, "s-1", t0 + 60), "s-1 after a restart");
	CHECK(ussdsess_known(us, "s-2", t0 + 60), "s-2 after a restart");
	CHECK(!ussdsess_known(us, "s-old", t0 + 60), "s-old forgotten");
	CHECK(!ussdsess_known(us, "bad/id", t0 + 60), "a bad id skipped");
	CHECK_INT(ussdsess_count(us), 2);
	CHECK_INT(file_lines(dir), 2);
	/* Past twice the memory's cap, the file is rewritten. */
	for (i = 0; i < 2 * USSDSESS_MAX + 10; i++) {
		snprintf(id, sizeof id, "m-%d", i);
		ussdsess_note(us, id, t0 + 60);
	}
	CHECK(file_lines(dir) <= 2 * USSDSESS_MAX, "bounded: %ld lines",
	    file_lines(dir));
	CHECK(ussdsess_known(us, id, t0 + 60), "the latest kept");
	CHECK(!ussdsess_known(us, "s-1", t0 + 60), "the oldest dropped");
	ussdsess_close(us);
	/* An hour later, nothing is remembered. */
	REQUIRE((us = ussdsess_open(dir, t0 + 60 + USSDSESS_KEEP_S, &cause))
	    != NULL, "reopen: %s", cause);
	CHECK_INT(ussdsess_count(us), 0);
	ussdsess_close(us);

	/* The spool's scan takes the directory for no record. */
	REQUIRE((sp = spool_open(dir, NULL, NULL, &cause)) != NULL,
	    "spool: %s", cause);
	CHECK_INT(spool_count(sp), 0);
	snprintf(path, sizeof path, "%s/corrupt", dir);
	CHECK(test_count(path, "") <= 0, "nothing set aside");
	CHECK_INT(file_lines(dir), 0);	/* still there, left alone */
	spool_close(sp);
	test_rmtree(dir);
	free(dir);
	return check_status();
}
