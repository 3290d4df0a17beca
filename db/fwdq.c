/*
 * fwdq.c: spooled alerts' forwards and the reserved numbers (fwdq.h).
 *
 * Text files, one line per field; a forward's text is stored in hex (it
 * may hold any byte a focal point typed). Must never happen here: a
 * number handed out twice (it leaves the block on disk before it is
 * returned), a forward reported kept that a crash can lose.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cause.h"
#include "fwdq.h"

#define FWDQ_REFS "refs"
#define FWDQ_SUFFIX ".fwd"
#define FWDQ_TMP ".tmp"
#define FWDQ_LINE (2 * REPLY_MAX_BYTES + 256)

struct fwdq {
	char *path;
	int dirfd;
	struct fwdq_alert **a;	/* sorted by id */
	int n, cap;
	int64_t *refs;		/* ascending */
	int n_refs;
};

static const char *fwdq_states[] = { "queued", "sending", "submitted",
    "failed" };

const char *
fwdq_state_name(enum fwdq_state s)
{
	return s <= FWDQ_FAILED ? fwdq_states[s] : "?";
}

/* Write name durably from buf (temporary, fsync, rename, dir fsync). */
static int
fwdq_write(struct fwdq *q, const char *name, const char *buf, size_t len,
    char **cause)
{
	char tmp[128];
	int fd, err;

	snprintf(tmp, sizeof tmp, "%s" FWDQ_TMP, name);
	if ((fd = openat(q->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		goto fail;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) == -1) {
		err = errno != 0 ? errno : EIO;
		close(fd);
		unlinkat(q->dirfd, tmp, 0);
		errno = err;
		goto fail;
	}
	if (close(fd) == -1 || renameat(q->dirfd, tmp, q->dirfd, name) == -1) {
		err = errno;
		unlinkat(q->dirfd, tmp, 0);
		errno = err;
		goto fail;
	}
	if (fsync(q->dirfd) == -1)
		goto fail;
	return 0;
fail:
	cause_set(cause, "forwards %s: %s not written: %s", q->path, name,
	    strerror(errno));
	return -1;
}

static char *
fwdq_read(struct fwdq *q, const char *name)
{
	char *buf = NULL;
	struct stat st;
	ssize_t r;
	int fd;

	if ((fd = openat(q->dirfd, name, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size < 16 * 1024 * 1024 &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		r = read(fd, buf, (size_t)st.st_size);
		if (r != st.st_size) {
			free(buf);
			buf = NULL;
		} else
			buf[r] = '\0';
	}
	close(fd);
	return buf;
}

static void
fwdq_hex(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s != '\0'; s++) {
		*out++ = hex[(unsigned char)*s >> 4];
		*out++ = hex[(unsigned char)*s & 15];
	}
	*out = '\0';
}

static int
fwdq_unhex(const char *s, char *out, size_t size)
{
	unsigned int c;
	size_t n = 0;

	if (strcmp(s, "-") == 0)
		s = "";
	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		if (n + 1 >= size || sscanf(s, "%2x", &c) != 1 || c == 0)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return s[0] == '\0' ? 0 : -1;
}

static int
fwdq_encode(const struct fwdq_alert *a, char **out)
{
	char hex[2 * REPLY_MAX_BYTES];
	size_t len;
	FILE *f;

	if ((f = open_memstream(out, &len)) == NULL)
		return -1;
	fprintf(f, "farol-forwards 1\nspool %s\nkey %016" PRIx64 "\nref %"
	    PRId64 "\nurgency %d\n", a->id, a->key, a->ref, a->urgency);
	for (int i = 0; i < a->n; i++) {
		const struct fwdq_fwd *w = &a->f[i];

		fwdq_hex(w->text, hex);
		fprintf(f, "fwd %s %d %s %d %" PRId64 " %d %s %s %s\n",
		    fwdq_state_name(w->state), w->attempts,
		    w->modem[0] != '\0' ? w->modem : "-", w->message_ref,
		    w->submitted_at, w->rung, w->authority[0] != '\0' ?
		    w->authority : "-", w->recipient, hex[0] != '\0' ? hex :
		    "-");
	}
	fprintf(f, "end\n");
	if (fclose(f) != 0)
		return -1;
	return (int)len;
}

static int
fwdq_decode(char *buf, struct fwdq_alert *a)
{
	char *line, *next, st[16], modem[32], auth[32], rcpt[PHONE_E164_MAX];
	char *hex;
	struct fwdq_fwd *w;
	int ended = 0, k;

	memset(a, 0, sizeof *a);
	hex = malloc(FWDQ_LINE);
	if (hex == NULL || strncmp(buf, "farol-forwards 1\n", 17) != 0)
		goto bad;
	for (line = buf + 17; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			goto bad;
		*next++ = '\0';
		if (ended)
			goto bad;
		if (strcmp(line, "end") == 0)
			ended = 1;
		else if (sscanf(line, "spool %23s", a->id) == 1)
			continue;
		else if (sscanf(line, "ref %" SCNd64, &a->ref) == 1)
			continue;
		else if (sscanf(line, "key %" SCNx64, &a->key) == 1)
			continue;
		else if (sscanf(line, "urgency %d", &a->urgency) == 1)
			continue;
		else if (strncmp(line, "fwd ", 4) == 0 && a->n < FWDQ_MAX) {
			w = &a->f[a->n];
			if (sscanf(line, "fwd %15s %d %31s %d %" SCNd64 " %d %31s "
			    "%16s %s", st, &w->attempts, modem,
			    &w->message_ref, &w->submitted_at, &w->rung, auth,
			    rcpt, hex) != 9 ||
			    fwdq_unhex(hex, w->text, sizeof w->text) == -1)
				goto bad;
			for (k = 0; k <= FWDQ_FAILED; k++)
				if (strcmp(st, fwdq_states[k]) == 0)
					break;
			if (k > FWDQ_FAILED)
				goto bad;
			w->state = k;
			snprintf(w->modem, sizeof w->modem, "%s",
			    strcmp(modem, "-") == 0 ? "" : modem);
			snprintf(w->authority, sizeof w->authority, "%s",
			    strcmp(auth, "-") == 0 ? "" : auth);
			snprintf(w->recipient, sizeof w->recipient, "%s", rcpt);
			a->n++;
		} else
			goto bad;
	}
	free(hex);
	return ended && a->id[0] != '\0' ? 0 : -1;
bad:
	free(hex);
	return -1;
}

static int
fwdq_index(const struct fwdq *q, const char *id, int *found)
{
	int lo = 0, hi = q->n, mid, c;

	*found = 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(q->a[mid]->id, id)) == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
fwdq_insert(struct fwdq *q, const struct fwdq_alert *a)
{
	struct fwdq_alert **na, *c;
	int found, i = fwdq_index(q, a->id, &found);

	if (found) {
		if (q->a[i] != a)
			*q->a[i] = *a;
		return 0;
	}
	if (q->n == q->cap) {
		if ((na = reallocarray(q->a, q->cap ? q->cap * 2 : 64,
		    sizeof *na)) == NULL)
			return -1;
		q->a = na;
		q->cap = q->cap ? q->cap * 2 : 64;
	}
	if ((c = malloc(sizeof *c)) == NULL)
		return -1;
	*c = *a;
	memmove(&q->a[i + 1], &q->a[i], (q->n - i) * sizeof *q->a);
	q->a[i] = c;
	q->n++;
	return 0;
}

static int
fwdq_refs_write(struct fwdq *q, int from, char **cause)
{
	char *buf = NULL;
	size_t len;
	FILE *f;
	int rv;

	if ((f = open_memstream(&buf, &len)) == NULL) {
		cause_set(cause, "out of memory");
		return -1;
	}
	fprintf(f, "farol-refs 1\n");
	for (int i = from; i < q->n_refs; i++)
		fprintf(f, "%" PRId64 "\n", q->refs[i]);
	fprintf(f, "end\n");
	if (fclose(f) != 0) {
		free(buf);
		cause_set(cause, "out of memory");
		return -1;
	}
	rv = fwdq_write(q, FWDQ_REFS, buf, len, cause);
	free(buf);
	return rv;
}

static int
fwdq_refs_load(struct fwdq *q)
{
	char *buf = fwdq_read(q, FWDQ_REFS), *line, *next;
	int64_t v, *nr;

	if (buf == NULL)
		return errno == ENOENT ? 0 : -1;
	if (strncmp(buf, "farol-refs 1\n", 13) != 0 ||
	    strstr(buf, "\nend\n") == NULL) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	for (line = buf + 13; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (sscanf(line, "%" SCNd64, &v) != 1)
			break;
		if ((nr = reallocarray(q->refs, q->n_refs + 1, sizeof *nr)) ==
		    NULL) {
			free(buf);
			return -1;
		}
		q->refs = nr;
		q->refs[q->n_refs++] = v;
	}
	free(buf);
	return 0;
}

struct fwdq *
fwdq_open(const char *spool_dir, int *set_aside, char **cause)
{
	struct fwdq_alert *a = NULL;
	struct fwdq *q;
	struct dirent *de;
	char *buf, bad[300], **names = NULL, **nn;
	size_t len;
	DIR *d = NULL;
	int fd, changed, n_names = 0;

	*set_aside = 0;
	if ((q = calloc(1, sizeof *q)) == NULL ||
	    asprintf(&q->path, "%s/%s", spool_dir, FWDQ_DIR) == -1 ||
	    (a = malloc(sizeof *a)) == NULL) {
		if (q != NULL)
			free(q->path);
		free(q);
		cause_set(cause, "out of memory");
		return NULL;
	}
	q->dirfd = -1;
	if ((mkdir(q->path, 0700) == -1 && errno != EEXIST) ||
	    (q->dirfd = open(q->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1 || fwdq_refs_load(q) == -1)
		goto fail;
	if ((fd = dup(q->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		goto fail;
	}
	/* Collect first: renaming while reading a directory is
	 * unspecified. */
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if ((len > strlen(FWDQ_TMP) && strcmp(de->d_name + len -
		    strlen(FWDQ_TMP), FWDQ_TMP) == 0) ||
		    (len > strlen(FWDQ_SUFFIX) && strcmp(de->d_name + len -
		    strlen(FWDQ_SUFFIX), FWDQ_SUFFIX) == 0)) {
			if ((nn = reallocarray(names, n_names + 1,
			    sizeof *nn)) == NULL ||
			    (nn[n_names] = strdup(de->d_name)) == NULL) {
				if (nn != NULL)
					names = nn;
				errno = ENOMEM;
				goto fail;
			}
			names = nn;
			n_names++;
		}
	}
	for (int k = 0; k < n_names; k++) {
		len = strlen(names[k]);
		if (strcmp(names[k] + len - strlen(FWDQ_TMP), FWDQ_TMP) == 0) {
			unlinkat(q->dirfd, names[k], 0);	/* never kept */
			continue;
		}
		buf = fwdq_read(q, names[k]);
		if (buf == NULL || fwdq_decode(buf, a) == -1) {
			snprintf(bad, sizeof bad, "%s.bad", names[k]);
			renameat(q->dirfd, names[k], q->dirfd, bad);
			(*set_aside)++;
			free(buf);
			continue;
		}
		free(buf);
		/* Handed to a modem when farold stopped, no answer kept:
		 * sent again (db/spool.md, "Forwards"). */
		changed = 0;
		for (int i = 0; i < a->n; i++)
			if (a->f[i].state == FWDQ_SENDING) {
				a->f[i].state = FWDQ_QUEUED;
				changed = 1;
			}
		if ((changed ? fwdq_save(q, a, cause) : fwdq_insert(q, a)) ==
		    -1)
			goto fail_quiet;
	}
	closedir(d);
	for (int k = 0; k < n_names; k++)
		free(names[k]);
	free(names);
	free(a);
	return q;
fail:
	cause_set(cause, "forwards %s: %s", q->path, strerror(errno));
fail_quiet:
	if (d != NULL)
		closedir(d);
	for (int k = 0; k < n_names; k++)
		free(names[k]);
	free(names);
	free(a);
	fwdq_close(q);
	return NULL;
}

void
fwdq_close(struct fwdq *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < q->n; i++)
		free(q->a[i]);
	free(q->a);
	free(q->refs);
	if (q->dirfd != -1)
		close(q->dirfd);
	free(q->path);
	free(q);
}

int
fwdq_refs_count(const struct fwdq *q)
{
	return q != NULL ? q->n_refs : 0;
}

static int
fwdq_ref_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
fwdq_refs_add(struct fwdq *q, const int64_t *refs, int n, char **cause)
{
	int64_t *nr;

	if ((nr = reallocarray(q->refs, q->n_refs + n, sizeof *nr)) == NULL) {
		cause_set(cause, "out of memory");
		return -1;
	}
	q->refs = nr;
	memcpy(q->refs + q->n_refs, refs, n * sizeof *refs);
	q->n_refs += n;
	qsort(q->refs, q->n_refs, sizeof *q->refs, fwdq_ref_cmp);
	if (fwdq_refs_write(q, 0, cause) == -1) {
		/* Not kept: not used either (they are gaps, harmless). */
		q->n_refs -= n;
		return -1;
	}
	return 0;
}

void
fwdq_refs_copy(const struct fwdq *q, int64_t *refs, int n)
{
	memcpy(refs, q->refs, (n < q->n_refs ? n : q->n_refs) *
	    sizeof *refs);
}

int
fwdq_refs_keep(struct fwdq *q, const int64_t *keep, int n, char **cause)
{
	int kept = 0, dropped;

	if (q == NULL)
		return 0;
	for (int i = 0; i < q->n_refs; i++)
		if (bsearch(&q->refs[i], keep, n, sizeof *keep,
		    fwdq_ref_cmp) != NULL)
			q->refs[kept++] = q->refs[i];
	dropped = q->n_refs - kept;
	q->n_refs = kept;
	if (dropped > 0 && fwdq_refs_write(q, 0, cause) == -1)
		return -1;
	return dropped;
}

int64_t
fwdq_ref_take(struct fwdq *q, char **cause)
{
	int64_t ref;

	if (q == NULL || q->n_refs == 0)
		return -1;
	if (fwdq_refs_write(q, 1, cause) == -1)
		return -1;
	ref = q->refs[0];
	memmove(q->refs, q->refs + 1, (q->n_refs - 1) * sizeof *q->refs);
	q->n_refs--;
	return ref;
}

int
fwdq_save(struct fwdq *q, const struct fwdq_alert *a, char **cause)
{
	char name[64], *buf = NULL;
	int len, rv;

	snprintf(name, sizeof name, "%s" FWDQ_SUFFIX, a->id);
	if ((len = fwdq_encode(a, &buf)) < 0) {
		cause_set(cause, "out of memory");
		return -1;
	}
	rv = fwdq_write(q, name, buf, (size_t)len, cause);
	free(buf);
	if (rv == 0 && fwdq_insert(q, a) == -1) {
		cause_set(cause, "out of memory");
		return -1;
	}
	return rv;
}

int
fwdq_count(const struct fwdq *q)
{
	return q != NULL ? q->n : 0;
}

struct fwdq_alert *
fwdq_at(struct fwdq *q, int i)
{
	return i >= 0 && i < q->n ? q->a[i] : NULL;
}

struct fwdq_alert *
fwdq_find(struct fwdq *q, const char *id)
{
	int found, i;

	if (q == NULL)
		return NULL;
	i = fwdq_index(q, id, &found);
	return found ? q->a[i] : NULL;
}

static uint64_t
fwdq_fnv(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
fwdq_key(const char *sender, const char *smsc_time, int parts,
    int concat_ref, const char *text)
{
	char nums[32];
	uint64_t h = 0xcbf29ce484222325ULL;

	snprintf(nums, sizeof nums, "%d/%d", parts, concat_ref);
	h = fwdq_fnv(h, sender, strlen(sender) + 1);
	h = fwdq_fnv(h, smsc_time, strlen(smsc_time) + 1);
	h = fwdq_fnv(h, nums, strlen(nums) + 1);
	return fwdq_fnv(h, text, strlen(text));
}

struct fwdq_alert *
fwdq_find_key(struct fwdq *q, uint64_t key)
{
	for (int i = 0; q != NULL && i < q->n; i++)
		if (q->a[i]->key == key)
			return q->a[i];
	return NULL;
}

/* How many forwards of every record are in state. */
static int
fwdq_count_in(const struct fwdq *q, enum fwdq_state state)
{
	int n = 0;

	for (int i = 0; q != NULL && i < q->n; i++)
		for (int j = 0; j < q->a[i]->n; j++)
			n += q->a[i]->f[j].state == state;
	return n;
}

int
fwdq_queued(const struct fwdq *q)
{
	return fwdq_count_in(q, FWDQ_QUEUED);
}

int
fwdq_submitted(const struct fwdq *q)
{
	return fwdq_count_in(q, FWDQ_SUBMITTED);
}

int
fwdq_remove(struct fwdq *q, const char *id, char **cause)
{
	char name[64];
	int found, i = fwdq_index(q, id, &found);

	if (!found)
		return 0;
	snprintf(name, sizeof name, "%s" FWDQ_SUFFIX, id);
	if (unlinkat(q->dirfd, name, 0) == -1 && errno != ENOENT) {
		cause_set(cause, "forwards %s: cannot remove %s: %s", q->path,
		    name, strerror(errno));
		return -1;
	}
	/* Durable before the spool file goes: a forward file back after
	 * a crash, without its message, would be fed again. */
	if (fsync(q->dirfd) == -1) {
		cause_set(cause, "forwards %s: fsync: %s", q->path,
		    strerror(errno));
		return -1;
	}
	free(q->a[i]);
	memmove(&q->a[i], &q->a[i + 1], (q->n - i - 1) * sizeof *q->a);
	q->n--;
	return 0;
}
