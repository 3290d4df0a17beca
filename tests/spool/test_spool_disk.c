/*
 * test_spool_disk.c: spool_put on a full disk. Unprivileged, a write
 * failure is made real with RLIMIT_FSIZE (write() fails with EFBIG once
 * SIGXFSZ is ignored); as root, a 64 KiB tmpfs in a private mount namespace
 * is filled until ENOSPC. Either way spool_put must return -1 with a cause
 * about disk space and leave no partial or temporary file; the spool keeps
 * working once space is back. Run by `meson test --suite unit`.
 */
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "spool_test.h"

static int
has(const char *s, const char *sub)
{
	return (s != NULL && strstr(s, sub) != NULL);
}

static void
big_sample(struct inbound_sms *m, int i, size_t len)
{
	test_sample(m, i);
	free(m->text);
	if ((m->text = malloc(len + 1)) == NULL)
		exit(1);
	memset(m->text, 'A' + i % 26, len);
	m->text[len] = '\0';
}

/* Every file left in dir is a whole, valid message: reopen and read all. */
static void
check_all_valid(const char *dir, int want, const char *when)
{
	struct inbound_sms	 m;
	struct test_events	 ev;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], prev[SPOOL_ID_MAX] = "";
	char			*cause;
	int			 n = 0;

	test_events_reset(&ev);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "%s: reopen: %s", when, cause);
	if (sp == NULL) {
		free(cause);
		return;
	}
	CHECK(ev.total == 0, "%s: reports at reopen got=%d want=0 (%s: %s)",
	    when, ev.total, ev.file, ev.reason);
	while (n <= want && spool_next(sp, prev, id) == 1) {
		CHECK(spool_read(sp, id, &m, &cause) == 0, "%s: read %s: %s",
		    when, id, cause);
		free(cause);
		inbound_sms_clear(&m);
		snprintf(prev, sizeof prev, "%s", id);
		n++;
	}
	CHECK(n == want, "%s: messages got=%d want=%d", when, n, want);
	spool_close(sp);
}

/* RLIMIT_FSIZE: the file size limit stops the write part-way. */
static void
test_fsize_limit(void)
{
	static const rlim_t	 limits[] = { 0, 1, 100, 4096, 8000 };
	struct inbound_sms	 m;
	struct spool		*sp;
	struct rlimit		 saved, lim;
	char			 id[SPOOL_ID_MAX], *dir, *cause;
	size_t			 i;
	int			 rv, stored = 0;

	if (getrlimit(RLIMIT_FSIZE, &saved) == -1) {
		CHECK(0, "getrlimit: %s", strerror(errno));
		return;
	}
	signal(SIGXFSZ, SIG_IGN);
	dir = test_tmpdir("spool-fsize");
	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	big_sample(&m, 0, 10240);
	for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		lim = saved;
		lim.rlim_cur = limits[i];
		if (setrlimit(RLIMIT_FSIZE, &lim) == -1) {
			CHECK(0, "setrlimit %ju: %s", (uintmax_t)limits[i],
			    strerror(errno));
			continue;
		}
		rv = spool_put(sp, &m, id, &cause);
		setrlimit(RLIMIT_FSIZE, &saved);
		CHECK(rv == -1, "limit %ju: spool_put got=%d want=-1",
		    (uintmax_t)limits[i], rv);
		CHECK(has(cause, "out of disk space") &&
		    has(cause, "size limit"), "limit %ju: cause got=\"%s\" "
		    "want out of disk space, size limit", (uintmax_t)limits[i],
		    cause);
		free(cause);
		CHECK(test_count(dir, "") == stored, "limit %ju: files got=%d "
		    "want=%d (no partial file)", (uintmax_t)limits[i],
		    test_count(dir, ""), stored);
		CHECK(spool_count(sp) == stored, "limit %ju: count got=%d "
		    "want=%d", (uintmax_t)limits[i], spool_count(sp), stored);
		/* Space back: the spool works again. */
		rv = spool_put(sp, &m, id, &cause);
		CHECK(rv == 0, "limit %ju lifted: spool_put: %s",
		    (uintmax_t)limits[i], cause);
		free(cause);
		stored += rv == 0;
	}
	free(m.text);
	spool_close(sp);
	check_all_valid(dir, stored, "after size limits");
