/*
 * test_spool.c: unit tests of the local spool (db/spool.c) on a real file
 * system: round trips of every field, arrival order across restarts, torn
 * and corrupt files set aside (never replayed, never deleted), a hand-built
 * file that pins the documented format, permissions, the lock, leftover
 * temporaries, removal. Run by `meson test --suite unit`.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "spool_test.h"

#define TEN_KB 10240

static char *
path_join(const char *dir, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, name) == -1) {
		perror("asprintf");
		exit(1);
	}
	return (p);
}

static char *
id_path(const char *dir, const char *id)
{
	char	*p;

	if (asprintf(&p, "%s/%s.msg", dir, id) == -1) {
		perror("asprintf");
		exit(1);
	}
	return (p);
}

static int
has(const char *s, const char *sub)
{
	return (s != NULL && strstr(s, sub) != NULL);
}

/* A 10 KB (at least) UTF-8 text with accents and emoji. */
static char *
long_text(size_t min)
{
	static const char	 piece[] = "Alerta em São Vicente: exploração, "
	    "criança, Ribeira Grande, Mindelo 🚨🆘🇨🇻 ";
	char			*t;
	size_t			 len = 0;

	if ((t = malloc(min + sizeof piece)) == NULL)
		exit(1);
	while (len < min) {
		memcpy(t + len, piece, sizeof piece - 1);
		len += sizeof piece - 1;
	}
	t[len] = '\0';
	return (t);
}

static char *
filled_text(size_t len)
{
	char	*t;

	if ((t = malloc(len + 1)) == NULL)
		exit(1);
	memset(t, 'a', len);
	t[len] = '\0';
	return (t);
}

/* put, read back, reopen, read again: every field identical. */
static void
test_roundtrip(void)
{
	struct inbound_sms	 cases[8], got;
	struct test_events	 ev;
	struct spool		*sp;
	char			 ids[8][SPOOL_ID_MAX], diff[256], *dir, *cause;
	size_t			 i, n = 0;

	test_sample(&cases[n], 0);		/* sms, single, a PIN judged */
	cases[n++].pin_verdict = INBOUND_PIN_WRONG;
	test_sample(&cases[n], 1);		/* binary, 10 KB UTF-8 */
	free(cases[n].text);
	cases[n++].text = long_text(TEN_KB);
	test_sample(&cases[n], 2);		/* status_report, no text */
	free(cases[n].text);
	cases[n++].text = NULL;
	test_sample(&cases[n], 3);		/* ussd, extremes */
	cases[n].received_at = INT64_MIN;
	cases[n].parts = INT_MAX;
	cases[n].parts_expected = INT_MIN;
	cases[n].concat_ref = -1;
	cases[n].message_ref = -123456;
	memset(cases[n].modem, 'm', sizeof cases[n].modem - 1);
	memset(cases[n].sender, 's', sizeof cases[n].sender - 1);
	memset(cases[n].smsc_time, 't', sizeof cases[n].smsc_time - 1);
	n++;
	test_sample(&cases[n], 4);		/* largest text */
	cases[n].received_at = INT64_MAX;
	free(cases[n].text);
	cases[n++].text = filled_text(SPOOL_TEXT_MAX);
	test_sample(&cases[n], 5);		/* empty strings */
	cases[n].modem[0] = cases[n].sender[0] = cases[n].smsc_time[0] = '\0';
	free(cases[n].text);
	cases[n++].text = strdup("");

	dir = test_tmpdir("spool-rt");
	test_events_reset(&ev);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		CHECK(spool_put(sp, &cases[i], ids[i], &cause) == 0,
		    "case %zu: spool_put: got=-1 (%s) want=0", i, cause);
		free(cause);
		CHECK(spool_read(sp, ids[i], &got, &cause) == 0,
		    "case %zu: spool_read: %s", i, cause);
		free(cause);
		CHECK(test_compare(&got, &cases[i], diff, sizeof diff) == 0,
		    "case %zu (same session): %s", i, diff);
		inbound_sms_clear(&got);
	}
	spool_close(sp);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "reopen: %s", cause);
	if (sp == NULL)
		goto out;
	CHECK(spool_count(sp) == (int)n, "count got=%d want=%zu",
	    spool_count(sp), n);
	for (i = 0; i < n; i++) {
		CHECK(spool_read(sp, ids[i], &got, &cause) == 0,
		    "case %zu: spool_read after reopen: %s", i, cause);
		free(cause);
		CHECK(test_compare(&got, &cases[i], diff, sizeof diff) == 0,
		    "case %zu (after reopen): %s", i, diff);
		inbound_sms_clear(&got);
	}
	CHECK(ev.total == 0, "reports got=%d want=0 (last: %s: %s)",
	    ev.total, ev.file, ev.reason);
	spool_close(sp);
