/*
 * json.c: escaping strings as JSON literals.
 *
 * Called by gateway/try.c for every string it prints. Must produce valid
 * JSON for any bytes, and never write past outsz.
 */
#include <stdio.h>
#include <string.h>

#include "fold.h"
#include "json.h"

/* The bytes written as they are, without decoding: printable ASCII but
 * '"' and '\\'. */
#define J16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char json_plain[256] = {
	J16(0), J16(0),
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/*  !"#...  */
	J16(1), J16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* P-Z [\]^_ */
	J16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* p-z {|}~ DEL */
	J16(0), J16(0), J16(0), J16(0), J16(0), J16(0), J16(0), J16(0),
};
#undef J16

static void
json_put(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	if (*o < outsz) {
		size_t room = outsz - *o;

		memcpy(out + *o, s, n < room ? n : room);
	}
	*o += n;
}

size_t
json_escape(char *out, size_t outsz, const char *s, size_t len)
{
	size_t o = 0, pos = 0, start;
	uint32_t cp;
	char buf[8];

	json_put(out, outsz, &o, "\"", 1);
	while (pos < len) {
		start = pos;
		/* A run of printable ASCII but '"' and '\\', copied at once. */
		while (pos < len && json_plain[(unsigned char)s[pos]])
			pos++;
		if (pos > start) {
			json_put(out, outsz, &o, s + start, pos - start);
			continue;
		}
		cp = fold_decode(s, len, &pos);
		if (cp == FOLD_INVALID)
			json_put(out, outsz, &o, "\\ufffd", 6);
		else if (cp == '"')
			json_put(out, outsz, &o, "\\\"", 2);
		else if (cp == '\\')
			json_put(out, outsz, &o, "\\\\", 2);
		else if (cp == '\n')
			json_put(out, outsz, &o, "\\n", 2);
		else if (cp == '\r')
			json_put(out, outsz, &o, "\\r", 2);
		else if (cp == '\t')
			json_put(out, outsz, &o, "\\t", 2);
		else if (cp < 0x20 || cp == 0x7F) {
			snprintf(buf, sizeof buf, "\\u%04x", (unsigned)cp);
			json_put(out, outsz, &o, buf, 6);
		} else
			json_put(out, outsz, &o, s + start, pos - start);
	}
	json_put(out, outsz, &o, "\"", 1);
	if (outsz > 0)
		out[o < outsz ? o : outsz - 1] = '\0';
	return o;
}
