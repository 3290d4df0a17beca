/*
 * spool_test.c: helpers shared by the spool tests (see spool_test.h).
 * Nothing here calls the spool's internals: the encoder and the CRC are
 * written independently from the format description in db/spool.md.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_test.h"


char *
test_tmpdir(const char *tag)
{
	const char	*base = getenv("TMPDIR");
	char		*path;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&path, "%s/farol-%s.XXXXXX", base, tag) == -1) {
		perror("asprintf");
		exit(1);
	}
	if (mkdtemp(path) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return (path);
}

static int
test_rm_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	if (flag == FTW_DP)
		return (rmdir(path) == -1 ? (perror(path), 0) : 0);
	chmod(path, 0600);
	if (unlink(path) == -1)
		perror(path);
	return (0);
}

void
test_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int
test_count(const char *dir, const char *prefix)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "corrupt") == 0)
			continue;
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return (n);
}

void
test_sample(struct inbound_sms *m, int i)
{
	memset(m, 0, sizeof *m);
	snprintf(m->modem, sizeof m->modem, "cv%d", i % 3);
	snprintf(m->sender, sizeof m->sender, "+238991%04d", i);
	snprintf(m->smsc_time, sizeof m->smsc_time,
	    "2026-11-22 14:%02d:%02d+00:00", (i / 60) % 60, i % 60);
	m->received_at = 1795442556 + i;
	m->kind = (enum inbound_kind)(i % INBOUND_KINDS);
	m->parts = 1 + i % 3;
	m->parts_expected = 1 + i % 3;
	m->concat_ref = i % 3 ? i % 256 : -1;
	m->message_ref = i;
	if (asprintf(&m->text, "ALERTA SV SX U1 mensagem n.º %d", i) == -1) {
		perror("asprintf");
		exit(1);
	}
}

int
test_compare(const struct inbound_sms *got,
    const struct inbound_sms *want, char *diff, size_t size)
{
	const char	*gt = got->text ? got->text : "(null)";
	const char	*wt = want->text ? want->text : "";

#define CMP_STR(f) if (strcmp(got->f, want->f) != 0) { \
	snprintf(diff, size, #f ": got=\"%s\" want=\"%s\"", got->f, want->f); \
	return (-1); }
#define CMP_INT(f) if (got->f != want->f) { \
	snprintf(diff, size, #f ": got=%jd want=%jd", (intmax_t)got->f, \
	    (intmax_t)want->f); \
	return (-1); }
	CMP_STR(modem);
	CMP_STR(sender);
	CMP_STR(smsc_time);
	CMP_INT(received_at);
	CMP_INT(kind);
	CMP_INT(parts);
	CMP_INT(parts_expected);
	CMP_INT(concat_ref);
	CMP_INT(message_ref);
	CMP_STR(session);
	CMP_INT(pin_verdict);
	if (strcmp(gt, wt) != 0) {
		snprintf(diff, size, "text: got %zu bytes \"%.40s...\" want "
		    "%zu bytes \"%.40s...\"", strlen(gt), gt, strlen(wt), wt);
		return (-1);
	}
#undef CMP_STR
#undef CMP_INT
	return (0);
}

void
test_events_cb(enum spool_event ev, const char *file, const char *reason,
    void *arg)
{
	struct test_events	*e = arg;

	if ((int)ev >= 0 && ev <= SPOOL_EVENT_UNKNOWN_FILE)
		e->n[ev]++;
	e->total++;
	snprintf(e->file, sizeof e->file, "%s", file);
	snprintf(e->reason, sizeof e->reason, "%s", reason);
	if (getenv("SPOOL_TEST_VERBOSE") != NULL)
		fprintf(stderr, "  report %d %s: %s\n", ev, file, reason);
}

void
test_events_reset(struct test_events *e)
{
	memset(e, 0, sizeof *e);
}

int
test_write_file(const char *path, const void *data, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return (-1);
	if (len != 0 && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return (-1);
	}
	return (close(fd));
}

int
test_read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat	st;
	ssize_t		r;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 ||
	    (*data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return (-1);
	}
	r = read(fd, *data, (size_t)st.st_size);
	close(fd);
	if (r != st.st_size) {
		free(*data);
		return (-1);
	}
	*len = (size_t)r;
	return (0);
}

uint32_t
test_crc32(const void *data, size_t len)
{
	static uint32_t	table[256];
	const uint8_t	*p = data;
	uint32_t	 c;
	size_t		 i;
	int		 k;

	if (table[1] == 0) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	c = 0xffffffffu;
	for (i = 0; i < len; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return (c ^ 0xffffffffu);
}

void
test_enc_record(struct test_enc *e, uint8_t type, const void *data,
    size_t len)
{
	if (e->len + 5 + len > sizeof e->buf) {
		fprintf(stderr, "test_enc: buffer too small\n");
		exit(1);
	}
	e->buf[e->len++] = type;
	e->buf[e->len++] = (uint8_t)(len >> 24);
	e->buf[e->len++] = (uint8_t)(len >> 16);
	e->buf[e->len++] = (uint8_t)(len >> 8);
	e->buf[e->len++] = (uint8_t)len;
	memcpy(e->buf + e->len, data, len);
	e->len += len;
}

void
test_enc_str(struct test_enc *e, uint8_t type, const char *s)
{
	test_enc_record(e, type, s, strlen(s));
}

void
test_enc_int32(struct test_enc *e, uint8_t type, int32_t v)
{
	uint8_t	b[4];
	int	i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)((uint32_t)v >> (24 - 8 * i));
	test_enc_record(e, type, b, 4);
}

void
test_enc_int64(struct test_enc *e, uint8_t type, int64_t v)
{
	uint8_t	b[8];
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
	test_enc_record(e, type, b, 8);
}

void
test_enc_header(struct test_enc *e, unsigned version)
{
	uint8_t	h[10];

	memcpy(h, "FAROLSPL", 8);
	h[8] = (uint8_t)(version >> 8);
	h[9] = (uint8_t)version;
	test_enc_record(e, 'H', h, sizeof h);
}

void
test_enc_end(struct test_enc *e)
{
	uint32_t	crc = test_crc32(e->buf, e->len);
	uint8_t		b[4];

	b[0] = (uint8_t)(crc >> 24);
	b[1] = (uint8_t)(crc >> 16);
	b[2] = (uint8_t)(crc >> 8);
	b[3] = (uint8_t)crc;
	test_enc_record(e, 'Z', b, 4);
}