out:
	for (i = 0; i < n; i++)
		free(cases[i].text);
	test_rmtree(dir);
	free(dir);
}

/* Invalid messages are refused and leave nothing behind. */
static void
test_refused(void)
{
	struct {
		const char	*name;
		const char	*want;
		int		 field;	/* which mutation */
	} cases[] = {
		{ "unknown kind", "unknown kind 7", 0 },
		{ "text too long", "text of 262145 bytes", 1 },
		{ "modem not terminated", "field modem is not NUL", 2 },
		{ "sender not terminated", "field sender is not NUL", 3 },
	};
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], *dir, *cause;
	size_t			 i;
	int			 rv;

	dir = test_tmpdir("spool-refused");
	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		test_sample(&m, (int)i);
		switch (cases[i].field) {
		case 0:
			m.kind = (enum inbound_kind)7;
			break;
		case 1:
			free(m.text);
			m.text = filled_text(SPOOL_TEXT_MAX + 1);
			break;
		case 2:
			memset(m.modem, 'x', sizeof m.modem);
			break;
		case 3:
			memset(m.sender, 'x', sizeof m.sender);
			break;
		}
		rv = spool_put(sp, &m, id, &cause);
		CHECK(rv == -1, "%s: spool_put got=%d want=-1", cases[i].name,
		    rv);
		CHECK(has(cause, cases[i].want), "%s: cause got=\"%s\" "
		    "want=\"...%s...\"", cases[i].name, cause, cases[i].want);
		free(cause);
		free(m.text);
	}
	CHECK(spool_count(sp) == 0, "count got=%d want=0", spool_count(sp));
	CHECK(test_count(dir, "") == 0, "files left got=%d want=0",
	    test_count(dir, ""));
	spool_close(sp);
out:
	test_rmtree(dir);
	free(dir);
}

/* Walk the spool in order; checks texts are "...n.º first..first+n-1". */
static void
check_order(struct spool *sp, int n, const char *when)
{
	struct inbound_sms	 m, want;
	char			 id[SPOOL_ID_MAX], prev[SPOOL_ID_MAX] = "";
	char			 diff[256], *cause;
	int			 i = 0;

	/* Bounded: a broken index must fail the test, not hang it. */
	while (i <= n && spool_next(sp, prev, id) == 1) {
		CHECK(strcmp(id, prev) > 0, "%s: id %s not after %s", when, id,
		    prev);
		CHECK(spool_read(sp, id, &m, &cause) == 0, "%s: read %s: %s",
		    when, id, cause);
		free(cause);
		test_sample(&want, i);
		CHECK(test_compare(&m, &want, diff, sizeof diff) == 0,
		    "%s: position %d: %s", when, i, diff);
		free(want.text);
		inbound_sms_clear(&m);
		snprintf(prev, sizeof prev, "%s", id);
		i++;
	}
	CHECK(i == n, "%s: walked got=%d want=%d", when, i, n);
}

/* Arrival order survives close and reopen. */
static void
test_order(void)
{
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], *dir, *cause;
	int			 i, round, per = 25;

	dir = test_tmpdir("spool-order");
	for (round = 0; round < 3; round++) {
		sp = spool_open(dir, NULL, NULL, &cause);
		CHECK(sp != NULL, "round %d: spool_open: %s", round, cause);
		if (sp == NULL)
			goto out;
		check_order(sp, round * per, "after reopen");
		for (i = round * per; i < (round + 1) * per; i++) {
			test_sample(&m, i);
			CHECK(spool_put(sp, &m, id, &cause) == 0,
			    "put %d: %s", i, cause);
			free(cause);
			free(m.text);
		}
		check_order(sp, (round + 1) * per, "same session");
		spool_close(sp);
	}
out:
	test_rmtree(dir);
	free(dir);
}

/* A file named far in the future (a clock that ran ahead): new messages
 * still come after it. */
