/*
 * gsm7.h: the GSM 03.38 7-bit alphabet, as a budget for replies.
 *
 * A reply must fit one SMS: 160 septets, where a character of the
 * extension table ({ } [ ] ~ \ ^ | and the euro sign) costs two. Replies
 * are built as UTF-8; these functions count them in septets and turn free
 * text into GSM-7 only text. Pure: no I/O, no globals.
 */
#ifndef FAROL_GSM7_H
#define FAROL_GSM7_H

#include <stddef.h>
#include <stdint.h>

#define GSM7_SMS_SEPTETS 160

/* Septets of one code point: 1, 2 (extension table) or 0 if not GSM-7. */
int gsm7_cost(uint32_t cp);

/*
 * Septets of a UTF-8 string of len bytes, or -1 if it holds anything that
 * is not GSM-7 (then *bad, if not NULL, is the byte offset of the first
 * such character).
 */
int gsm7_septets(const char *s, size_t len, size_t *bad);

/*
 * Append s (len bytes of UTF-8, possibly invalid) to out as GSM-7 only
 * text of at most max septets: accents that GSM-7 lacks are dropped
 * (ã -> a, ç -> c), invisible characters removed, newlines and tabs made
 * spaces, anything else unrepresentable (emoji, invalid bytes) becomes '?'.
 * If it does not all fit, it is cut and ends with "..." (within max).
 * out is NUL-terminated; outsz must allow 3 bytes per septet plus one.
 * Returns the septets written.
 */
int gsm7_append(char *out, size_t outsz, const char *s, size_t len,
    int max);

/*
 * gsm7_append() that also folds the accented letters GSM-7 does have
 * (é -> e, Ç -> C), for names in Portuguese replies, which are written
 * without accents.
 */
int gsm7_append_plain(char *out, size_t outsz, const char *s, size_t len,
    int max);

#endif