out:
	test_rmtree(dir);
	free(dir);
}

/* Fill a 64 KiB tmpfs at mnt. Runs in a child with its own mount
 * namespace, so the mount vanishes with it whatever happens. */
static int
tmpfs_child(const char *mnt)
{
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], dir[512], *cause = NULL;
	int			 i, rv = 0, stored = 0;

	if (unshare(CLONE_NEWNS) == -1) {
		printf("SKIP tmpfs case: unshare(CLONE_NEWNS): %s (needs "
		    "CAP_SYS_ADMIN)\n", strerror(errno));
		return (77);
	}
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("farol-test", mnt, "tmpfs", MS_NOSUID | MS_NODEV,
	    "size=64k,mode=0700") == -1) {
		printf("SKIP tmpfs case: mount tmpfs on %s: %s\n", mnt,
		    strerror(errno));
		return (77);
	}
	snprintf(dir, sizeof dir, "%s/spool", mnt);
	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "spool_open on tmpfs: %s", cause);
	if (sp == NULL)
		return (1);
	for (i = 0; i < 64; i++) {
		big_sample(&m, i, 10000);
		rv = spool_put(sp, &m, id, &cause);
		free(m.text);
		if (rv == -1)
			break;
		stored++;
	}
	CHECK(rv == -1, "64 puts of 10 KB on a 64 KiB tmpfs all succeeded");
	CHECK(stored > 0, "no put succeeded before the disk filled (%s)",
	    cause);
	CHECK(has(cause, "out of disk space") && has(cause, "disk is full"),
	    "cause got=\"%s\" want \"out of disk space ... disk is full\"",
	    cause);
	printf("tmpfs: %d messages stored, then: %s\n", stored, cause);
	free(cause);
	CHECK(test_count(dir, "tmp.") == 0, "temporaries left got=%d want=0",
	    test_count(dir, "tmp."));
	CHECK(test_count(dir, "") == stored, "files got=%d want=%d",
	    test_count(dir, ""), stored);
	CHECK(spool_count(sp) == stored, "count got=%d want=%d",
	    spool_count(sp), stored);

	/* Still full: fails again, cleanly. */
	big_sample(&m, 99, 10000);
	rv = spool_put(sp, &m, id, &cause);
	CHECK(rv == -1 && test_count(dir, "") == stored, "second put on a "
	    "full disk got=%d files=%d want=-1 files=%d", rv,
	    test_count(dir, ""), stored);
	free(cause);

	/* Free one: the next put fits. */
	if (spool_next(sp, NULL, id) == 1) {
		CHECK(spool_remove(sp, id, &cause) == 0, "remove: %s", cause);
		free(cause);
	}
	rv = spool_put(sp, &m, id, &cause);
	CHECK(rv == 0, "put after freeing space: %s", cause);
	free(cause);
	free(m.text);
	spool_close(sp);
	check_all_valid(dir, stored, "tmpfs after filling");
	return (test_failures != 0);
}

static void
test_tmpfs(void)
{
	pid_t	 pid;
	char	*mnt;
	int	 status;

	if (geteuid() != 0) {
		printf("SKIP tmpfs case: not root (mounting a tmpfs needs "
		    "CAP_SYS_ADMIN); the RLIMIT_FSIZE case covers a write "
		    "failure\n");
		return;
	}
	mnt = test_tmpdir("spool-tmpfs");
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		CHECK(0, "fork: %s", strerror(errno));
	} else if (pid == 0) {
		status = tmpfs_child(mnt);
		free(mnt);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	} else if (waitpid(pid, &status, 0) == -1) {
		CHECK(0, "waitpid: %s", strerror(errno));
	} else {
		CHECK(WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
		    WEXITSTATUS(status) == 77), "tmpfs child: status %d",
		    status);
	}
	test_rmtree(mnt);
	free(mnt);
}

int
main(void)
{
	int	before;

	before = test_failures;
	test_fsize_limit();
	printf("%s fsize_limit\n", test_failures == before ? "ok  " : "FAIL");
	before = test_failures;
	test_tmpfs();
	printf("%s tmpfs\n", test_failures == before ? "ok  " : "FAIL");
	if (test_failures != 0) {
		fprintf(stderr, "%d check(s) failed\n", test_failures);
		return (1);
	}
	return (0);
}
