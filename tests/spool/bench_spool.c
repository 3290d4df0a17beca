/*
 * bench_spool.c: micro benchmark of the spool, run on demand (not a test):
 *   bench_spool [COUNT [DIR]]
 * Puts COUNT messages (default 500) of a typical size, each fsync'd, then
 * reads and removes them oldest first, as the replayer does, and prints
 * both rates. DIR (default: a new directory under the current one, so the
 * figure is that of the disk holding the build) must not exist yet or be
 * an empty spool; the benchmark removes what it created.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	static char		 text[] = "ALERTA SV SX U1 V2 MENOR bar perto do "
	    "porto, Mindelo; duas raparigas, uma de 15 anos, levadas numa "
	    "carrinha branca ontem à noite; o dono chama-se ... 🚨";
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], tmpl[] = "bench-spool.XXXXXX";
	char			 path[1024], *dir, *cause;
	double			 t0, t1, t2;
	long			 count = 500, i;
	int			 made = 0;

	if (argc > 1 && (count = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_spool [COUNT [DIR]]\n");
		return (2);
	}
	if (argc > 2) {
		dir = argv[2];
		made = access(dir, F_OK) == -1;	/* spool_open creates it */
	} else {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror("mkdtemp");
			return (1);
		}
		made = 1;
	}
	if ((sp = spool_open(dir, NULL, NULL, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return (1);
	}
	memset(&m, 0, sizeof m);
	snprintf(m.modem, sizeof m.modem, "cv1");
	snprintf(m.sender, sizeof m.sender, "+2389912345");
	snprintf(m.smsc_time, sizeof m.smsc_time, "2026-11-22 14:02:36+00:00");
	m.kind = INBOUND_TEXT;
	m.parts = m.parts_expected = 2;
	m.concat_ref = 17;
	m.text = text;

	t0 = now_s();
	for (i = 0; i < count; i++) {
		m.received_at = (int64_t)time(NULL);
		m.message_ref = (int)i;
		if (spool_put(sp, &m, id, &cause) == -1) {
			fprintf(stderr, "put %ld: %s\n", i, cause);
			return (1);
		}
	}
	t1 = now_s();
	for (i = 0; spool_next(sp, NULL, id) == 1; i++) {
		struct inbound_sms	got;

		if (spool_read(sp, id, &got, &cause) == -1 ||
		    spool_remove(sp, id, &cause) == -1) {
			fprintf(stderr, "%s: %s\n", id, cause);
			return (1);
		}
		inbound_sms_clear(&got);
	}
	t2 = now_s();
	spool_close(sp);
	printf("spool_put (write, fsync, rename, fsync dir): %ld in %.3f s = "
	    "%.0f files/s\n", count, t1 - t0, (double)count / (t1 - t0));
	printf("spool_read + spool_remove (fsync dir):       %ld in %.3f s = "
	    "%.0f files/s\n", i, t2 - t1, (double)i / (t2 - t1));
	snprintf(path, sizeof path, "%s/corrupt", dir);
	if (rmdir(path) == -1 || (made && rmdir(dir) == -1))
		fprintf(stderr, "cleanup %s: %s\n", dir, strerror(errno));
	return (0);
}
