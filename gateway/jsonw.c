/*
 * jsonw.c: a minimal JSON writer on an evbuffer (see jsonw.h).
 *
 * Strings go through json_escape() (parsers/json.c), which turns invalid
 * UTF-8 into U+FFFD, so what PostgreSQL receives is always valid jsonb.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

#define JSONW_HEAD 64	/* a comma, a key and its colon */

void
jsonw_init(struct jsonw *w, struct evbuffer *buf)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->first[0] = 1;
}

static void
jsonw_str_raw(struct jsonw *w, const char *s, size_t n)
{
	char small[512], *big;
	size_t need = json_escape(small, sizeof small, s, n);

	if (need < sizeof small) {
		evbuffer_add(w->buf, small, need);
		return;
	}
	if ((big = malloc(need + 1)) == NULL) {
		evbuffer_add(w->buf, "null", 4);
		return;
	}
	json_escape(big, need + 1, s, n);
	evbuffer_add(w->buf, big, need);
	free(big);
}

/*
 * The comma and the key before a value, into head (JSONW_HEAD bytes, with
 * room after it for a number); returns its length. Each evbuffer_add
 * costs about as much as the bytes of a member, so a member is written
 * with one or two. A key too long for head (keys are names in the code:
 * none is) goes to the buffer itself, and 0 is returned.
 */
static size_t
jsonw_head(struct jsonw *w, const char *key, char *head)
{
	size_t n = 0, k;

	if (!w->first[w->depth])
		head[n++] = ',';
	w->first[w->depth] = 0;
	if (key == NULL)
		return n;
	k = json_escape(head + n, JSONW_HEAD - n, key, strlen(key));
	if (n + k + 1 < JSONW_HEAD) {
		head[n + k] = ':';
		return n + k + 1;
	}
	evbuffer_add(w->buf, head, n);
	jsonw_str_raw(w, key, strlen(key));
	evbuffer_add(w->buf, ":", 1);
	return 0;
}

static void
jsonw_key(struct jsonw *w, const char *key)
{
	char head[JSONW_HEAD];

	evbuffer_add(w->buf, head, jsonw_head(w, key, head));
}

/* A member whose value is written as it is: true, false, null, "{". */
static void
jsonw_literal(struct jsonw *w, const char *key, const char *value)
{
	char line[JSONW_HEAD + sizeof "false"];
	size_t n = jsonw_head(w, key, line), l = strlen(value);

	memcpy(line + n, value, l);
	evbuffer_add(w->buf, line, n + l);
}

static void
jsonw_open(struct jsonw *w, const char *key, const char *open)
{
	jsonw_literal(w, key, open);
	if (w->depth + 1 < JSONW_DEPTH)
		w->depth++;
	w->first[w->depth] = 1;
}

void
jsonw_object(struct jsonw *w, const char *key)
{
	jsonw_open(w, key, "{");
}

void
jsonw_array(struct jsonw *w, const char *key)
{
	jsonw_open(w, key, "[");
}

void
jsonw_end(struct jsonw *w, char close)
{
	evbuffer_add(w->buf, &close, 1);
	if (w->depth > 0)
		w->depth--;
}

void
jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t n)
{
	jsonw_key(w, key);
	jsonw_str_raw(w, s, n);
}

void
jsonw_str(struct jsonw *w, const char *key, const char *s)
{
	if (s == NULL) {
		jsonw_null(w, key);
		return;
	}
	jsonw_strn(w, key, s, strlen(s));
}

/* Digits by hand: a report writes a dozen numbers, and printf's parsing
 * of "%lld" costs more than the digits. */
void
jsonw_int(struct jsonw *w, const char *key, long long v)
{
	char line[JSONW_HEAD + 24], digits[24], *p = digits + sizeof digits;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	size_t n = jsonw_head(w, key, line);

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	memcpy(line + n, p, (size_t)(digits + sizeof digits - p));
	evbuffer_add(w->buf, line, n + (size_t)(digits + sizeof digits - p));
}

void
jsonw_bool(struct jsonw *w, const char *key, int v)
{
	jsonw_literal(w, key, v ? "true" : "false");
}

void
jsonw_null(struct jsonw *w, const char *key)
{
	jsonw_literal(w, key, "null");
}

const char *
jsonw_text(struct jsonw *w)
{
	evbuffer_add(w->buf, "", 1);
	return (const char *)evbuffer_pullup(w->buf, -1);
}
