/*
 * schema.c: validates a libconfig tree against a table of allowed settings.
 *
 * Called by config.c before any value is read, so that the loader can trust
 * types and ranges. Every problem names the file and line; a misspelt key
 * gets a "did you mean" hint because typos must never pass silently.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static void schema_problem_v(struct config_problems *, const char *, int,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
schema_problem_v(struct config_problems *problems, const char *file, int line,
    const char *fmt, va_list ap)
{
	char reason[512], *text, **grown;

	vsnprintf(reason, sizeof reason, fmt, ap);
	if (asprintf(&text, "%s:%d: %s", file ? file : "(config)", line,
	    reason) < 0)
		return;
	grown = realloc(problems->lines,
	    (size_t)(problems->n + 1) * sizeof *problems->lines);
	if (grown == NULL) {
		free(text);
		return;
	}
	problems->lines = grown;
	problems->lines[problems->n++] = text;
}

void
schema_problem(struct config_problems *problems, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	schema_problem_v(problems, file, line, fmt, ap);
	va_end(ap);
}

void
schema_problem_at(struct config_problems *problems,
    const config_setting_t *setting, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	schema_problem_v(problems, config_setting_source_file(setting),
	    (int)config_setting_source_line(setting), fmt, ap);
	va_end(ap);
}

static const char *
schema_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	}
	return "something else";
}

static const char *
schema_kind_name(enum schema_kind kind)
{
	switch (kind) {
	case SCHEMA_STRING:
	case SCHEMA_LISTEN:
		return "a string in double quotes";
	case SCHEMA_INT:
		return "an integer";
	case SCHEMA_FLOAT:
		return "a number";
	case SCHEMA_BOOL:
		return "true or false";
	case SCHEMA_GROUP:
	case SCHEMA_FREE_GROUP:
		return "a group { ... }";
	case SCHEMA_LIST:
		return "a list ( { ... }, ... )";
	case SCHEMA_STRING_ARRAY:
		return "an array of strings [ \"...\", ... ]";
	case SCHEMA_INT_ARRAY:
		return "an array of integers [ 1, 2 ]";
	}
	return "?";
}

/* Levenshtein distance, capped: only small distances matter for hints. */
int
schema_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int row[64], prev, tmp, best;

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const struct schema_key *
schema_find(const struct schema_key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static const char *
schema_nearest(const struct schema_key *keys, const char *name)
{
	const char *best = NULL;
	int d, bestd = 3;

	for (; keys->name != NULL; keys++) {
		d = schema_distance(keys->name, name);
		if (d < bestd) {
			bestd = d;
			best = keys->name;
		}
	}
	return best;
}

static int
schema_type_matches(enum schema_kind kind, int type)
{
	switch (kind) {
	case SCHEMA_STRING:
	case SCHEMA_LISTEN:
		return type == CONFIG_TYPE_STRING;
	case SCHEMA_INT:
		return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
	case SCHEMA_FLOAT:
		return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 ||
		    type == CONFIG_TYPE_FLOAT;
	case SCHEMA_BOOL:
		return type == CONFIG_TYPE_BOOL;
	case SCHEMA_GROUP:
	case SCHEMA_FREE_GROUP:
		return type == CONFIG_TYPE_GROUP;
	case SCHEMA_LIST:
		return type == CONFIG_TYPE_LIST;
	case SCHEMA_STRING_ARRAY:
	case SCHEMA_INT_ARRAY:
		return type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST;
	}
	return 0;
}

static int
schema_in_choices(const char *choices, const char *value)
{
	size_t len = strlen(value);
	const char *p = choices, *bar;

	for (;;) {
		bar = strchr(p, '|');
		if ((bar ? (size_t)(bar - p) : strlen(p)) == len &&
		    strncmp(p, value, len) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

/*
 * Whether text is "" or "ADDRESS:PORT" with a numeric address (a name
 * would need a resolver at start-up, and could resolve to a public
 * address nobody meant) and a port from 1 to 65535.
 */
static int
schema_listen_valid(const char *text)
{
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon;
	unsigned char addr[sizeof(struct in6_addr)];
	size_t len;
	long port;

	if (*text == '\0')
		return 1;
	if ((colon = strrchr(text, ':')) == NULL || colon == text)
		return 0;
	len = (size_t)(colon - text);
	if (len >= sizeof host)
		return 0;
	memcpy(host, text, len);
	host[len] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535)
		return 0;
	if (host[0] == '[' && host[len - 1] == ']') {
		host[len - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, addr) == 1;
	}
	return inet_pton(AF_INET, host, addr) == 1;
}

/* "gateway" + "name" -> "gateway.name"; at the top level just "name". */
/* Whether the literal lit (decimal, or hex with 0x; an L suffix allowed)
 * denotes exactly v. */
static int
schema_literal_is(const char *lit, long long v)
{
	const char *digits = lit + (lit[0] == '-' || lit[0] == '+');
	int base = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') ?
	    16 : 10;
	long long parsed;
	char *end;

	errno = 0;
	parsed = strtoll(lit, &end, base);
	if (errno == ERANGE || end == lit)
		return 0;
	if (*end == 'L' && end[1] == '\0')
		end++;
	return *end == '\0' && parsed == v;
}

/*
 * The integer s (libconfig's value v) as written in its file, into buf.
 * libconfig wraps a literal that does not fit 32 bits without saying so
 * (4294967301 reads as 5, 99999999999999999999999 as -1), so a range
 * check on its value alone can pass a wrong number or report one nobody
 * wrote. A line may hold the same name twice (u1 = { ack_timeout = 300; };
 * u2 = { ack_timeout = 1800; }): the literal that denotes v is taken, else
 * the first one (which then did not fit). Returns 0, or -1 when no literal
 * can be found (an unnamed list element, a file no longer readable): the
 * caller then has only libconfig's value.
 */
static int
schema_int_literal(const config_setting_t *s, long long v, char *buf,
    size_t size)
{
	const char *file = config_setting_source_file(s);
	const char *name = config_setting_name(s);
	int want = (int)config_setting_source_line(s), line = 0, found = 0;
	char text[4096], lit[64], *p;
	size_t n, len;
	FILE *f;

	if (file == NULL || name == NULL || want <= 0 ||
	    (f = fopen(file, "r")) == NULL)
		return -1;
	while (fgets(text, sizeof text, f) != NULL && ++line < want)
		;
	fclose(f);
	if (line != want)
		return -1;
	len = strlen(name);
	for (p = text; (p = strstr(p, name)) != NULL; p += len) {
		const char *q = p + len;

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		for (n = 0; (isalnum((unsigned char)q[n]) || q[n] == '-' ||
		    q[n] == '+') && n + 1 < sizeof lit; n++)
			lit[n] = q[n];
		lit[n] = '\0';
		if (n == 0)
			continue;
		if (!found || schema_literal_is(lit, v))
			snprintf(buf, size, "%s", lit);
		found = 1;
		if (schema_literal_is(lit, v))
			return 0;
	}
	return found ? 0 : -1;
}

static void
schema_path(char *buf, size_t size, const char *where, const char *name)
{
	if (where[0] == '\0')
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s.%s", where, name);
}

static void
schema_check_value(const config_setting_t *s, const char *path,
    const struct schema_key *key, struct config_problems *problems)
{
	const config_setting_t *elem;
	char inner[300], lit[64];
	long long v;
	double d;
	size_t len;
	int i, n;

	switch (key->kind) {
	case SCHEMA_INT:
		v = config_setting_get_int64(s);
		if (schema_int_literal(s, v, lit, sizeof lit) != 0)
			snprintf(lit, sizeof lit, "%lld", v);
		if (v < key->min || v > key->max || !schema_literal_is(lit, v))
			schema_problem_at(problems, s,
			    "%s = %s is out of range (%ld to %ld)",
			    path, lit, key->min, key->max);
		break;
	case SCHEMA_FLOAT:
		d = config_setting_type(s) == CONFIG_TYPE_FLOAT ?
		    config_setting_get_float(s) :
		    (double)config_setting_get_int64(s);
		if (!(d >= key->min && d <= key->max))
			schema_problem_at(problems, s,
			    "%s = %g is out of range (%ld to %ld)", path, d,
			    key->min, key->max);
		break;
	case SCHEMA_STRING:
		len = strlen(config_setting_get_string(s));
		if (key->choices != NULL &&
		    !schema_in_choices(key->choices, config_setting_get_string(s)))
			schema_problem_at(problems, s,
			    "%s = \"%s\" is not one of %s", path,
			    config_setting_get_string(s), key->choices);
		else if ((long)len < key->min)
			schema_problem_at(problems, s, "%s must not be empty", path);
		else if (key->max > 0 && (long)len > key->max)
			schema_problem_at(problems, s,
			    "%s is too long (%zu bytes, at most %ld)",
			    path, len, key->max);
		break;
	case SCHEMA_LISTEN:
		if (!schema_listen_valid(config_setting_get_string(s)))
			schema_problem_at(problems, s,
			    "%s = \"%s\" is not \"ADDRESS:PORT\" (a numeric "
			    "address such as 127.0.0.1 or [::1], a port from 1 "
			    "to 65535) or \"\" (off)", path,
			    config_setting_get_string(s));
		break;
	case SCHEMA_GROUP:
		schema_check_group(s, path, key->children, problems);
		break;
	case SCHEMA_LIST:
		n = config_setting_length(s);
		if (n < key->min)
			schema_problem_at(problems, s,
			    "%s needs at least %ld entr%s", path,
			    key->min, key->min == 1 ? "y" : "ies");
		if (n > key->max)
			schema_problem_at(problems, s,
			    "%s has %d entries, at most %ld are allowed",
			    path, n, key->max);
		for (i = 0; i < n; i++) {
			elem = config_setting_get_elem(s, (unsigned)i);
			snprintf(inner, sizeof inner, "%s[%d]", path, i);
			if (config_setting_type(elem) != CONFIG_TYPE_GROUP) {
				schema_problem_at(problems, elem,
				    "%s must be a group { ... }, not %s", inner,
				    schema_type_name(config_setting_type(elem)));
				continue;
			}
			schema_check_group(elem, inner, key->children, problems);
		}
		break;
	case SCHEMA_STRING_ARRAY:
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			elem = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(elem) != CONFIG_TYPE_STRING)
				schema_problem_at(problems, elem,
				    "%s[%d] must be a string, not %s", path, i,
				    schema_type_name(config_setting_type(elem)));
			else if (key->max > 0 && (long)(len = strlen(
			    config_setting_get_string(elem))) > key->max)
				schema_problem_at(problems, elem,
				    "%s[%d] is too long (%zu bytes, at most %ld)",
				    path, i, len, key->max);
		}
		break;
	case SCHEMA_INT_ARRAY:
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			elem = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(elem) != CONFIG_TYPE_INT) {
				schema_problem_at(problems, elem,
				    "%s[%d] must be an integer, not %s", path, i,
				    schema_type_name(config_setting_type(elem)));
				continue;
			}
			v = config_setting_get_int(elem);
			if (v < key->min || v > key->max)
				schema_problem_at(problems, elem,
				    "%s[%d] = %lld is out of range (%ld to %ld)",
				    path, i, v, key->min, key->max);
		}
		break;
	case SCHEMA_FREE_GROUP:
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			elem = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(elem) != CONFIG_TYPE_STRING)
				schema_problem_at(problems, elem,
				    "%s.%s must be a string in double quotes, not %s",
				    path, config_setting_name(elem),
				    schema_type_name(config_setting_type(elem)));
		}
		break;
	case SCHEMA_BOOL:
		break;
	}
}

