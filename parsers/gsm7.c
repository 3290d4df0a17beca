/*
 * gsm7.c: counting and transliterating text for the GSM 7-bit alphabet.
 *
 * Called for every reply rendered. Nothing here may write past outsz or
 * produce a character outside GSM-7: the SMS layer would then send the
 * reply as UCS-2, cut to 70 characters, and a focal point would get a
 * truncated instruction.
 */
#include <string.h>

#include "fold.h"
#include "gsm7.h"

/* Non-ASCII code points of the GSM-7 basic table. */
static const uint16_t gsm7_basic_extra[] = {
	0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5,
	0x00C6, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF,
	0x00E0, 0x00E4, 0x00E5, 0x00E6, 0x00E8, 0x00E9, 0x00EC, 0x00F1,
	0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393, 0x0394, 0x0398,
	0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

/*
 * Septets of each ASCII character (every reply is mostly ASCII, and each
 * is counted several times): 0 for the controls but LF and CR, and for
 * '`' and DEL; 2 for the extension table.
 */
static const unsigned char gsm7_ascii_cost[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/*  !"#$%&'()*+,-./ */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0-9 :;<=>? */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* @A-O */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,	/* P-Z [\]^_ */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* `a-o */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,	/* p-z {|}~ DEL */
};

int
gsm7_cost(uint32_t cp)
{
	size_t i;

	if (cp < 0x80)
		return gsm7_ascii_cost[cp];
	if (cp == 0x20AC)
		return 2;
	for (i = 0; i < sizeof gsm7_basic_extra / sizeof gsm7_basic_extra[0];
	    i++)
		if (gsm7_basic_extra[i] == cp)
			return 1;
	return 0;
}

int
gsm7_septets(const char *s, size_t len, size_t *bad)
{
	size_t pos = 0, at;
	int n = 0, c;

	while (pos < len) {
		at = pos;
		if ((unsigned char)s[pos] < 0x80)
			c = gsm7_ascii_cost[(unsigned char)s[pos++]];
		else
			c = gsm7_cost(fold_decode(s, len, &pos));
		if (c == 0) {
			if (bad != NULL)
				*bad = at;
			return -1;
		}
		n += c;
	}
	return n;
}

/* gsm7_translit() of anything but an ASCII character kept as it is. */
static int
gsm7_translit_other(const char *s, size_t len, size_t *pos, char buf[4],
    size_t *blen, int plain)
{
	size_t start = *pos;
	uint32_t cp = fold_decode(s, len, pos);
	int c, cost;

	if (cp == '\n' || cp == '\r' || cp == '\t') {
		buf[0] = ' ';
		*blen = 1;
		return 1;
	}
	if (cp != FOLD_INVALID && (cost = gsm7_cost(cp)) != 0 &&
	    (!plain || cp < 0x80 || fold_char(cp) == FOLD_OTHER)) {
		*blen = *pos - start;
		memcpy(buf, s + start, *blen);
		return cost;
	}
	c = cp == FOLD_INVALID ? FOLD_OTHER : fold_char(cp);
	if (c == FOLD_IGNORE) {
		*blen = 0;
		return 0;
	}
	if (c == FOLD_OTHER || gsm7_cost((uint32_t)c) == 0)
		c = '?';
	/* fold_char upper-cases; keep the case of a folded lower-case letter */
	if (c >= 'A' && c <= 'Z' && cp != FOLD_INVALID) {
		if ((cp >= 0xE0 && cp <= 0xFF) ||
		    (cp >= 0x100 && cp <= 0x17F && (cp & 1) == 1) ||
		    (cp >= 0x430 && cp <= 0x45F) || (cp >= 0xFF41 &&
		    cp <= 0xFF5A) || (cp >= 0x3B1 && cp <= 0x3C9))
			c = c - 'A' + 'a';
	}
	buf[0] = (char)c;
	*blen = 1;
	return gsm7_cost((uint32_t)c);
}

/* One code point as GSM-7 UTF-8 (at most 3 bytes) and its cost. Most of
 * every reply is ASCII that GSM-7 has, kept as it is: that is inline. */
static inline int
gsm7_translit(const char *s, size_t len, size_t *pos, char buf[4],
    size_t *blen, int plain)
{
	unsigned char b = (unsigned char)s[*pos];
	int cost;

	if (b < 0x80 && b != '\n' && b != '\r' &&
	    (cost = gsm7_ascii_cost[b]) != 0) {
		buf[0] = (char)b;
		*blen = 1;
		(*pos)++;
		return cost;
	}
	return gsm7_translit_other(s, len, pos, buf, blen, plain);
}

static int
gsm7_append_mode(char *out, size_t outsz, const char *s, size_t len, int max,
    int plain)
{
	size_t o, start, pos = 0, blen;
	int used = 0, cost, total = 0, limit, fits;
	char buf[4];

	if (outsz == 0)
		return 0;
	o = start = strnlen(out, outsz - 1);
	out[o] = '\0';
	if (max <= 0)
		return 0;
	/* No character costs more than 2 septets a byte: a short s fits
	 * without counting it. */
	if (len <= (size_t)max / 2)
		pos = len;
	while (pos < len && total <= max)
		total += gsm7_translit(s, len, &pos, buf, &blen, plain);
	fits = total <= max;
	limit = fits || max < 3 ? max : max - 3;
	pos = 0;
	while (pos < len) {
		cost = gsm7_translit(s, len, &pos, buf, &blen, plain);
		if (used + cost > limit || o + blen + 1 > outsz)
			break;
		if (blen == 1)		/* mostly: no call for one byte */
			out[o] = buf[0];
		else
			memcpy(out + o, buf, blen);
		o += blen;
		used += cost;
	}
	if (!fits && max >= 3) {
		while (o > start && out[o - 1] == ' ') {
			o--;
			used--;
		}
		if (o + 4 <= outsz) {
			memcpy(out + o, "...", 3);
			o += 3;
			used += 3;
		}
	}
	out[o] = '\0';
	return used;
}

int
gsm7_append(char *out, size_t outsz, const char *s, size_t len, int max)
{
	return gsm7_append_mode(out, outsz, s, len, max, 0);
}

int
gsm7_append_plain(char *out, size_t outsz, const char *s, size_t len, int max)
{
	return gsm7_append_mode(out, outsz, s, len, max, 1);
}
