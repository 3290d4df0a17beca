/*
 * lex.c: tokens of the report language, over the raw input bytes.
 *
 * Called by report_parse() for every SMS. Nothing here allocates or keeps
 * state beyond struct lex; it must terminate and stay within len for any
 * bytes at all (fuzzed by tests/fuzz/fuzz_sms.c).
 */
#include <string.h>

#include "fold.h"
#include "lex.h"

void
lex_init(struct lex *lx, const char *s, size_t len, size_t pos)
{
	lx->s = s;
	lx->len = len;
	lx->pos = pos;
}

static int
lex_is_sep(int c)
{
	switch (c) {
	case ' ': case ',': case ';': case '.': case '*': case '#':
	case '|': case '/': case '+': case '!': case '?':
		return 1;
	}
	return 0;
}

static int
lex_is_alnum(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Folded class of the code point at *pos, advancing *pos. */
static int
lex_fold(struct lex *lx, size_t *pos, int *lower)
{
	uint32_t cp = fold_decode(lx->s, lx->len, pos);

	*lower = (cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0xFF) ||
	    (cp >= 0xFF41 && cp <= 0xFF5A);
	return cp == FOLD_INVALID ? FOLD_OTHER : fold_char(cp);
}

/* Is the next visible character a letter or digit? */
static int
lex_alnum_follows(struct lex *lx, size_t pos)
{
	int c, lower;

	while (pos < lx->len) {
		c = lex_fold(lx, &pos, &lower);
		if (c != FOLD_IGNORE)
			return lex_is_alnum(c);
	}
	return 0;
}

void
lex_next(struct lex *lx, struct lex_token *t)
{
	size_t save;
	int c, lower;

	memset(t, 0, offsetof(struct lex_token, f));
	t->f[0] = '\0';
	t->flen = t->digits = t->letters = 0;
	for (;;) {
		if (lx->pos >= lx->len) {
			t->kind = LEX_END;
			t->off = t->end = lx->len;
			return;
		}
		save = lx->pos;
		c = lex_fold(lx, &lx->pos, &lower);
		if (c == FOLD_IGNORE || lex_is_sep(c))
			continue;
		if (c == ':' || c == '-') {
			t->kind = LEX_STOP;
			t->off = save;
			t->end = lx->pos;
			return;
		}
		lx->pos = save;
		break;
	}
	t->kind = LEX_WORD;
	t->off = lx->pos;
	t->upper = 1;
	while (lx->pos < lx->len) {
		save = lx->pos;
		c = lex_fold(lx, &lx->pos, &lower);
		if (c == FOLD_IGNORE)
			continue;
		if (lex_is_alnum(c)) {
			if (t->flen + 1 < LEX_FOLD_MAX)
				t->f[t->flen] = (char)c;
			t->flen++;
			if (c <= '9')
				t->digits++;
			else
				t->letters++;
			if (lower)
				t->upper = 0;
			continue;
		}
		if (lex_is_sep(c) || (c == ':' && t->kind == LEX_WORD)) {
			lx->pos = save;
			break;
		}
		if (c == '-' && t->kind == LEX_WORD) {
			if (t->flen > 0 && lex_alnum_follows(lx, lx->pos)) {
				/* "SV-SX": a glued hyphen separates codes */
				t->end = save;
				goto done;
			}
			lx->pos = save;
			break;
		}
		t->kind = LEX_OTHER;
	}
	t->end = lx->pos;
done:
	t->f[t->flen < LEX_FOLD_MAX ? t->flen : LEX_FOLD_MAX - 1] = '\0';
}
