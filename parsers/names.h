/*
 * names.h: area names and per-code aliases, read as codes.
 *
 * Internal to parsers/ (report.c, codebook.c). People write the island,
 * not its code: "Fogo", "São Vicente", "S. Vicente", "BOAVISTA". Each area's
 * name and English name, and every alias of an area or form from the
 * config, is folded into a phrase: its words' letters and digits, folded
 * for case and accents, glued together ("SAOVICENTE"), so spacing does not
 * matter; a name of two words or more may also shorten its first word to
 * its initial ("SVICENTE"). A phrase is matched over whole tokens. Pure:
 * no I/O, no globals, no allocation.
 */
#ifndef FAROL_NAMES_H
#define FAROL_NAMES_H

#include <stddef.h>

#include "codebook.h"
#include "lex.h"

enum names_kind {
	NAMES_AREA,
	NAMES_FORM,
};

/* The names a report is read with: a codebook's, or derived for it. */
struct names {
	const struct codebook_name *p;
	int n;
};

/*
 * Fold a name into a phrase (out) and, when it has two words or more, the
 * phrase with its first word cut to its initial (abbr, else ""). Words are
 * separated by spaces, '.', ',' or '-'. Returns the number of words, or -1
 * if the name holds anything else (an apostrophe, an emoji) or is too long.
 */
int names_fold(const char *name, char *out, size_t outsz, char *abbr,
    size_t abbrsz);

/*
 * The phrases of a codebook, into p (CODEBOOK_NAMES_MAX of them): area
 * names (both languages, and shortened), area and form aliases. A phrase
 * that folds like a code, a reserved word or a phrase of another entry is
 * left out: it would be a guess. Returns how many.
 */
int names_build(struct codebook_name *p, const struct codebook *cb);

/*
 * Does a phrase (of the given kind, or any if kind < 0) start at token t,
 * lx being the lexer just after t? On a match, the longest one, returns
 * the phrase and sets *after to the lexer after its last token and *end to
 * that token's end. NULL otherwise.
 */
const struct codebook_name *names_match(const struct names *nm, int kind,
    const struct lex *lx, const struct lex_token *t, struct lex *after,
    size_t *end);

#endif