int
schema_check_group(const config_setting_t *group, const char *where,
    const struct schema_key *keys, struct config_problems *problems)
{
	const struct schema_key *key;
	const config_setting_t *s;
	const char *name, *hint, *in = where[0] ? where : "the top level";
	char path[256];
	int before = problems->n, i, n;

	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(group, (unsigned)i);
		name = config_setting_name(s);
		key = schema_find(keys, name);
		if (key == NULL) {
			hint = schema_nearest(keys, name);
			if (hint != NULL)
				schema_problem_at(problems, s,
				    "unknown setting '%s' in %s (did you mean "
				    "'%s'?)", name, in, hint);
			else
				schema_problem_at(problems, s,
				    "unknown setting '%s' in %s", name, in);
			continue;
		}
		schema_path(path, sizeof path, where, name);
		if (!schema_type_matches(key->kind, config_setting_type(s))) {
			schema_problem_at(problems, s,
			    "%s must be %s, not %s", path,
			    schema_kind_name(key->kind),
			    schema_type_name(config_setting_type(s)));
			continue;
		}
		schema_check_value(s, path, key, problems);
	}
	for (key = keys; key->name != NULL; key++) {
		if (key->required &&
		    config_setting_get_member(group, key->name) == NULL)
			schema_problem_at(problems, group,
			    "%s is missing the required setting '%s'", in,
			    key->name);
	}
	return problems->n - before;
}
