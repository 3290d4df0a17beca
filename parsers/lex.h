/*
 * lex.h: splits an SMS body into the tokens of the report language.
 *
 * Internal to parsers/ (report.c). A token is a run of characters between
 * separators (space , ; . * # | / + ! ?, and every exotic space); a WORD
 * holds only letters and digits after folding, an OTHER holds anything
 * else (emoji, quotes, invalid bytes), a STOP is ':' or a '-' that is not
 * glued between two letters or digits. Offsets are into the original
 * bytes, so free text is kept exactly as typed. Never reads past len.
 */
#ifndef FAROL_LEX_H
#define FAROL_LEX_H

#include <stddef.h>

#define LEX_FOLD_MAX 24

enum lex_kind {
	LEX_END,
	LEX_WORD,
	LEX_OTHER,
	LEX_STOP,
};

struct lex_token {
	enum lex_kind kind;
	size_t off, end;	/* bytes [off, end) of the input */
	char f[LEX_FOLD_MAX];	/* WORD: folded letters and digits */
	size_t flen;		/* folded length; > LEX_FOLD_MAX - 1: cut */
	int upper;		/* WORD typed with no lower-case letter */
	int digits, letters;	/* WORD: how many of each */
};

struct lex {
	const char *s;
	size_t len, pos;
};

void lex_init(struct lex *lx, const char *s, size_t len, size_t pos);

/* The next token; LEX_END (off = end = len) when there is none. */
void lex_next(struct lex *lx, struct lex_token *t);

#endif
