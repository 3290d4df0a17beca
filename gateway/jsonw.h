/*
 * jsonw.h: writing the JSON parameters of database calls into an evbuffer.
 *
 * The gateway hands alerts, outbox rows and the registry to PostgreSQL as
 * jsonb (db/schema/0002_alerts.sql reads them). Each writer appends one
 * member ("key":value) or one value, with the comma when one is needed:
 * the writer remembers whether the current object or array is empty.
 */
#ifndef FAROL_JSONW_H
#define FAROL_JSONW_H

#include <stddef.h>

#include <event2/buffer.h>

#define JSONW_DEPTH 8

struct jsonw {
	struct evbuffer *buf;
	int depth;
	int first[JSONW_DEPTH];	/* nothing written yet at this depth */
};

void jsonw_init(struct jsonw *w, struct evbuffer *buf);

/* key may be NULL inside an array. */
void jsonw_object(struct jsonw *w, const char *key);
void jsonw_array(struct jsonw *w, const char *key);
void jsonw_end(struct jsonw *w, char close);	/* '}' or ']' */

void jsonw_str(struct jsonw *w, const char *key, const char *s);
void jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t n);
void jsonw_int(struct jsonw *w, const char *key, long long v);
void jsonw_bool(struct jsonw *w, const char *key, int v);
void jsonw_null(struct jsonw *w, const char *key);

/* The text written so far, NUL-terminated, owned by the evbuffer. */
const char *jsonw_text(struct jsonw *w);

#endif
