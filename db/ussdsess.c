/*
 * ussdsess.c: USSD menu sessions remembered across a restart (see
 * ussdsess.h). Must never: stop farold for a file it cannot write (a
 * session not remembered reads as before: logged by the caller once);
 * grow the file without bound.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "ussdsess.h"

#define USSDSESS_FILE "sessions"

struct ussdsess_entry {
	time_t at;			/* opened, wall clock */
	char id[USSDSESS_ID_MAX + 1];
};

struct ussdsess {
	char *path;			/* the file */
	FILE *f;			/* appending; NULL: not writable */
	struct ussdsess_entry *e;	/* a ring of USSDSESS_MAX */
	int n, next;
	int lines;			/* in the file */
};

static void
ussdsess_add(struct ussdsess *us, const char *id, time_t at)
{
	struct ussdsess_entry *x = &us->e[us->next];

	x->at = at;
	snprintf(x->id, sizeof x->id, "%s", id);
	us->next = (us->next + 1) % USSDSESS_MAX;
	if (us->n < USSDSESS_MAX)
		us->n++;
}

/* The file again, from memory, oldest first; then appended to. */
static void
ussdsess_rewrite(struct ussdsess *us)
{
	char *tmp = NULL;
	FILE *f;
	int i, k;

	if (us->f != NULL)
		fclose(us->f);
	us->f = NULL;
	if (asprintf(&tmp, "%s.tmp", us->path) == -1)
		return;
	if ((f = fopen(tmp, "w")) != NULL) {
		for (i = 0; i < us->n; i++) {
			k = (us->next - us->n + i + USSDSESS_MAX) %
			    USSDSESS_MAX;
			fprintf(f, "%lld %s\n", (long long)us->e[k].at,
			    us->e[k].id);
		}
		if (fclose(f) == 0 && rename(tmp, us->path) == 0)
			us->lines = us->n;
	}
	free(tmp);
	us->f = fopen(us->path, "a");
}

struct ussdsess *
ussdsess_open(const char *spool_dir, time_t now, char **cause)
{
	struct ussdsess *us;
	char *dir = NULL, line[USSDSESS_ID_MAX + 32], id[USSDSESS_ID_MAX + 1];
	long long at;
	FILE *f;
	int end;

	if ((us = calloc(1, sizeof *us)) == NULL ||
	    (us->e = calloc(USSDSESS_MAX, sizeof *us->e)) == NULL ||
	    asprintf(&dir, "%s/%s", spool_dir, USSDSESS_DIR) == -1 ||
	    asprintf(&us->path, "%s/%s", dir, USSDSESS_FILE) == -1) {
		if (us != NULL)
			free(us->e);
		free(us);
		free(dir);
		cause_set(cause, "out of memory");
		return NULL;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		cause_set(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		ussdsess_close(us);
		return NULL;
	}
	free(dir);
	if ((f = fopen(us->path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "%lld %64[A-Za-z0-9._:-]%n", &at, id,
			    &end) == 2 && line[end] == '\n' &&
			    now - at < USSDSESS_KEEP_S && at <= now + 60)
				ussdsess_add(us, id, (time_t)at);
		fclose(f);
	} else if (errno != ENOENT) {
		cause_set(cause, "%s: %s", us->path, strerror(errno));
		ussdsess_close(us);
		return NULL;
	}
	ussdsess_rewrite(us);
	if (us->f == NULL) {
		cause_set(cause, "%s: %s", us->path, strerror(errno));
		ussdsess_close(us);
		return NULL;
	}
	return us;
}

void
ussdsess_close(struct ussdsess *us)
{
	if (us == NULL)
		return;
	if (us->f != NULL)
		fclose(us->f);
	free(us->e);
	free(us->path);
	free(us);
}

void
ussdsess_note(struct ussdsess *us, const char *id, time_t now)
{
	ussdsess_add(us, id, now);
	if (us->lines >= 2 * USSDSESS_MAX)
		ussdsess_rewrite(us);
	if (us->f == NULL)
		return;
	fprintf(us->f, "%lld %s\n", (long long)now, id);
	fflush(us->f);
	us->lines++;
}

int
ussdsess_known(const struct ussdsess *us, const char *id, time_t now)
{
	for (int i = 0; i < us->n; i++)
		if (now - us->e[i].at < USSDSESS_KEEP_S &&
		    strcmp(us->e[i].id, id) == 0)
			return 1;
	return 0;
}

int
ussdsess_count(const struct ussdsess *us)
{
	return us->n;
}