static void
test_order_after_highest(void)
{
	static const char	 future[] = "18000000000000000000";
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], first[SPOOL_ID_MAX];
	char			 got[SPOOL_ID_MAX], *dir, *cause, *src, *dst;

	dir = test_tmpdir("spool-highest");
	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	test_sample(&m, 0);
	CHECK(spool_put(sp, &m, first, &cause) == 0, "put: %s", cause);
	free(m.text);
	spool_close(sp);
	src = id_path(dir, first);
	dst = id_path(dir, future);
	CHECK(rename(src, dst) == 0, "rename: %s", strerror(errno));
	free(src);
	free(dst);

	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "reopen: %s", cause);
	if (sp == NULL)
		goto out;
	test_sample(&m, 1);
	CHECK(spool_put(sp, &m, id, &cause) == 0, "put: %s", cause);
	free(m.text);
	CHECK(strcmp(id, future) > 0, "new id got=%s want > %s", id, future);
	CHECK(spool_next(sp, NULL, got) == 1 && strcmp(got, future) == 0,
	    "oldest got=%s want=%s", got, future);
	CHECK(spool_next(sp, future, got) == 1 && strcmp(got, id) == 0,
	    "next got=%s want=%s", got, id);
	CHECK(spool_next(sp, id, got) == 0, "after the newest got=%s want "
	    "none", got);
	spool_close(sp);
out:
	test_rmtree(dir);
	free(dir);
}

/* The bytes of one valid spool file holding test_sample(i). */
static int
valid_file(int i, uint8_t **data, size_t *len)
{
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], *dir, *cause, *p;
	int			 rv = -1;

	dir = test_tmpdir("spool-valid");
	if ((sp = spool_open(dir, NULL, NULL, &cause)) == NULL) {
		fprintf(stderr, "spool_open: %s\n", cause);
		free(cause);
		goto out;
	}
	test_sample(&m, i);
	if (spool_put(sp, &m, id, &cause) == 0) {
		p = id_path(dir, id);
		rv = test_read_file(p, data, len);
		free(p);
	} else {
		fprintf(stderr, "spool_put: %s\n", cause);
		free(cause);
	}
	free(m.text);
	spool_close(sp);
out:
	test_rmtree(dir);
	free(dir);
	return (rv);
}

/*
 * Put data in a fresh spool under a valid name, open it, and check that
 * the file is set aside (want_aside) or accepted. reason_want, if set,
 * must appear in the report. Returns the number of failed checks.
 */
static int
check_file(const char *dir, const char *what, const uint8_t *data,
    size_t len, int want_aside, const char *reason_want)
{
	static const char	 name[] = "00000000000000000042.msg";
	struct test_events	 ev;
	struct spool		*sp;
	struct stat		 st;
	uint8_t			*moved;
	size_t			 mlen;
	char			 id[SPOOL_ID_MAX], *path, *cpath, *cause;
	int			 before = check_failures();

	path = path_join(dir, name);
	cpath = path_join(dir, "corrupt/00000000000000000042.msg");
	if (test_write_file(path, data, len) == -1) {
		CHECK(0, "%s: writing %s: %s", what, path, strerror(errno));
		goto out;
	}
	test_events_reset(&ev);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "%s: spool_open: %s", what, cause);
	if (sp == NULL) {
		free(cause);
		goto out;
	}
	if (want_aside) {
		CHECK(spool_count(sp) == 0, "%s: count got=%d want=0", what,
		    spool_count(sp));
		CHECK(spool_next(sp, NULL, id) == 0, "%s: spool_next gave %s",
		    what, id);
		CHECK(ev.n[SPOOL_EVENT_MOVED_ASIDE] == 1 && ev.total == 1,
		    "%s: reports got=%d moved/%d total want=1/1", what,
		    ev.n[SPOOL_EVENT_MOVED_ASIDE], ev.total);
		CHECK(reason_want == NULL || has(ev.reason, reason_want),
		    "%s: reason got=\"%s\" want=\"...%s...\"", what, ev.reason,
		    reason_want);
		CHECK(stat(path, &st) == -1 && errno == ENOENT,
		    "%s: file still in the spool", what);
		/* Set aside intact: same bytes. */
		if (test_read_file(cpath, &moved, &mlen) == -1) {
			CHECK(0, "%s: corrupt/ copy: %s", what,
			    strerror(errno));
		} else {
			CHECK(mlen == len && (len == 0 ||
			    memcmp(moved, data, len) == 0),
			    "%s: corrupt/ copy differs: got=%zu bytes want=%zu",
			    what, mlen, len);
			free(moved);
		}
		unlink(cpath);
	} else {
		CHECK(spool_count(sp) == 1, "%s: count got=%d want=1 (%s)",
		    what, spool_count(sp), ev.reason);
		CHECK(ev.total == 0, "%s: reports got=%d want=0 (%s)", what,
		    ev.total, ev.reason);
		unlink(path);
	}
	spool_close(sp);
