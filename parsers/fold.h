/*
 * fold.h: what a typed character means to the report language.
 *
 * Decodes UTF-8 one code point at a time and folds each to the ASCII the
 * parser matches on: case and accents removed, full-width and look-alike
 * letters and digits (Cyrillic, Greek, mathematical, superscript, Arabic-
 * Indic) mapped to A-Z and 0-9, invisible characters dropped, exotic spaces
 * made plain spaces. Used by the SMS parser, the phone normaliser and the
 * GSM-7 transliterator. Pure: no I/O, no globals, never reads past len.
 */
#ifndef FAROL_FOLD_H
#define FAROL_FOLD_H

#include <stddef.h>
#include <stdint.h>

#define FOLD_INVALID 0xFFFFFFFFu	/* a byte that is not valid UTF-8 */

/* What fold_char() returns besides printable ASCII. */
#define FOLD_IGNORE 0		/* invisible: zero-width, BOM, combining mark */
#define FOLD_OTHER 0x80		/* anything with no ASCII meaning (emoji...) */

/*
 * Decode the code point at s[*pos] and advance *pos past it. An invalid,
 * truncated or overlong sequence yields FOLD_INVALID and advances one byte,
 * so every byte is visited and a scan always terminates.
 */
uint32_t fold_decode(const char *s, size_t len, size_t *pos);

/*
 * Fold one code point: an upper-case letter 'A'-'Z', a digit, other
 * printable ASCII as itself (' ' for every kind of space, tab and newline),
 * FOLD_IGNORE or FOLD_OTHER.
 */
int fold_char(uint32_t cp);

/*
 * Fold a whole NUL-terminated UTF-8 string into out (ASCII, NUL-terminated),
 * keeping only letters and digits. Returns the folded length, or -1 if the
 * string holds anything else or does not fit in outsz.
 */
int fold_word(const char *s, char *out, size_t outsz);

#endif
