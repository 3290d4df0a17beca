/*
 * fold.c: UTF-8 decoding and folding to the ASCII the parser matches on.
 *
 * Called for every character of every report, so the ASCII path is a table
 * look-up and nothing here allocates. Must never read past the length it is
 * given, whatever the bytes are: this is the first code that sees input
 * from the network.
 */
#include <string.h>

#include "fold.h"

/* U+00C0..U+00FF; '~' means no ASCII meaning. */
static const char fold_latin1[] =
    "AAAAAA~CEEEEIIII" "DNOOOOO~OUUUUY~~"
    "AAAAAA~CEEEEIIII" "DNOOOOO~OUUUUY~Y";

/* U+0100..U+017F (Latin Extended-A). */
static const char fold_latin_ext_a[] =
    "AAAAAACCCCCCCCDDDDEEEEEEEEEEGGGGGGGGHHHHIIIIIIIIII~~JJKK~"
    "LLLLLLLLLLNNNNNN~~~OOOOOO~~RRRRRRSSSSSSSSTTTTTTUUUUUUUUUUUU"
    "WWYYYZZZZZZS";

/* Cyrillic and Greek letters that look like Latin capitals. */
struct fold_pair {
	uint16_t cp;
	char ascii;
};

static const struct fold_pair fold_lookalikes[] = {
	{ 0x0391, 'A' }, { 0x0392, 'B' }, { 0x0395, 'E' }, { 0x0396, 'Z' },
	{ 0x0397, 'H' }, { 0x0399, 'I' }, { 0x039A, 'K' }, { 0x039C, 'M' },
	{ 0x039D, 'N' }, { 0x039F, 'O' }, { 0x03A1, 'P' }, { 0x03A4, 'T' },
	{ 0x03A5, 'Y' }, { 0x03A7, 'X' }, { 0x03BF, 'O' },
	{ 0x0405, 'S' }, { 0x0406, 'I' }, { 0x0408, 'J' }, { 0x0410, 'A' },
	{ 0x0412, 'B' }, { 0x0415, 'E' }, { 0x041A, 'K' }, { 0x041C, 'M' },
	{ 0x041D, 'H' }, { 0x041E, 'O' }, { 0x0420, 'P' }, { 0x0421, 'C' },
	{ 0x0422, 'T' }, { 0x0425, 'X' }, { 0x0430, 'A' }, { 0x0435, 'E' },
	{ 0x043E, 'O' }, { 0x0440, 'P' }, { 0x0441, 'C' }, { 0x0443, 'Y' },
	{ 0x0445, 'X' }, { 0x0455, 'S' }, { 0x0456, 'I' }, { 0x0458, 'J' },
};

uint32_t
fold_decode(const char *str, size_t len, size_t *pos)
{
	const unsigned char *s = (const unsigned char *)str + *pos;
	size_t left = len - *pos, n, i;
	uint32_t cp, min;

	if (s[0] < 0x80) {
		(*pos)++;
		return s[0];
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		cp = s[0] & 0x1F;
		min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		cp = s[0] & 0x0F;
		min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		goto bad;
	if (left < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		goto bad;
	*pos += n;
	return cp;
bad:
	(*pos)++;
	return FOLD_INVALID;
}

static int
fold_ascii(int c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	if (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return ' ';
	if (c < 0x20 || c == 0x7F)
		return FOLD_OTHER;
	return c;
}

static int
fold_table(char c)
{
	return c == '~' ? FOLD_OTHER : c;
}

int
fold_char(uint32_t cp)
{
	size_t i;

	if (cp < 0x80)
		return fold_ascii((int)cp);
	if (cp >= 0xC0 && cp <= 0xFF)
		return fold_table(fold_latin1[cp - 0xC0]);
	if (cp >= 0x100 && cp <= 0x17F)
		return fold_table(fold_latin_ext_a[cp - 0x100]);
	switch (cp) {
	case 0x00A0: case 0x1680: case 0x202F: case 0x205F: case 0x3000:
	case 0x2028: case 0x2029: case 0x0085:
		return ' ';
	case 0x00AD: case 0x200B: case 0x200C: case 0x200D: case 0x200E:
	case 0x200F: case 0x2060: case 0xFEFF: case 0x180E: case 0x034F:
		return FOLD_IGNORE;
	case 0x00B2:
		return '2';
	case 0x00B3:
		return '3';
	case 0x00B9:
		return '1';
	case 0x2070:
		return '0';
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
	case 0x2212:
		return '-';
	}
	if (cp >= 0x2000 && cp <= 0x200A)
		return ' ';
	if (cp >= 0x0300 && cp <= 0x036F)	/* combining accents (NFD) */
		return FOLD_IGNORE;
	if (cp >= 0xFE00 && cp <= 0xFE0F)	/* variation selectors */
		return FOLD_IGNORE;
	if (cp >= 0xFF01 && cp <= 0xFF5E)	/* full-width ASCII */
		return fold_ascii((int)(cp - 0xFF01 + 0x21));
	if (cp >= 0x2074 && cp <= 0x2079)
		return (int)('4' + cp - 0x2074);
	if (cp >= 0x2080 && cp <= 0x2089)
		return (int)('0' + cp - 0x2080);
	if (cp >= 0x0660 && cp <= 0x0669)
		return (int)('0' + cp - 0x0660);
	if (cp >= 0x06F0 && cp <= 0x06F9)
		return (int)('0' + cp - 0x06F0);
	if (cp >= 0x1D7CE && cp <= 0x1D7FF)	/* mathematical digits */
		return (int)('0' + (cp - 0x1D7CE) % 10);
	if (cp >= 0x1D400 && cp <= 0x1D6A3)	/* mathematical letters */
		return (int)('A' + (cp - 0x1D400) % 52 % 26);
	if (cp >= 0x0391 && cp <= 0x0458)
		for (i = 0; i < sizeof fold_lookalikes /
		    sizeof fold_lookalikes[0]; i++)
			if (fold_lookalikes[i].cp == cp)
				return fold_lookalikes[i].ascii;
	return FOLD_OTHER;
}

int
fold_word(const char *s, char *out, size_t outsz)
{
	size_t len = strlen(s), pos = 0, n = 0;
	int c;

	while (pos < len) {
		c = fold_char(fold_decode(s, len, &pos));
		if (c == FOLD_IGNORE)
			continue;
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return -1;
		if (n + 1 >= outsz)
			return -1;
		out[n++] = (char)c;
	}
	if (outsz == 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}
