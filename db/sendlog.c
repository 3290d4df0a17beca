/*
 * sendlog.c: modems' send results kept until recorded (see sendlog.h).
 *
 * A file <id>.res holds one result as text lines (db/spool.md, "Send
 * results"). Must never happen here: a result reported kept that a crash
 * can lose (every write is fsync'd, renamed into place, and the
 * directory fsync'd), a message text in a file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cause.h"
#include "sendlog.h"

#define SENDLOG_MAGIC "farol-result 1"
#define SENDLOG_SUFFIX ".res"
#define SENDLOG_TMP ".tmp"

struct sendlog {
	char *path;
	int dirfd;
	long test_delay_ms;	/* FAROL_TEST_RESULT_DELAY_MS; 0 in service */
	struct sendlog_entry *e;
	int n, cap;
};

static int
sendlog_index(const struct sendlog *sl, uint64_t id)
{
	for (int i = 0; i < sl->n; i++)
		if (sl->e[i].id == id)
			return i;
	return -1;
}

/* A cause may hold anything a modem said: one line, no control bytes. */
static void
sendlog_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20)
			*s = ' ';
}

static int
sendlog_parse(const char *buf, struct sendlog_entry *e)
{
	char modem[sizeof e->modem], cause[sizeof e->cause];
	unsigned long long id;
	int ok, ref, retry, used = 0;

	memset(e, 0, sizeof *e);
	modem[0] = cause[0] = '\0';
	if (sscanf(buf, SENDLOG_MAGIC "\nid %llu\nok %d\nref %d\nretry %d\n"
	    "modem %n", &id, &ok, &ref, &retry, &used) != 4 || used == 0)
		return -1;
	buf += used;
	if (sscanf(buf, "%31[^\n]", modem) == 1)
		buf += strlen(modem);
	if (strncmp(buf, "\ncause ", 7) != 0)
		return -1;
	buf += 7;
	if (sscanf(buf, "%159[^\n]", cause) == 1)
		buf += strlen(cause);
	if (strcmp(buf, "\nend\n") != 0)
		return -1;
	e->id = id;
	e->ok = ok != 0;
	e->message_ref = ref;
	e->retry_s = retry;
	snprintf(e->modem, sizeof e->modem, "%s", modem);
	snprintf(e->cause, sizeof e->cause, "%s", cause);
	return 0;
}

static int
sendlog_add(struct sendlog *sl, const struct sendlog_entry *e)
{
	struct sendlog_entry *ne;
	int i = sendlog_index(sl, e->id);

	if (i >= 0) {
		sl->e[i] = *e;
		return 0;
	}
	if (sl->n == sl->cap) {
		if ((ne = reallocarray(sl->e, sl->cap ? sl->cap * 2 : 16,
		    sizeof *ne)) == NULL)
			return -1;
		sl->e = ne;
		sl->cap = sl->cap ? sl->cap * 2 : 16;
	}
	sl->e[sl->n++] = *e;
	return 0;
}