out:
	free(path);
	free(cpath);
	return (check_failures() - before);
}

/* Truncation at every byte offset is detected; a trailing byte too. */
static void
test_torn(void)
{
	uint8_t	*data, *longer;
	size_t	 len, cut;
	char	 what[64], *dir;
	int	 bad = 0;

	if (valid_file(7, &data, &len) == -1) {
		CHECK(0, "could not make a valid file");
		return;
	}
	dir = test_tmpdir("spool-torn");
	for (cut = 0; cut < len && bad < 5; cut++) {
		snprintf(what, sizeof what, "truncated to %zu of %zu", cut,
		    len);
		bad += check_file(dir, what, data, cut, 1, cut == 0 ?
		    "empty" : cut < 15 ? NULL : "truncated");
	}
	if ((longer = malloc(len + 1)) != NULL) {
		memcpy(longer, data, len);
		longer[len] = '\n';
		check_file(dir, "one byte after END", longer, len + 1, 1,
		    "1 bytes after the END");
		free(longer);
	}
	check_file(dir, "intact", data, len, 0, NULL);
	test_rmtree(dir);
	free(dir);
	free(data);
}

/* Any flipped byte or bit is detected (checksum or framing). */
static void
test_flipped(void)
{
	static const uint8_t	 masks[] = { 0x01, 0x80, 0xff };
	uint8_t			*data;
	size_t			 len, off, k;
	char			 what[64], *dir;
	int			 bad = 0;

	if (valid_file(8, &data, &len) == -1) {
		CHECK(0, "could not make a valid file");
		return;
	}
	dir = test_tmpdir("spool-flip");
	for (k = 0; k < sizeof masks; k++) {
		for (off = 0; off < len && bad < 5; off++) {
			data[off] ^= masks[k];
			snprintf(what, sizeof what, "byte %zu ^ 0x%02x", off,
			    masks[k]);
			bad += check_file(dir, what, data, len, 1, NULL);
			data[off] ^= masks[k];
		}
	}
	/* Within the text (the last field, before the 9-byte END record),
	 * it is the checksum that catches it. */
	data[len - 12] ^= 0x04;
	check_file(dir, "bit in the text", data, len, 1, "checksum mismatch");
	data[len - 12] ^= 0x04;
	test_rmtree(dir);
	free(dir);
	free(data);
}

/* Bit rot after open: spool_read sets the file aside and says so. */
static void
test_rot_at_read(void)
{
	struct inbound_sms	 m;
	struct test_events	 ev;
	struct spool		*sp;
	uint8_t			*data;
	size_t			 len;
	char			 id[SPOOL_ID_MAX], id2[SPOOL_ID_MAX], got[SPOOL_ID_MAX];
	char			*dir, *cause, *path, *cpath;
	int			 rv;

	dir = test_tmpdir("spool-rot");
	test_events_reset(&ev);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	test_sample(&m, 1);
	CHECK(spool_put(sp, &m, id, &cause) == 0, "put: %s", cause);
	CHECK(spool_put(sp, &m, id2, &cause) == 0, "put: %s", cause);
	free(m.text);
	path = id_path(dir, id);
	if (test_read_file(path, &data, &len) == 0) {
		data[len - 10] ^= 0x10;
		test_write_file(path, data, len);
		free(data);
	}
	rv = spool_read(sp, id, &m, &cause);
	CHECK(rv == -1, "spool_read of a rotten file got=%d want=-1", rv);
	CHECK(has(cause, "corrupt") && has(cause, "checksum"),
	    "cause got=\"%s\" want corrupt + checksum", cause);
	free(cause);
	CHECK(ev.n[SPOOL_EVENT_MOVED_ASIDE] == 1, "moved reports got=%d "
	    "want=1", ev.n[SPOOL_EVENT_MOVED_ASIDE]);
	CHECK(spool_count(sp) == 1, "count got=%d want=1", spool_count(sp));
	CHECK(spool_next(sp, NULL, got) == 1 && strcmp(got, id2) == 0,
	    "oldest got=%s want=%s", got, id2);
	if (asprintf(&cpath, "%s/corrupt/%s.msg", dir, id) != -1) {
		CHECK(access(cpath, F_OK) == 0, "%s missing", cpath);
		free(cpath);
	}
	CHECK(access(path, F_OK) == -1, "%s still in the spool", path);
	free(path);
	spool_close(sp);
out:
	test_rmtree(dir);
	free(dir);
}

