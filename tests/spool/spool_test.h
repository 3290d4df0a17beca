/*
 * spool_test.h: what the spool tests share: CHECK(), temporary
 * directories, sample messages, a recorder for spool reports, and an
 * independent encoder of the spool format (to pin db/spool.md).
 * Linked only into tests/spool/ programs.
 */
#ifndef FAROL_SPOOL_TEST_H
#define FAROL_SPOOL_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

extern int test_failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		test_failures++;					\
		fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__,	\
		    __LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* A fresh private directory under $TMPDIR (or /tmp); caller frees and
 * removes it with test_rmtree. Exits on failure. */
char *test_tmpdir(const char *tag);
void test_rmtree(const char *path);

/* Entries of dir whose names start with prefix ("" for all), not counting
 * ".", ".." and "corrupt". */
int test_count(const char *dir, const char *prefix);

/* A plausible message number i; text is allocated (free it). */
void test_sample(struct inbound_sms *m, int i);

/* 0 if equal, else -1 and diff names the first field that differs with
 * got= and want=. */
int test_compare(const struct inbound_sms *got,
    const struct inbound_sms *want, char *diff, size_t size);

/* Records what a spool reports. */
struct test_events {
	int	n[SPOOL_EVENT_UNKNOWN_FILE + 1];
	int	total;
	char	file[128];
	char	reason[512];
};
void test_events_cb(enum spool_event ev, const char *file,
    const char *reason, void *arg);
void test_events_reset(struct test_events *e);

/* Whole-file helpers; -1 on error. test_read_file allocates *data. */
int test_write_file(const char *path, const void *data, size_t len);
int test_read_file(const char *path, uint8_t **data, size_t *len);

/* The test's own CRC-32 (table driven, unlike the spool's). */
uint32_t test_crc32(const void *data, size_t len);

/* A spool file built by hand, record by record. */
struct test_enc {
	uint8_t	buf[4096];
	size_t	len;
};
void test_enc_record(struct test_enc *e, uint8_t type, const void *data,
    size_t len);
void test_enc_str(struct test_enc *e, uint8_t type, const char *s);
void test_enc_int32(struct test_enc *e, uint8_t type, int32_t v);
void test_enc_int64(struct test_enc *e, uint8_t type, int64_t v);
void test_enc_header(struct test_enc *e, unsigned version);
/* END record with the CRC of everything so far. */
void test_enc_end(struct test_enc *e);

#endif
