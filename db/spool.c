/*
 * spool.c: the local spool, one durable file per received message, for when
 * PostgreSQL is unreachable (the format is in db/spool.md).
 *
 * Called from the main loop's thread: the inbox puts a message here when the
 * database cannot take it, and the replayer reads, commits and removes the
 * oldest one at a time when the database is back. Files are written the
 * Postfix way (temporary file, fsync, rename, fsync of the directory).
 *
 * What must never happen here: a message reported durable that is not on
 * disk; a torn or corrupt file returned as a message; any spool file deleted
 * except by spool_remove (corrupt ones are moved to corrupt/, temporaries of
 * a spool_put that never returned 0 are the only files removed by us).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cause.h"
#include "fwdq.h"
#include "sendlog.h"
#include "spool.h"
#include "ussdsess.h"

#define SPOOL_MAGIC		"FAROLSPL"
#define SPOOL_MAGIC_LEN		8
#define SPOOL_VERSION		1
#define SPOOL_FILE_MAX		(SPOOL_TEXT_MAX + 4096)
#define SPOOL_SEQ_DIGITS	20
#define SPOOL_SUFFIX		".msg"
#define SPOOL_TMP_PREFIX	"tmp."
#define SPOOL_CORRUPT		"corrupt"
#define SPOOL_NAME_MAX		64
#define SPOOL_REASON_MAX	256

/* Record types. Bit 0x20 set (a lower-case letter) marks a record a reader
 * may skip when it does not know it; any other unknown type makes the file
 * unreadable for this version. */
#define REC_HEADER		'H'
#define REC_MODEM		'M'
#define REC_SENDER		'F'
#define REC_SMSC_TIME		'T'
#define REC_RECEIVED_AT		'R'
#define REC_KIND		'K'
#define REC_PARTS		'P'
#define REC_PARTS_EXPECTED	'E'
#define REC_CONCAT_REF		'C'
#define REC_MESSAGE_REF		'N'
#define REC_TEXT		'X'
#define REC_END			'Z'
#define REC_SESSION		's'	/* optional: older files lack it */
#define REC_PIN_VERDICT		'p'	/* optional: older files lack it */
#define REC_OPTIONAL		0x20
#define REC_HEAD_LEN		5	/* type, 4-byte big-endian length */

/* FT_KIND: enum inbound_kind, written as its name ("sms"), as the files
 * of farol before the enum held a string. */
enum spool_ftype { FT_STRING, FT_INT32, FT_INT64, FT_TEXT, FT_KIND };
#define SPOOL_KIND_MAX		16	/* a kind's name, NUL included */

_Static_assert(sizeof(time_t) == sizeof(int64_t),
    "received_at is written as 8 bytes");

struct spool_field {
	uint8_t		 type;
	const char	*name;
	enum spool_ftype ftype;
	size_t		 off;
	size_t		 size;	/* FT_STRING: size of the array */
};

#define FIELD(t, n, ft, m) \
	{ t, n, ft, offsetof(struct inbound_sms, m), \
	  sizeof(((struct inbound_sms *)0)->m) }

/* Every field is written, in this order; every field is required but
 * the optional ones (REC_OPTIONAL). */
static const struct spool_field spool_fields[] = {
	FIELD(REC_MODEM, "modem", FT_STRING, modem),
	FIELD(REC_SENDER, "sender", FT_STRING, sender),
	FIELD(REC_SMSC_TIME, "smsc_time", FT_STRING, smsc_time),
	FIELD(REC_RECEIVED_AT, "received_at", FT_INT64, received_at),
	FIELD(REC_KIND, "kind", FT_KIND, kind),
	FIELD(REC_PARTS, "parts", FT_INT32, parts),
	FIELD(REC_PARTS_EXPECTED, "parts_expected", FT_INT32, parts_expected),
	FIELD(REC_CONCAT_REF, "concat_ref", FT_INT32, concat_ref),
	FIELD(REC_MESSAGE_REF, "message_ref", FT_INT32, message_ref),
	FIELD(REC_SESSION, "session", FT_STRING, session),
	FIELD(REC_PIN_VERDICT, "pin_verdict", FT_INT32, pin_verdict),
	FIELD(REC_TEXT, "text", FT_TEXT, text),
};
#define SPOOL_NFIELDS (sizeof spool_fields / sizeof spool_fields[0])

struct spool {
	char		*path;
	int		 dirfd;		/* locked with flock */
	int		 corruptfd;
	uint64_t	 last_seq;	/* highest sequence ever seen or used */
	uint64_t	*seqs;		/* index, ascending = arrival order */
	size_t		 n;
	size_t		 cap;
	spool_report_cb	 report;
	void		*arg;
};

