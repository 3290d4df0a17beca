/*
 * phone.h: phone numbers to E.164, with the country code of the codebook.
 *
 * "+2389912345", "002389912345", "2389912345", "9912345" and
 * "991 23 45" are the same sender: "+2389912345". Used on every sender of
 * every SMS, on registry entries and by farolctl. Pure: no I/O, no globals.
 */
#ifndef FAROL_PHONE_H
#define FAROL_PHONE_H

#include <stddef.h>

#include "codebook.h"

#define PHONE_E164_MAX 17	/* '+', 15 digits, NUL */

/*
 * Normalise in (UTF-8; spaces, dots, hyphens, parentheses, invisible
 * characters and full-width digits allowed) into out as "+<digits>".
 * Accepted: '+' or "00" then 8 to 15 digits (any country); the country code
 * then a national number; a national number, optionally after one trunk
 * '0'. Returns 0, or -1 with *cause set (cause.h; out then holds "") for
 * anything else: letters (an alphanumeric sender such as an operator's
 * name), a wrong length, or outsz below PHONE_E164_MAX.
 */
int phone_normalise(const struct codebook *cb, const char *in, char *out,
    size_t outsz, char **cause);

#endif