/* Files built by hand from db/spool.md: the good ones are read as
 * described, each bad one is set aside with the right reason. */
enum hand_mutation {
	H_VALID, H_OPTIONAL, H_REORDERED, H_CRITICAL, H_VERSION2, H_MAGIC,
	H_MISSING, H_TWICE, H_LONG, H_NUL, H_KIND, H_SHORTINT, H_GARBAGE,
	H_NOHEADER, H_HEADER2, H_PIN, H_PIN_BAD,
};

static size_t
hand_file(struct test_enc *e, enum hand_mutation mut)
{
	static const char	nul_text[] = "before\0after";

	memset(e, 0, sizeof *e);
	if (mut == H_GARBAGE) {
		uint32_t	x = 12345;

		for (e->len = 0; e->len < 200; e->len++) {
			x = x * 1103515245 + 12345;
			e->buf[e->len] = (uint8_t)(x >> 16);
		}
		e->buf[0] = 'H';	/* even with a plausible first byte */
		return (e->len);
	}
	if (mut == H_MAGIC) {
		test_enc_record(e, 'H', "FAROLSPX\0\1", 10);
	} else if (mut != H_NOHEADER)
		test_enc_header(e, mut == H_VERSION2 ? 2 : 1);
	if (mut == H_REORDERED)
		test_enc_str(e, 'X', "ALERTA BV TL U1");
	test_enc_str(e, 'M', mut == H_LONG ?
	    "a modem name longer than thirty-one" : "cv2");
	if (mut == H_OPTIONAL)
		test_enc_str(e, 'q', "a record from a newer farol");
	if (mut == H_CRITICAL)
		test_enc_str(e, 'Q', "a record this farol must understand");
	if (mut == H_HEADER2)
		test_enc_header(e, 1);
	if (mut == H_PIN || mut == H_PIN_BAD)
		test_enc_int32(e, 'p', mut == H_PIN ? 1 : 7);
	test_enc_str(e, 'F', "+2389912345");
	if (mut == H_TWICE)
		test_enc_str(e, 'F', "+2389900000");
	test_enc_str(e, 'T', "2026-11-22 14:02:36+00:00");
	test_enc_int64(e, 'R', 1795442556);
	test_enc_str(e, 'K', mut == H_KIND ? "mms" : "sms");
	if (mut == H_SHORTINT)
		test_enc_record(e, 'P', "\0\0\1", 3);
	else
		test_enc_int32(e, 'P', 2);
	test_enc_int32(e, 'E', 3);
	test_enc_int32(e, 'C', 200);
	if (mut != H_MISSING)
		test_enc_int32(e, 'N', -7);
	if (mut == H_NUL)
		test_enc_record(e, 'X', nul_text, sizeof nul_text - 1);
	else if (mut != H_REORDERED)
		test_enc_str(e, 'X', "ALERTA BV TL U1");
	test_enc_end(e);
	return (e->len);
}

