/*
 * test_phone.c: phone_normalise() with Cabo Verde's and another codebook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codebook.h"
#include "phone.h"

struct phone_case {
	const char *in;
	const char *want;	/* E.164, or "ERR <reason>" */
};

static const struct phone_case cv[] = {
	/* the four spellings of report-language.md 2.2 */
	{ "+2389912345", "+2389912345" },
	{ "002389912345", "+2389912345" },
	{ "2389912345", "+2389912345" },
	{ "9912345", "+2389912345" },
	/* what people and modems add */
	{ "991 23 45", "+2389912345" },
	{ "991-23-45", "+2389912345" },
	{ "+238 991 23 45", "+2389912345" },
	{ "(+238) 991.23.45", "+2389912345" },
	{ "00 238 991 2345", "+2389912345" },
	{ " 9912345 ", "+2389912345" },
	{ "\xef\xbc\x99\xef\xbc\x99\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95", "+2389912345" },
	{ "\xef\xbc\x8b" "2389912345", "+2389912345" },
	{ "99\xe2\x80\x8b" "12345", "+2389912345" },
	{ "991\xc2\xa0" "2345", "+2389912345" },
	{ "09912345", "+2389912345" },
	{ "5912345", "+2385912345" },
	/* foreign numbers keep their country */
	{ "+351912345678", "+351912345678" },
	{ "00351912345678", "+351912345678" },
	{ "+1 202 555 0123", "+12025550123" },
	{ "+221771234567", "+221771234567" },
	{ "+123456789012345", "+123456789012345" },
	/* refused */
	{ "", "ERR no digits" },
	{ "   ", "ERR no digits" },
	{ "+", "ERR no digits" },
	{ "CVMOVEL", "ERR letters in a phone number" },
	{ "Unitel T+", "ERR letters in a phone number" },
	{ "991234", "ERR wrong number of digits for a national number" },
	{ "99123456", "ERR wrong number of digits for a national number" },
	{ "238991234", "ERR wrong number of digits for a national number" },
	{ "0009912345", "ERR a country code never starts with 0" },
	{ "+0123456789", "ERR a country code never starts with 0" },
	{ "+1234567", "ERR an international number has 8 to 15 digits" },
	{ "+1234567890123456", "ERR an international number has 8 to 15 digits" },
	{ "0012345", "ERR an international number has 8 to 15 digits" },
	{ "99+12345", "ERR not a phone number" },
	{ "9912345#", "ERR not a phone number" },
	{ "\xff\xfe", "ERR not a phone number" },
	{ "123456789012345678901234567890", "ERR too many digits" },
	{ "00912345", "ERR an international number has 8 to 15 digits" },
};

static void
run(const struct codebook *cb, const struct phone_case *c, size_t n,
    const char *name)
{
	char out[PHONE_E164_MAX], got[128], *why = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (phone_normalise(cb, c[i].in, out, sizeof out, &why) == 0)
			snprintf(got, sizeof got, "%s", out);
		else
			snprintf(got, sizeof got, "ERR %s", why);
		free(why);
		why = NULL;
		CHECK_STR(got, c[i].want, "%s row %zu: \"%s\"", name, i,
		    c[i].in);
	}
}

int
main(void)
{
	static const struct phone_case pt[] = {
		{ "912345678", "+351912345678" },
		{ "351912345678", "+351912345678" },
		{ "+2389912345", "+2389912345" },
		{ "9912345", "ERR wrong number of digits for a national number" },
	};
	struct codebook cb;
	char small[8], *why = NULL;

	codebook_default(&cb);
	run(&cb, cv, sizeof cv / sizeof cv[0], "cv");
	snprintf(cb.country_code, sizeof cb.country_code, "351");
	cb.national_length = 9;
	run(&cb, pt, sizeof pt / sizeof pt[0], "pt");

	/* a buffer too small is refused, never overrun */
	CHECK(phone_normalise(&cb, "912345678", small, sizeof small, &why) ==
	    -1 && small[0] == '\0' && why != NULL, "small buffer accepted");
	free(why);
	/* a broken codebook is refused, never overrun */
	cb.national_length = 40;
	CHECK(phone_normalise(&cb, "912345678", small, sizeof small, NULL) ==
	    -1, "broken codebook accepted");
	printf("phone: %zu numbers\n", sizeof cv / sizeof cv[0] +
	    sizeof pt / sizeof pt[0]);
	return check_done("test_phone");
}