struct spool_buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
};

enum spool_load {
	LOAD_OK,
	LOAD_CORRUPT,	/* *cause says why; the file must be set aside */
	LOAD_MISSING,
	LOAD_ERROR,	/* transient (I/O, memory): *cause says why */
};

static void spool_report(struct spool *, enum spool_event, const char *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static void
spool_report(struct spool *sp, enum spool_event ev, const char *file,
    const char *fmt, ...)
{
	char	reason[SPOOL_REASON_MAX * 2];
	va_list	ap;

	if (sp->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	sp->report(ev, file, reason, sp->arg);
}

/* CRC-32 (IEEE 802.3, reflected, as zlib and PNG): bitwise, no table; the
 * files are small and the fsync dominates. */
static uint32_t
spool_crc32(const uint8_t *p, size_t len)
{
	uint32_t	crc = 0xffffffffu;
	size_t		i;
	int		k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return (crc ^ 0xffffffffu);
}

static uint32_t
spool_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static uint64_t
spool_get64(const uint8_t *p)
{
	return ((uint64_t)spool_get32(p) << 32 | spool_get32(p + 4));
}

static void
spool_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int
spool_buf_add(struct spool_buf *b, const void *data, size_t len)
{
	uint8_t	*np;
	size_t	 ncap;

	if (b->len + len > b->cap) {
		ncap = b->cap ? b->cap : 512;
		while (ncap < b->len + len)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return (-1);
		b->p = np;
		b->cap = ncap;
	}
	if (len != 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return (0);
}

static int
spool_buf_record(struct spool_buf *b, uint8_t type, const void *data,
    size_t len)
{
	uint8_t	head[REC_HEAD_LEN];

	head[0] = type;
	spool_put32(head + 1, (uint32_t)len);
	if (spool_buf_add(b, head, sizeof head) == -1)
		return (-1);
	return (spool_buf_add(b, data, len));
}

/* Serialise msg into b. Returns -1 with *cause if msg is invalid. */
static int
spool_encode(const struct inbound_sms *msg, struct spool_buf *b,
    char **cause)
{
	const struct spool_field	*f;
	const char			*field, *text;
	enum inbound_kind		 kind;
	uint8_t				 v[SPOOL_MAGIC_LEN + 2];
	uint64_t			 u;
	size_t				 i, len;

	if (msg->pin_verdict < 0 || msg->pin_verdict >= INBOUND_PINS) {
		cause_set(cause, "message refused: unknown pin_verdict %d",
		    msg->pin_verdict);
		return (-1);
	}
	memcpy(v, SPOOL_MAGIC, SPOOL_MAGIC_LEN);
	v[SPOOL_MAGIC_LEN] = SPOOL_VERSION >> 8;
	v[SPOOL_MAGIC_LEN + 1] = SPOOL_VERSION & 0xff;
	if (spool_buf_record(b, REC_HEADER, v, sizeof v) == -1)
		goto nomem;
	for (i = 0; i < SPOOL_NFIELDS; i++) {
		f = &spool_fields[i];
		field = (const char *)msg + f->off;
		switch (f->ftype) {
		case FT_STRING:
			len = strnlen(field, f->size);
			if (len == f->size) {
				cause_set(cause, "message refused: field %s "
				    "is not NUL-terminated", f->name);
				return (-1);
			}
			if (spool_buf_record(b, f->type, field, len) == -1)
				goto nomem;
			break;
		case FT_INT32:
			spool_put32(v, (uint32_t)*(const int *)field);
			if (spool_buf_record(b, f->type, v, 4) == -1)
				goto nomem;
			break;
		case FT_INT64:
			u = (uint64_t)*(const int64_t *)field;
			spool_put32(v, u >> 32);
			spool_put32(v + 4, (uint32_t)u);
			if (spool_buf_record(b, f->type, v, 8) == -1)
				goto nomem;
			break;
		case FT_TEXT:
			text = *(char *const *)field;
			if (text == NULL)
				text = "";
			len = strlen(text);
			if (len > SPOOL_TEXT_MAX) {
				cause_set(cause, "message refused: text of "
				    "%zu bytes, the spool takes at most %d",
				    len, SPOOL_TEXT_MAX);
				return (-1);
			}
			if (spool_buf_record(b, f->type, text, len) == -1)
				goto nomem;
			break;
		case FT_KIND:
			kind = *(const enum inbound_kind *)field;
			if ((text = inbound_kind_name(kind)) == NULL) {
				cause_set(cause, "message refused: unknown "
				    "kind %d", (int)kind);
				return (-1);
			}
			if (spool_buf_record(b, f->type, text,
			    strlen(text)) == -1)
				goto nomem;
			break;
		}
	}
	spool_put32(v, spool_crc32(b->p, b->len));
	if (spool_buf_record(b, REC_END, v, 4) == -1)
		goto nomem;
	return (0);
nomem:
	cause_set(cause, "message not stored: out of memory");
	return (-1);
}

/*
 * Pass one over a file: the header comes first, every record fits, an END
 * record closes the file, its CRC matches, nothing follows it. (Long, but
 * one straight list of checks, each with its own reason.)
 */
static int
spool_check_frame(const uint8_t *d, size_t len, char **cause)
{
	size_t		off = 0, left;
	uint32_t	rlen, want, got;
	unsigned	version;
	uint8_t		type;

	if (len == 0) {
		cause_set(cause, "empty file");
		return (-1);
	}
	while (off < len) {
		left = len - off;
		type = d[off];
		if (off == 0 && type != REC_HEADER) {
			cause_set(cause, "not a spool file (no header "
			    "record)");
			return (-1);
		}
		if (left < REC_HEAD_LEN) {
			cause_set(cause, "truncated: record at offset "
			    "%zu cut inside its type and length", off);
			return (-1);
		}
		rlen = spool_get32(d + off + 1);
		if (rlen > left - REC_HEAD_LEN) {
			cause_set(cause, "truncated: record '%c' at "
			    "offset %zu declares %" PRIu32 " bytes, %zu present",
			    type >= 0x20 && type < 0x7f ? type : '?', off,
			    rlen, left - REC_HEAD_LEN);
			return (-1);
		}
		if (off == 0) {
			if (rlen != SPOOL_MAGIC_LEN + 2 || memcmp(d +
			    REC_HEAD_LEN, SPOOL_MAGIC, SPOOL_MAGIC_LEN) != 0) {
				cause_set(cause, "not a spool file "
				    "(bad magic)");
				return (-1);
			}
			version = (unsigned)d[REC_HEAD_LEN + SPOOL_MAGIC_LEN]
			    << 8 | d[REC_HEAD_LEN + SPOOL_MAGIC_LEN + 1];
			if (version != SPOOL_VERSION) {
				cause_set(cause, "format version %u, "
				    "this farol reads version %d (a newer "
				    "farol wrote it, or the header is "
				    "damaged)", version, SPOOL_VERSION);
				return (-1);
			}
		}
		if (type == REC_END) {
			if (rlen != 4) {
				cause_set(cause, "END record at offset "
				    "%zu has length %" PRIu32 ", not 4", off,
				    rlen);
				return (-1);
			}
			want = spool_get32(d + off + REC_HEAD_LEN);
			got = spool_crc32(d, off);
			if (want != got) {
				cause_set(cause, "checksum mismatch: "
				    "END says %08" PRIx32 ", content has %08"
				    PRIx32, want, got);
				return (-1);
			}
			off += REC_HEAD_LEN + 4;
			if (off != len) {
				cause_set(cause, "%zu bytes after the "
				    "END record", len - off);
				return (-1);
			}
			return (0);
		}
		off += REC_HEAD_LEN + rlen;
	}
	cause_set(cause, "truncated: no END record");
	return (-1);
}

static const struct spool_field *
spool_field_find(uint8_t type)
{
	size_t	i;

	for (i = 0; i < SPOOL_NFIELDS; i++) {
		if (spool_fields[i].type == type)
			return (&spool_fields[i]);
	}
	return (NULL);
}

/* Pass two: the fields, each once, each the right size. d was framed.
 * Table driven over spool_fields; long only for its list of reasons. */
static int
spool_decode(const uint8_t *d, size_t len, struct inbound_sms *out,
    char **cause)
{
	const struct spool_field	*f;
	char				*field, *text, kind[SPOOL_KIND_MAX];
	int				 seen[SPOOL_NFIELDS] = { 0 };
	size_t				 off, i;
	uint32_t			 rlen;
	uint8_t				 type;

	memset(out, 0, sizeof *out);
	off = REC_HEAD_LEN + SPOOL_MAGIC_LEN + 2;
	for (; off < len; off += REC_HEAD_LEN + rlen) {
		type = d[off];
		rlen = spool_get32(d + off + 1);
		if (type == REC_END)
			break;
		if (type == REC_HEADER) {
			cause_set(cause, "second header record at "
			    "offset %zu", off);
			goto bad;
		}
		if ((f = spool_field_find(type)) == NULL) {
			if (type & REC_OPTIONAL)
				continue;
			cause_set(cause, "unknown record type 0x%02x "
			    "at offset %zu (written by a newer farol?)", type,
			    off);
			goto bad;
		}
		i = (size_t)(f - spool_fields);
		if (seen[i]++) {
			cause_set(cause, "field %s appears twice",
			    f->name);
			goto bad;
		}
		field = (char *)out + f->off;
		switch (f->ftype) {
		case FT_STRING:
		case FT_TEXT:
		case FT_KIND:
			if (f->ftype == FT_STRING ? rlen >= f->size :
			    f->ftype == FT_KIND ? rlen >= SPOOL_KIND_MAX :
			    rlen > SPOOL_TEXT_MAX) {
				cause_set(cause, "field %s too long "
				    "(%" PRIu32 " bytes)", f->name, rlen);
				goto bad;
			}
			if (memchr(d + off + REC_HEAD_LEN, '\0', rlen)) {
				cause_set(cause, "field %s contains "
				    "a NUL byte", f->name);
				goto bad;
			}
			if (f->ftype == FT_TEXT) {
				if ((text = malloc(rlen + 1)) == NULL) {
					cause_set(cause, "out of memory");
					inbound_sms_clear(out);
					return (-2);
				}
				out->text = field = text;
			} else if (f->ftype == FT_KIND)
				field = kind;
			memcpy(field, d + off + REC_HEAD_LEN, rlen);
			field[rlen] = '\0';
			if (f->ftype == FT_KIND &&
			    inbound_kind_from_name(kind, &out->kind) == -1) {
				cause_set(cause, "unknown kind '%s'",
				    kind);
				goto bad;
			}
			break;
		case FT_INT32:
		case FT_INT64:
			if (rlen != (f->ftype == FT_INT32 ? 4u : 8u)) {
				cause_set(cause, "field %s has %" PRIu32
				    " bytes, not %d", f->name, rlen,
				    f->ftype == FT_INT32 ? 4 : 8);
				goto bad;
			}
			if (f->ftype == FT_INT32)
				*(int *)field = (int32_t)spool_get32(d + off +
				    REC_HEAD_LEN);
			else
				*(int64_t *)field = (int64_t)spool_get64(d +
				    off + REC_HEAD_LEN);
			break;
		}
	}
	for (i = 0; i < SPOOL_NFIELDS; i++) {
		if (!seen[i] && !(spool_fields[i].type & REC_OPTIONAL)) {
			cause_set(cause, "field %s missing",
			    spool_fields[i].name);
			goto bad;
		}
	}
	/* Absent (an older file): 0, the text as typed, checked again. */
	if (out->pin_verdict < 0 || out->pin_verdict >= INBOUND_PINS) {
		cause_set(cause, "unknown pin_verdict %d", out->pin_verdict);
		goto bad;
	}
	return (0);
bad:
	inbound_sms_clear(out);
	return (-1);
}

static void
spool_name(char *name, size_t size, const char *prefix, uint64_t seq,
    const char *suffix)
{
	snprintf(name, size, "%s%0*" PRIu64 "%s", prefix, SPOOL_SEQ_DIGITS,
	    seq, suffix);
}

/* Parse exactly SPOOL_SEQ_DIGITS digits followed by suffix. */
static int
spool_parse_seq(const char *s, const char *suffix, uint64_t *seq)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < SPOOL_SEQ_DIGITS; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (v > (UINT64_MAX - (unsigned)(s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (strcmp(s + SPOOL_SEQ_DIGITS, suffix) != 0)
		return (-1);
	*seq = v;
	return (0);
}

/* Read and check one spool file. On LOAD_OK out is filled (caller clears);
 * on LOAD_CORRUPT and LOAD_ERROR *cause says why (cause.h). */
static enum spool_load
spool_load(struct spool *sp, const char *name, struct inbound_sms *out,
    char **cause)
{
	struct stat	 st;
	uint8_t		*d;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rv;

	memset(out, 0, sizeof *out);
	fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			return (LOAD_MISSING);
		if (errno == ELOOP) {
			cause_set(cause, "a symbolic link, not a file");
			return (LOAD_CORRUPT);
		}
		cause_set(cause, "%s", strerror(errno));
		return (LOAD_ERROR);
	}
	if (fstat(fd, &st) == -1) {
		cause_set(cause, "%s", strerror(errno));
		close(fd);
		return (LOAD_ERROR);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		cause_set(cause, "not a regular file");
		return (LOAD_CORRUPT);
	}
	if (st.st_size > SPOOL_FILE_MAX) {
		close(fd);
		cause_set(cause, "%jd bytes, larger than any spool "
		    "file", (intmax_t)st.st_size);
		return (LOAD_CORRUPT);
	}
	if ((d = malloc((size_t)st.st_size + 1)) == NULL) {
		cause_set(cause, "out of memory");
		close(fd);
		return (LOAD_ERROR);
	}
	while (len < (size_t)st.st_size + 1) {
		r = read(fd, d + len, (size_t)st.st_size + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			cause_set(cause, "%s", strerror(errno));
			free(d);
			close(fd);
			return (LOAD_ERROR);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (spool_check_frame(d, len, cause) == -1) {
		free(d);
		return (LOAD_CORRUPT);
	}
	rv = spool_decode(d, len, out, cause);
	free(d);
	if (rv == -2)
		return (LOAD_ERROR);	/* out of memory, said in *cause */
	return (rv == 0 ? LOAD_OK : LOAD_CORRUPT);
}

/* Move name to corrupt/ (under a free name) and report it. */
static void
spool_move_aside(struct spool *sp, const char *name, const char *reason)
{
	struct stat	st;
	char		target[SPOOL_NAME_MAX + 16];
	int		i;

	snprintf(target, sizeof target, "%s", name);
	for (i = 1; fstatat(sp->corruptfd, target, &st,
	    AT_SYMLINK_NOFOLLOW) == 0; i++)
		snprintf(target, sizeof target, "%s.%d", name, i);
	if (errno != ENOENT ||
	    renameat(sp->dirfd, name, sp->corruptfd, target) == -1) {
		spool_report(sp, SPOOL_EVENT_NOT_MOVED, name, "%s; could not "
		    "move it to %s/: %s; left in place and never replayed",
		    reason, SPOOL_CORRUPT, strerror(errno));
		return;
	}
	if (fsync(sp->corruptfd) == -1 || fsync(sp->dirfd) == -1) {
		spool_report(sp, SPOOL_EVENT_MOVED_ASIDE, name, "%s; moved to "
		    "%s/%s (but fsync failed: %s)", reason, SPOOL_CORRUPT,
		    target, strerror(errno));
		return;
	}
	spool_report(sp, SPOOL_EVENT_MOVED_ASIDE, name, "%s; moved to %s/%s",
	    reason, SPOOL_CORRUPT, target);
}

static size_t
spool_index_find(const struct spool *sp, uint64_t seq)
{
	size_t	lo = 0, hi = sp->n, mid;

	/* first position whose seq >= seq */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sp->seqs[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static int
spool_index_grow(struct spool *sp)
{
	uint64_t	*ns;
	size_t		 ncap;

	if (sp->n < sp->cap)
		return (0);
	ncap = sp->cap ? sp->cap * 2 : 64;
	if ((ns = reallocarray(sp->seqs, ncap, sizeof *ns)) == NULL)
		return (-1);
	sp->seqs = ns;
	sp->cap = ncap;
	return (0);
}

static void
spool_index_drop(struct spool *sp, uint64_t seq)
{
	size_t	i;

	i = spool_index_find(sp, seq);
	if (i == sp->n || sp->seqs[i] != seq)
		return;
	memmove(sp->seqs + i, sp->seqs + i + 1,
	    (sp->n - i - 1) * sizeof *sp->seqs);
	sp->n--;
}

static int
spool_seq_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
spool_fsync_parent(const char *path)
{
	char	*copy, *slash;
	int	 fd, rv;

	if ((copy = strdup(path)) == NULL)
		return (-1);
	slash = strrchr(copy, '/');
	if (slash == NULL)
		strcpy(copy, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd == -1)
		return (-1);
	rv = fsync(fd);
	close(fd);
	return (rv);
}

/* Check a directory we are about to trust: ours, and 0700. */
static int
spool_check_dir(struct spool *sp, int fd, const char *what, char **cause)
{
	struct stat	st;

	if (fstat(fd, &st) == -1) {
		cause_set(cause, "spool %s: %s: %s", sp->path, what,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		cause_set(cause, "spool %s: %s is not a directory",
		    sp->path, what);
		return (-1);
	}
	if (st.st_uid != geteuid()) {
		cause_set(cause, "spool %s: %s is owned by uid %ju, not by "
		    "this user (uid %ju); refusing it, another user could "
		    "read or alter the queued messages", sp->path, what,
		    (uintmax_t)st.st_uid, (uintmax_t)geteuid());
		return (-1);
	}
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(fd, 0700) == -1) {
			cause_set(cause, "spool %s: %s has mode %04o and "
			    "cannot be set to 0700: %s", sp->path, what,
			    (unsigned)(st.st_mode & 07777), strerror(errno));
			return (-1);
		}
		spool_report(sp, SPOOL_EVENT_MODE_FIXED, what, "directory had "
		    "mode %04o, set to 0700 (messages must not be readable "
		    "by others)", (unsigned)(st.st_mode & 07777));
	}
	return (0);
}

static int
spool_open_dirs(struct spool *sp, char **cause)
{
	int	created = 0;

	sp->dirfd = open(sp->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd == -1 && errno == ENOENT) {
		if (mkdir(sp->path, 0700) == -1 && errno != EEXIST) {
			cause_set(cause, "spool %s: cannot create the "
			    "directory: %s", sp->path, strerror(errno));
			return (-1);
		}
		if (spool_fsync_parent(sp->path) == -1) {
			cause_set(cause, "spool %s: fsync of its parent "
			    "directory: %s", sp->path, strerror(errno));
			return (-1);
		}
		sp->dirfd = open(sp->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (sp->dirfd == -1) {
		cause_set(cause, "spool %s: %s", sp->path, strerror(errno));
		return (-1);
	}
	if (spool_check_dir(sp, sp->dirfd, ".", cause) == -1)
		return (-1);
	if (flock(sp->dirfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			cause_set(cause, "spool %s: in use by another "
			    "process (locked)", sp->path);
		else
			cause_set(cause, "spool %s: lock: %s", sp->path,
			    strerror(errno));
		return (-1);
	}
	if (mkdirat(sp->dirfd, SPOOL_CORRUPT, 0700) == 0)
		created = 1;
	else if (errno != EEXIST) {
		cause_set(cause, "spool %s: cannot create %s/: %s",
		    sp->path, SPOOL_CORRUPT, strerror(errno));
		return (-1);
	}
	if (created && fsync(sp->dirfd) == -1) {
		cause_set(cause, "spool %s: fsync: %s", sp->path,
		    strerror(errno));
		return (-1);
	}
	sp->corruptfd = openat(sp->dirfd, SPOOL_CORRUPT,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sp->corruptfd == -1) {
		cause_set(cause, "spool %s: %s/: %s", sp->path,
		    SPOOL_CORRUPT, strerror(errno));
		return (-1);
	}
	return (spool_check_dir(sp, sp->corruptfd, SPOOL_CORRUPT, cause));
}

/* Handle one directory entry found at open. */
static int
spool_scan_one(struct spool *sp, const char *name, char **cause)
{
	struct inbound_sms	msg;
	char			*reason = NULL;
	uint64_t		seq;

	if (strncmp(name, SPOOL_TMP_PREFIX, strlen(SPOOL_TMP_PREFIX)) == 0 &&
	    spool_parse_seq(name + strlen(SPOOL_TMP_PREFIX), "", &seq) == 0) {
		if (seq > sp->last_seq)
			sp->last_seq = seq;
		if (unlinkat(sp->dirfd, name, 0) == -1) {
			cause_set(cause, "spool %s: cannot remove the "
			    "leftover temporary file %s: %s", sp->path, name,
			    strerror(errno));
			return (-1);
		}
		spool_report(sp, SPOOL_EVENT_TEMP_REMOVED, name, "temporary "
		    "file of a write that never completed (the message was "
		    "never acknowledged, so it is still on the SIM); removed");
		return (0);
	}
	if (spool_parse_seq(name, SPOOL_SUFFIX, &seq) == -1) {
		spool_report(sp, SPOOL_EVENT_UNKNOWN_FILE, name, "not a spool "
		    "file name; left alone");
		return (0);
	}
	if (seq > sp->last_seq)
		sp->last_seq = seq;
	switch (spool_load(sp, name, &msg, &reason)) {
	case LOAD_OK:
		inbound_sms_clear(&msg);
		break;
	case LOAD_MISSING:
		return (0);
	case LOAD_CORRUPT:
		spool_move_aside(sp, name, reason);
		free(reason);
		return (0);
	case LOAD_ERROR:
		/* Keep it: spool_read will retry and say why. */
		free(reason);
		break;
	}
	if (spool_index_grow(sp) == -1) {
		cause_set(cause, "spool %s: out of memory", sp->path);
		return (-1);
	}
	sp->seqs[sp->n++] = seq;
	return (0);
}

static int
spool_scan(struct spool *sp, char **cause)
{
	struct dirent	 *de;
	DIR		 *d;
	char		**names = NULL, **nn;
	size_t		  n = 0, cap = 0, i;
	int		  fd, rv = -1, removed = 0;

	if ((fd = dup(sp->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		cause_set(cause, "spool %s: %s", sp->path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	rewinddir(d);
	/* Collect first: renaming while reading a directory is unspecified. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, SPOOL_CORRUPT) == 0 ||
		    strcmp(de->d_name, SENDLOG_DIR) == 0 ||
		    strcmp(de->d_name, FWDQ_DIR) == 0 ||
		    strcmp(de->d_name, USSDSESS_DIR) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = reallocarray(names, cap, sizeof *nn)) == NULL)
				goto nomem;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	if (errno != 0) {
		cause_set(cause, "spool %s: reading the directory: %s",
		    sp->path, strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], SPOOL_TMP_PREFIX,
		    strlen(SPOOL_TMP_PREFIX)) == 0)
			removed = 1;
		if (spool_scan_one(sp, names[i], cause) == -1)
			goto out;
	}
	if (removed && fsync(sp->dirfd) == -1) {
		cause_set(cause, "spool %s: fsync: %s", sp->path,
		    strerror(errno));
		goto out;
	}
	if (sp->n != 0)
		qsort(sp->seqs, sp->n, sizeof *sp->seqs, spool_seq_cmp);
	rv = 0;
	goto out;
nomem:
	cause_set(cause, "spool %s: out of memory", sp->path);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return (rv);
}

struct spool *
spool_open(const char *dir, spool_report_cb report, void *arg, char **cause)
{
	struct spool	*sp;

	if (cause != NULL)
		*cause = NULL;
	if ((sp = calloc(1, sizeof *sp)) == NULL ||
	    (sp->path = strdup(dir)) == NULL) {
		free(sp);
		cause_set(cause, "spool %s: out of memory", dir);
		return (NULL);
	}
	sp->dirfd = sp->corruptfd = -1;
	sp->report = report;
	sp->arg = arg;
	if (spool_open_dirs(sp, cause) == -1 || spool_scan(sp, cause) == -1) {
		spool_close(sp);
		return (NULL);
	}
	return (sp);
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->corruptfd != -1)
		close(sp->corruptfd);
	if (sp->dirfd != -1)
		close(sp->dirfd);	/* releases the flock */
	free(sp->seqs);
	free(sp->path);
	free(sp);
}

static uint64_t
spool_next_seq(struct spool *sp)
{
	struct timespec	ts;
	uint64_t	now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	sp->last_seq = now > sp->last_seq ? now : sp->last_seq + 1;
	return (sp->last_seq);
}

/* The cause of a failed spool_put, in plain words. */
static void
spool_put_cause(struct spool *sp, char **cause, const char *step,
    const char *file, int err)
{
	const char	*why;

	switch (err) {
	case ENOSPC:
		why = "the disk is full";
		break;
	case EDQUOT:
		why = "the disk quota is exhausted";
		break;
	case EFBIG:
		why = "a file size limit was reached";
		break;
	default:
		cause_set(cause, "spool %s: message not stored: %s %s: %s",
		    sp->path, step, file, strerror(err));
		return;
	}
	cause_set(cause, "spool %s: message not stored: out of disk space "
	    "(%s: %s, while %s %s); free space on the disk that holds the "
	    "spool", sp->path, why, strerror(err), step, file);
}

static int
spool_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return (-1);
		if (r == 0) {
			errno = EIO;
			return (-1);
		}
		p += r;
		len -= (size_t)r;
	}
	return (0);
}

int
spool_put(struct spool *sp, const struct inbound_sms *msg,
    char id[SPOOL_ID_MAX], char **cause)
{
	struct spool_buf	 b = { NULL, 0, 0 };
	char			 tmp[SPOOL_NAME_MAX], name[SPOOL_NAME_MAX];
	const char		*step;
	uint64_t		 seq;
	int			 fd, err;

	if (cause != NULL)
		*cause = NULL;
	if (spool_encode(msg, &b, cause) == -1) {
		free(b.p);
		return (-1);
	}
	if (spool_index_grow(sp) == -1) {
		free(b.p);
		cause_set(cause, "spool %s: message not stored: out of "
		    "memory", sp->path);
		return (-1);
	}
	seq = spool_next_seq(sp);
	spool_name(tmp, sizeof tmp, SPOOL_TMP_PREFIX, seq, "");
	spool_name(name, sizeof name, "", seq, SPOOL_SUFFIX);

	step = "creating";
	fd = openat(sp->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		goto fail;
	step = "writing";
	if (spool_write_all(fd, b.p, b.len) == -1)
		goto fail_fd;
	step = "syncing";
	if (fsync(fd) == -1)
		goto fail_fd;
	step = "closing";
	if (close(fd) == -1) {
		fd = -1;
		goto fail_tmp;
	}
	step = "renaming";
	if (renameat(sp->dirfd, tmp, sp->dirfd, name) == -1)
		goto fail_tmp;
	if (fsync(sp->dirfd) == -1) {
		/* In place but not durably: take it back, report failure. */
		err = errno;
		unlinkat(sp->dirfd, name, 0);
		fsync(sp->dirfd);
		spool_put_cause(sp, cause, "syncing the directory after adding",
		    name, err);
		free(b.p);
		return (-1);
	}
	free(b.p);
	sp->seqs[sp->n++] = seq;	/* seq is above every indexed one */
	snprintf(id, SPOOL_ID_MAX, "%0*" PRIu64, SPOOL_SEQ_DIGITS, seq);
	return (0);

fail_fd:
	err = errno;
	close(fd);
	errno = err;
fail_tmp:
	err = errno;
	unlinkat(sp->dirfd, tmp, 0);
	errno = err;
fail:
	spool_put_cause(sp, cause, step, tmp, errno);
	free(b.p);
	return (-1);
}

int
spool_count(const struct spool *sp)
{
	return ((int)sp->n);
}

time_t
spool_oldest_time(const struct spool *sp)
{
	char		name[64];
	struct stat	st;

	if (sp->n == 0)
		return (0);
	spool_name(name, sizeof name, "", sp->seqs[0], SPOOL_SUFFIX);
	if (fstatat(sp->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (0);
	return (st.st_mtime);
}

static int
spool_parse_id(const char *id, uint64_t *seq)
{
	if (id == NULL || strlen(id) != SPOOL_SEQ_DIGITS)
		return (-1);
	return (spool_parse_seq(id, "", seq));
}

int
spool_next(const struct spool *sp, const char *after, char id[SPOOL_ID_MAX])
{
	uint64_t	seq = 0;
	size_t		i = 0;

	if (after != NULL && *after != '\0') {
		if (spool_parse_id(after, &seq) == -1)
			return (0);
		i = spool_index_find(sp, seq);
		if (i < sp->n && sp->seqs[i] == seq)
			i++;
	}
	if (i >= sp->n)
		return (0);
	snprintf(id, SPOOL_ID_MAX, "%0*" PRIu64, SPOOL_SEQ_DIGITS,
	    sp->seqs[i]);
	return (1);
}

static int
spool_lookup(struct spool *sp, const char *id, uint64_t *seq, char *name,
    size_t size, char **cause)
{
	size_t	i;

	if (spool_parse_id(id, seq) == -1) {
		cause_set(cause, "spool %s: '%s' is not a spool id",
		    sp->path, id ? id : "(null)");
		return (-1);
	}
	i = spool_index_find(sp, *seq);
	if (i == sp->n || sp->seqs[i] != *seq) {
		cause_set(cause, "spool %s: no message %s in the spool",
		    sp->path, id);
		return (-1);
	}
	spool_name(name, size, "", *seq, SPOOL_SUFFIX);
	return (0);
}

int
spool_read(struct spool *sp, const char *id, struct inbound_sms *out,
    char **cause)
{
	char		name[SPOOL_NAME_MAX], *reason = NULL;
	uint64_t	seq;

	if (cause != NULL)
		*cause = NULL;
	memset(out, 0, sizeof *out);
	if (spool_lookup(sp, id, &seq, name, sizeof name, cause) == -1)
		return (-1);
	switch (spool_load(sp, name, out, &reason)) {
	case LOAD_OK:
		return (0);
	case LOAD_CORRUPT:
		spool_move_aside(sp, name, reason);
		spool_index_drop(sp, seq);
		cause_set(cause, "spool %s: message %s is corrupt (%s); "
		    "moved to %s/", sp->path, id, reason, SPOOL_CORRUPT);
		free(reason);
		return (-1);
	case LOAD_MISSING:
		spool_index_drop(sp, seq);
		cause_set(cause, "spool %s: message %s vanished (file %s "
		    "removed by someone else)", sp->path, id, name);
		return (-1);
	case LOAD_ERROR:
		break;
	}
	cause_set(cause, "spool %s: reading %s: %s", sp->path, name,
	    reason);
	free(reason);
	return (-1);
}

int
spool_remove(struct spool *sp, const char *id, char **cause)
{
	char		name[SPOOL_NAME_MAX];
	uint64_t	seq;

	if (cause != NULL)
		*cause = NULL;
	if (spool_lookup(sp, id, &seq, name, sizeof name, cause) == -1)
		return (-1);
	if (unlinkat(sp->dirfd, name, 0) == -1 && errno != ENOENT) {
		cause_set(cause, "spool %s: removing %s: %s", sp->path,
		    name, strerror(errno));
		return (-1);
	}
	spool_index_drop(sp, seq);
	if (fsync(sp->dirfd) == -1) {
		cause_set(cause, "spool %s: removed %s but the directory "
		    "fsync failed (%s): it may come back after a crash",
		    sp->path, name, strerror(errno));
		return (-1);
	}
	return (0);
}