static void
test_hand_built(void)
{
	static const struct {
		const char		*name;
		enum hand_mutation	 mut;
		const char		*reason;	/* NULL: accepted */
	} cases[] = {
		{ "valid, as documented", H_VALID, NULL },
		{ "unknown optional record skipped", H_OPTIONAL, NULL },
		{ "fields in another order", H_REORDERED, NULL },
		{ "unknown critical record", H_CRITICAL,
		  "unknown record type 0x51" },
		{ "newer format version", H_VERSION2, "format version 2" },
		{ "bad magic", H_MAGIC, "bad magic" },
		{ "no header", H_NOHEADER, "no header" },
		{ "garbage", H_GARBAGE, NULL },
		{ "missing field", H_MISSING, "field message_ref missing" },
		{ "field twice", H_TWICE, "field sender appears twice" },
		{ "field too long", H_LONG, "field modem too long" },
		{ "NUL in text", H_NUL, "field text contains a NUL" },
		{ "unknown kind", H_KIND, "unknown kind 'mms'" },
		{ "int32 of 3 bytes", H_SHORTINT, "field parts has 3 bytes" },
		{ "second header", H_HEADER2, "second header record" },
		{ "a PIN's verdict", H_PIN, NULL },
		{ "unknown PIN verdict", H_PIN_BAD, "unknown pin_verdict 7" },
	};
	struct inbound_sms	 m, want;
	struct test_enc		 e;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], diff[256], *dir, *cause, *p;
	size_t			 i, len;

	/* The test's CRC is the standard one. */
	CHECK(test_crc32("123456789", 9) == 0xcbf43926u,
	    "crc32(\"123456789\") got=%08x want=cbf43926",
	    test_crc32("123456789", 9));

	memset(&want, 0, sizeof want);
	snprintf(want.modem, sizeof want.modem, "cv2");
	snprintf(want.sender, sizeof want.sender, "+2389912345");
	snprintf(want.smsc_time, sizeof want.smsc_time,
	    "2026-11-22 14:02:36+00:00");
	want.received_at = 1795442556;
	want.kind = INBOUND_TEXT;
	want.parts = 2;
	want.parts_expected = 3;
	want.concat_ref = 200;
	want.message_ref = -7;
	want.text = (char *)"ALERTA BV TL U1";

	dir = test_tmpdir("spool-hand");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = hand_file(&e, cases[i].mut);
		if (cases[i].reason != NULL || cases[i].mut == H_GARBAGE) {
			check_file(dir, cases[i].name, e.buf, len, 1,
			    cases[i].reason);
			continue;
		}
		/* Accepted: and read exactly as encoded (a file without
		 * the optional 'p' reads as a PIN not judged). */
		want.pin_verdict = cases[i].mut == H_PIN ? INBOUND_PIN_RIGHT :
		    INBOUND_PIN_UNCHECKED;
		p = path_join(dir, "00000000000000000042.msg");
		CHECK(test_write_file(p, e.buf, len) == 0, "%s: write %s",
		    cases[i].name, p);
		free(p);
		sp = spool_open(dir, NULL, NULL, &cause);
		CHECK(sp != NULL, "%s: spool_open: %s", cases[i].name, cause);
		if (sp == NULL) {
			free(cause);
			continue;
		}
		CHECK(spool_next(sp, NULL, id) == 1, "%s: not in the index",
		    cases[i].name);
		CHECK(spool_read(sp, "00000000000000000042", &m, &cause) == 0,
		    "%s: read: %s", cases[i].name, cause);
		free(cause);
		CHECK(test_compare(&m, &want, diff, sizeof diff) == 0,
		    "%s: %s", cases[i].name, diff);
		inbound_sms_clear(&m);
		CHECK(spool_remove(sp, "00000000000000000042", &cause) == 0,
		    "%s: remove: %s", cases[i].name, cause);
		free(cause);
		spool_close(sp);
	}
	test_rmtree(dir);
	free(dir);
}

static int
mode_of(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (-1);
	return ((int)(st.st_mode & 07777));
}

/* 0700 directories, 0600 files, wider modes fixed, strangers refused. */
static void
test_permissions(void)
{
	struct inbound_sms	 m;
	struct test_events	 ev;
	struct spool		*sp;
	char			 id[SPOOL_ID_MAX], *top, *dir, *cause, *p;
	mode_t			 old;

	top = test_tmpdir("spool-perm");
	dir = path_join(top, "spool");
	old = umask(0);		/* the spool must not rely on umask */
	sp = spool_open(dir, NULL, NULL, &cause);
	umask(old);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	test_sample(&m, 0);
	CHECK(spool_put(sp, &m, id, &cause) == 0, "put: %s", cause);
	free(m.text);
	spool_close(sp);
	CHECK(mode_of(dir) == 0700, "spool dir mode got=%04o want=0700",
	    mode_of(dir));
	p = path_join(dir, "corrupt");
	CHECK(mode_of(p) == 0700, "corrupt/ mode got=%04o want=0700",
	    mode_of(p));
	chmod(p, 0777);
	free(p);
	p = id_path(dir, id);
	CHECK(mode_of(p) == 0600, "file mode got=%04o want=0600", mode_of(p));
	free(p);

	/* Too wide: fixed and reported. */
	chmod(dir, 0755);
	test_events_reset(&ev);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "spool_open of a 0755 dir: %s", cause);
	spool_close(sp);
	CHECK(mode_of(dir) == 0700, "mode after open got=%04o want=0700",
	    mode_of(dir));
	p = path_join(dir, "corrupt");
	CHECK(mode_of(p) == 0700, "corrupt/ mode after open got=%04o "
	    "want=0700", mode_of(p));
	free(p);
	CHECK(ev.n[SPOOL_EVENT_MODE_FIXED] == 2, "mode reports got=%d want=2",
	    ev.n[SPOOL_EVENT_MODE_FIXED]);
	CHECK(has(ev.reason, "0777"), "reason got=\"%s\" want the old mode",
	    ev.reason);

	/* No parent; not a directory. */
	p = path_join(top, "missing/spool");
	sp = spool_open(p, NULL, NULL, &cause);
	CHECK(sp == NULL && has(cause, "cannot create the directory: No such"),
	    "spool in a missing parent: got=%p cause=\"%s\"", (void *)sp,
	    cause);
	spool_close(sp);
	free(cause);
	free(p);
	p = path_join(top, "file");
	test_write_file(p, "x", 1);
	sp = spool_open(p, NULL, NULL, &cause);
	CHECK(sp == NULL && has(cause, "Not a directory"), "spool on a file: "
	    "got=%p cause=\"%s\"", (void *)sp, cause);
	spool_close(sp);
	free(cause);
	free(p);

	/* Owned by someone else (needs root to arrange). */
	if (geteuid() != 0) {
		printf("SKIP foreign owner case: not root, cannot chown a "
		    "directory to another user\n");
	} else if (chown(dir, 65534, 65534) == -1) {
		printf("SKIP foreign owner case: chown: %s\n",
		    strerror(errno));
	} else {
		sp = spool_open(dir, NULL, NULL, &cause);
		CHECK(sp == NULL && has(cause, "owned by uid 65534"),
		    "foreign dir: got=%p cause=\"%s\"", (void *)sp, cause);
		spool_close(sp);
		free(cause);
		chown(dir, 0, 0);
	}
