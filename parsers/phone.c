/*
 * phone.c: normalising phone numbers to E.164.
 *
 * Called for the sender of every SMS and by the registry. A wrong
 * normalisation would attach a report to the wrong focal point, so this
 * refuses rather than guesses: anything that is not clearly one number is
 * an error. Never writes past outsz.
 */
#include <string.h>

#include "cause.h"
#include "fold.h"
#include "phone.h"

#define PHONE_DIGITS_MAX 15

int
phone_normalise(const struct codebook *cb, const char *in, char *out,
    size_t outsz, char **cause)
{
	char d[PHONE_DIGITS_MAX + 8];
	size_t len = strlen(in), pos = 0, n = 0, cc, off = 0;
	int plus = 0, c, nat = cb->national_length;
	const char *why = NULL;

	if (outsz > 0)
		out[0] = '\0';
	cc = strnlen(cb->country_code, sizeof cb->country_code);
	if (cc < 1 || cc > 3 || nat < 4 || nat > 12) {
		cause_set(cause, "the codebook's country code or national "
		    "length is invalid");
		return -1;
	}
	if (outsz < PHONE_E164_MAX) {
		cause_set(cause, "output buffer too small");
		return -1;
	}
	while (pos < len) {
		c = fold_char(fold_decode(in, len, &pos));
		if (c >= '0' && c <= '9') {
			if (n >= sizeof d - 1) {
				cause_set(cause, "too many digits");
				return -1;
			}
			d[n++] = (char)c;
		} else if (c == '+' && n == 0 && !plus)
			plus = 1;
		else if (c != ' ' && c != '-' && c != '.' && c != '(' &&
		    c != ')' && c != '/' && c != FOLD_IGNORE) {
			cause_set(cause, "%s", c >= 'A' && c <= 'Z' ?
			    "letters in a phone number" :
			    "not a phone number");
			return -1;
		}
	}
	d[n] = '\0';
	if (n == 0)
		why = "no digits";
	else if (plus)
		off = 0;
	else if (n > 2 && d[0] == '0' && d[1] == '0')
		off = 2;
	else if (nat > 0 && n == cc + (size_t)nat &&
	    strncmp(d, cb->country_code, cc) == 0)
		off = 0;
	else if (nat > 0 && n == (size_t)nat && d[0] != '0') {
		/* national: prefix the country code */
		memmove(d + cc, d, n + 1);
		memcpy(d, cb->country_code, cc);
		n += cc;
	} else if (nat > 0 && n == (size_t)nat + 1 && d[0] == '0' &&
	    d[1] != '0') {
		memmove(d + cc, d + 1, n);
		memcpy(d, cb->country_code, cc);
		n += cc - 1;
	} else
		why = "wrong number of digits for a national number";
	if (why == NULL && (n - off < 8 || n - off > PHONE_DIGITS_MAX))
		why = "an international number has 8 to 15 digits";
	if (why == NULL && d[off] == '0')
		why = "a country code never starts with 0";
	if (why != NULL) {
		cause_set(cause, "%s", why);
		return -1;
	}
	out[0] = '+';
	memcpy(out + 1, d + off, n - off);
	out[1 + n - off] = '\0';
	return 0;
}