static int
sendlog_load(struct sendlog *sl, const char *name, int *set_aside)
{
	struct sendlog_entry e;
	char buf[512], bad[300];
	ssize_t len;
	int fd;

	if ((fd = openat(sl->dirfd, name, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	if (sendlog_parse(buf, &e) == -1) {
		snprintf(bad, sizeof bad, "%s.bad", name);
		if (renameat(sl->dirfd, name, sl->dirfd, bad) == 0)
			fsync(sl->dirfd);
		if (set_aside != NULL)
			(*set_aside)++;
		return 0;
	}
	return sendlog_add(sl, &e);
}

struct sendlog *
sendlog_open(const char *spool_dir, int *set_aside, char **cause)
{
	struct sendlog *sl;
	struct dirent *de;
	const char *test;
	size_t len;
	DIR *d;
	int fd;

	if (set_aside != NULL)
		*set_aside = 0;
	if ((sl = calloc(1, sizeof *sl)) == NULL ||
	    asprintf(&sl->path, "%s/%s", spool_dir, SENDLOG_DIR) == -1) {
		free(sl);
		cause_set(cause, "out of memory");
		return NULL;
	}
	/* For the fault tests only: a disk (or a starved loop) this slow
	 * before each result's fsync, to widen the window a kill -9 hits
	 * (tests/integration/test_faults_send_kill.c). */
	if ((test = getenv("FAROL_TEST_RESULT_DELAY_MS")) != NULL)
		sl->test_delay_ms = strtol(test, NULL, 10);
	if (mkdir(sl->path, 0700) == -1 && errno != EEXIST)
		goto fail;
	if ((sl->dirfd = open(sl->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		goto fail;
	if ((fd = dup(sl->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		goto fail_fd;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > strlen(SENDLOG_TMP) && strcmp(de->d_name + len -
		    strlen(SENDLOG_TMP), SENDLOG_TMP) == 0) {
			/* Never renamed into place: never kept. */
			unlinkat(sl->dirfd, de->d_name, 0);
			continue;
		}
		if (len <= strlen(SENDLOG_SUFFIX) || strcmp(de->d_name + len -
		    strlen(SENDLOG_SUFFIX), SENDLOG_SUFFIX) != 0)
			continue;
		if (sendlog_load(sl, de->d_name, set_aside) == -1) {
			closedir(d);
			goto fail_fd;
		}
	}
	closedir(d);
	return sl;

fail_fd:
	cause_set(cause, "send results %s: %s", sl->path, strerror(errno));
	close(sl->dirfd);
	free(sl->e);
	free(sl->path);
	free(sl);
	return NULL;
fail:
	cause_set(cause, "send results %s: %s", sl->path, strerror(errno));
	free(sl->path);
	free(sl);
	return NULL;
}

int
sendlog_keep(struct sendlog *sl, const struct sendlog_entry *e,
    char **cause)
{
	struct sendlog_entry c = *e;
	struct timespec delay;
	char name[64], tmp[64], buf[512];
	int fd, len, err;

	sendlog_clean(c.modem);
	sendlog_clean(c.cause);
	snprintf(name, sizeof name, "%020" PRIu64 SENDLOG_SUFFIX, c.id);
	snprintf(tmp, sizeof tmp, "%020" PRIu64 SENDLOG_TMP, c.id);
	len = snprintf(buf, sizeof buf, SENDLOG_MAGIC "\nid %" PRIu64 "\n"
	    "ok %d\nref %d\nretry %d\nmodem %s\ncause %s\nend\n", c.id, c.ok,
	    c.message_ref, c.retry_s, c.modem, c.cause);
	if ((fd = openat(sl->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		goto fail;
	if (sl->test_delay_ms > 0) {
		delay.tv_sec = sl->test_delay_ms / 1000;
		delay.tv_nsec = sl->test_delay_ms % 1000 * 1000000L;
		nanosleep(&delay, NULL);
	}
	if (write(fd, buf, (size_t)len) != len || fsync(fd) == -1) {
		err = errno != 0 ? errno : EIO;
		close(fd);
		unlinkat(sl->dirfd, tmp, 0);
		errno = err;
		goto fail;
	}
	if (close(fd) == -1 || renameat(sl->dirfd, tmp, sl->dirfd, name) ==
	    -1) {
		err = errno;
		unlinkat(sl->dirfd, tmp, 0);
		errno = err;
		goto fail;
	}
	if (fsync(sl->dirfd) == -1)
		goto fail;
	if (sendlog_add(sl, &c) == -1) {
		errno = ENOMEM;
		goto fail;
	}
	return 0;
fail:
	cause_set(cause, "send results %s: result of outbox row %" PRIu64
	    " not kept: %s", sl->path, c.id, strerror(errno));
	return -1;
}

int
sendlog_forget(struct sendlog *sl, uint64_t id, char **cause)
{
	char name[64];
	int i = sendlog_index(sl, id);

	if (i < 0)
		return 0;
	snprintf(name, sizeof name, "%020" PRIu64 SENDLOG_SUFFIX, id);
	if (unlinkat(sl->dirfd, name, 0) == -1 && errno != ENOENT) {
		cause_set(cause, "send results %s: cannot remove %s: %s",
		    sl->path, name, strerror(errno));
		return -1;
	}
	/* Not fsync'd: a file back after a crash is recorded again,
	 * which changes nothing (farol_outbox_result acts on a row still
	 * `sending' only). */
	sl->e[i] = sl->e[--sl->n];
	return 0;
}

int
sendlog_count(const struct sendlog *sl)
{
	return sl != NULL ? sl->n : 0;
}

const struct sendlog_entry *
sendlog_get(const struct sendlog *sl, int i)
{
	return i >= 0 && i < sl->n ? &sl->e[i] : NULL;
}

const struct sendlog_entry *
sendlog_find(const struct sendlog *sl, uint64_t id)
{
	int i = sendlog_index(sl, id);

	return i >= 0 ? &sl->e[i] : NULL;
}

void
sendlog_close(struct sendlog *sl)
{
	if (sl == NULL)
		return;
	close(sl->dirfd);
	free(sl->e);
	free(sl->path);
	free(sl);
}
