/*
 * ussd_form.c: the strict reader of a USSD callback's form body (see
 * ussd_form.h). Must never: accept a value it had to guess at, put a
 * field's value in a cause (a phone number is personal data).
 */
#include <string.h>

#include "cause.h"
#include "ussd_form.h"

enum ussd_field { F_SESSION, F_SERVICE, F_PHONE, F_TEXT, F_COUNT };

static const char *const ussd_field_names[F_COUNT] = {
	"sessionId", "serviceCode", "phoneNumber", "text"
};

static int
ussd_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..len) ('+' is a space, %XX a byte) into out (size bytes,
 * NUL added). -1: a bad escape, or too long. */
static int
ussd_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (o + 1 >= size)
			return -1;
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= len ||
			    (hi = ussd_hex((unsigned char)s[i + 1])) < 0 ||
			    (lo = ussd_hex((unsigned char)s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (int)o;
}

/* Well-formed UTF-8 without control characters. */
static int
ussd_utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned int cp;

	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (i + n >= len)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
ussd_all_of(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

/* The value of field f is acceptable. */
static int
ussd_value_ok(enum ussd_field f, const char *v, size_t len)
{
	switch (f) {
	case F_SESSION:
		return len > 0 && ussd_all_of(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");
	case F_SERVICE:
		return len > 0 && ussd_all_of(v, "0123456789*#");
	case F_PHONE:
		return len > 0 && ussd_all_of(v + (v[0] == '+'),
		    "0123456789") && v[v[0] == '+'] != '\0';
	case F_TEXT:
		return ussd_utf8_ok((const unsigned char *)v, len);
	default:
		return 0;
	}
}

int
ussd_form_parse(const char *body, size_t len, struct ussd_form *f,
    char **cause)
{
	char *out[F_COUNT] = { f->session, f->service, f->phone, f->text };
	const size_t size[F_COUNT] = { sizeof f->session, sizeof f->service,
	    sizeof f->phone, sizeof f->text };
	char name[32];
	int seen[F_COUNT] = { 0 }, k, dec;
	size_t at = 0, end, eq;
	enum ussd_field i;

	memset(f, 0, sizeof *f);
	if (len > USSD_BODY_MAX) {
		cause_set(cause, "body over %d bytes", USSD_BODY_MAX);
		return -1;
	}
	while (at < len) {
		for (end = at; end < len && body[end] != '&'; end++)
			;
		for (eq = at; eq < end && body[eq] != '='; eq++)
			;
		if (eq == end) {
			cause_set(cause, "a form field without '='");
			return -1;
		}
		if (ussd_decode(body + at, eq - at, name, sizeof name) < 0) {
			cause_set(cause, "a bad field name");
			return -1;
		}
		for (k = 0; k < F_COUNT; k++)
			if (strcmp(name, ussd_field_names[k]) == 0)
				break;
		i = (enum ussd_field)k;
		if (k < F_COUNT) {
			if (seen[i]++) {
				cause_set(cause, "field %s given twice",
				    ussd_field_names[i]);
				return -1;
			}
			dec = ussd_decode(body + eq + 1, end - eq - 1, out[i],
			    size[i]);
			if (dec < 0 || memchr(out[i], '\0', (size_t)dec) !=
			    NULL || !ussd_value_ok(i, out[i], (size_t)dec)) {
				cause_set(cause, "field %s is malformed or too "
				    "long", ussd_field_names[i]);
				return -1;
			}
		}
		/* Other fields (networkCode, ...) are ignored. */
		at = end + 1;
	}
	for (k = 0; k < F_COUNT; k++)
		if (!seen[k]) {
			cause_set(cause, "field %s missing",
			    ussd_field_names[k]);
			return -1;
		}
	return 0;
}