out:
	test_rmtree(top);
	free(top);
	free(dir);
}

/* One process per spool. */
static void
test_lock(void)
{
	struct spool	*a, *b;
	char		*dir, *cause;

	dir = test_tmpdir("spool-lock");
	a = spool_open(dir, NULL, NULL, &cause);
	CHECK(a != NULL, "first open: %s", cause);
	b = spool_open(dir, NULL, NULL, &cause);
	CHECK(b == NULL && has(cause, "in use"), "second open: got=%p "
	    "cause=\"%s\" want NULL, \"in use\"", (void *)b, cause);
	free(cause);
	spool_close(b);
	spool_close(a);
	b = spool_open(dir, NULL, NULL, &cause);
	CHECK(b != NULL, "open after close: %s", cause);
	spool_close(b);
	test_rmtree(dir);
	free(dir);
}

/* Leftover temporaries of a crashed spool_put are removed (the message was
 * never acknowledged); unknown files are left alone and reported. */
static void
test_leftovers(void)
{
	struct test_events	 ev;
	struct spool		*sp;
	uint8_t			*data;
	size_t			 len;
	char			 id[SPOOL_ID_MAX], *dir, *cause, *p;

	if (valid_file(3, &data, &len) == -1) {
		CHECK(0, "could not make a valid file");
		return;
	}
	dir = test_tmpdir("spool-tmp");
	p = path_join(dir, "tmp.00000000000000000100");		/* torn */
	test_write_file(p, data, len / 2);
	free(p);
	p = path_join(dir, "tmp.00000000000000000101");		/* whole */
	test_write_file(p, data, len);
	free(p);
	p = path_join(dir, "00000000000000000099.msg");		/* valid */
	test_write_file(p, data, len);
	free(p);
	p = path_join(dir, "README");				/* stranger */
	test_write_file(p, "notes", 5);
	free(p);
	test_events_reset(&ev);
	sp = spool_open(dir, test_events_cb, &ev, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	CHECK(ev.n[SPOOL_EVENT_TEMP_REMOVED] == 2, "temp reports got=%d "
	    "want=2", ev.n[SPOOL_EVENT_TEMP_REMOVED]);
	CHECK(ev.n[SPOOL_EVENT_UNKNOWN_FILE] == 1, "unknown reports got=%d "
	    "want=1", ev.n[SPOOL_EVENT_UNKNOWN_FILE]);
	CHECK(ev.total == 3, "reports got=%d want=3", ev.total);
	CHECK(test_count(dir, "tmp.") == 0, "temporaries left got=%d want=0",
	    test_count(dir, "tmp."));
	CHECK(test_count(dir, "README") == 1, "README got=%d want=1",
	    test_count(dir, "README"));
	CHECK(spool_count(sp) == 1, "count got=%d want=1", spool_count(sp));
	CHECK(spool_next(sp, NULL, id) == 1 &&
	    strcmp(id, "00000000000000000099") == 0, "oldest got=%s want="
	    "00000000000000000099", id);
	p = path_join(dir, "corrupt");
	CHECK(test_count(p, "") == 0, "corrupt/ entries got=%d want=0",
	    test_count(p, ""));
	free(p);
	spool_close(sp);
out:
	free(data);
	test_rmtree(dir);
	free(dir);
}

/* spool_remove deletes the file for good; stale ids are refused. */
static void
test_remove(void)
{
	struct inbound_sms	 m;
	struct spool		*sp;
	char			 ids[3][SPOOL_ID_MAX], got[SPOOL_ID_MAX];
	char			*dir, *cause, *p;
	int			 i, rv;

	dir = test_tmpdir("spool-rm");
	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "spool_open: %s", cause);
	if (sp == NULL)
		goto out;
	for (i = 0; i < 3; i++) {
		test_sample(&m, i);
		CHECK(spool_put(sp, &m, ids[i], &cause) == 0, "put: %s",
		    cause);
		free(m.text);
	}
	rv = spool_remove(sp, ids[1], &cause);
	CHECK(rv == 0, "remove got=%d want=0 (%s)", rv, cause);
	free(cause);
	p = id_path(dir, ids[1]);
	CHECK(access(p, F_OK) == -1 && errno == ENOENT, "%s still there", p);
	free(p);
	CHECK(spool_count(sp) == 2, "count got=%d want=2", spool_count(sp));
	CHECK(spool_next(sp, ids[0], got) == 1 && strcmp(got, ids[2]) == 0,
	    "next after first got=%s want=%s", got, ids[2]);
	CHECK(spool_next(sp, ids[1], got) == 1 && strcmp(got, ids[2]) == 0,
	    "next after the removed one got=%s want=%s", got, ids[2]);
	rv = spool_remove(sp, ids[1], &cause);
	CHECK(rv == -1 && has(cause, "no message"), "second remove got=%d "
	    "cause=\"%s\"", rv, cause);
	free(cause);
	rv = spool_read(sp, ids[1], &m, &cause);
	CHECK(rv == -1 && has(cause, "no message"), "read removed got=%d "
	    "cause=\"%s\"", rv, cause);
	free(cause);
	rv = spool_read(sp, "../etc/passwd", &m, &cause);
	CHECK(rv == -1 && has(cause, "not a spool id"), "read bad id got=%d "
	    "cause=\"%s\"", rv, cause);
	free(cause);

	/* Deleted behind our back: dropped from the index. */
	p = id_path(dir, ids[0]);
	unlink(p);
	free(p);
	rv = spool_read(sp, ids[0], &m, &cause);
	CHECK(rv == -1 && has(cause, "vanished"), "read vanished got=%d "
	    "cause=\"%s\"", rv, cause);
	free(cause);
	CHECK(spool_count(sp) == 1, "count got=%d want=1", spool_count(sp));
	spool_close(sp);

	sp = spool_open(dir, NULL, NULL, &cause);
	CHECK(sp != NULL, "reopen: %s", cause);
	if (sp == NULL)
		goto out;
	CHECK(spool_count(sp) == 1 && spool_next(sp, NULL, got) == 1 &&
	    strcmp(got, ids[2]) == 0, "after reopen got count=%d first=%s "
	    "want 1, %s", spool_count(sp), got, ids[2]);
	CHECK(spool_remove(sp, ids[2], &cause) == 0, "remove: %s", cause);
	CHECK(spool_count(sp) == 0 && spool_next(sp, NULL, got) == 0,
	    "emptied: count=%d", spool_count(sp));
	spool_close(sp);
	CHECK(test_count(dir, "") == 0, "files left got=%d want=0",
	    test_count(dir, ""));
out:
	test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} tests[] = {
		{ "roundtrip", test_roundtrip },
		{ "refused", test_refused },
		{ "order", test_order },
		{ "order_after_highest", test_order_after_highest },
		{ "torn", test_torn },
		{ "flipped", test_flipped },
		{ "rot_at_read", test_rot_at_read },
		{ "hand_built", test_hand_built },
		{ "permissions", test_permissions },
		{ "lock", test_lock },
		{ "leftovers", test_leftovers },
		{ "remove", test_remove },
	};
	size_t	i;
	int	before;

	for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		before = check_failures();
		tests[i].fn();
		printf("%s %s\n", check_failures() == before ? "ok  " : "FAIL",
		    tests[i].name);
	}
	if (check_failures() != 0) {
		fprintf(stderr, "%d check(s) failed\n", check_failures());
		return (1);
	}
	return (0);
}
