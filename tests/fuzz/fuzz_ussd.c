/*
 * fuzz_ussd.c: fuzz target for ussd_parse() and ussd_push_split().
 *
 * Any bytes must parse without a crash; a valid result must name an area
 * and a form inside the codebook and an urgency of 1 to 3, and the same
 * fields typed as a callback text must give the same report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ussd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct codebook cb;
	static int ready;
	struct report r, r2;
	char *s, again[64];
	int n;

	if (!ready) {
		codebook_default(&cb);
		ready = 1;
	}
	if ((s = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	if (ussd_parse(&cb, s, size, &r) == 0) {
		if (r.area < 0 || r.area >= cb.n_areas || r.n_forms != 1 ||
		    r.forms[0] < 0 || r.forms[0] >= cb.n_forms ||
		    r.urgency < 1 || r.urgency > 3)
			fuzz_fail("valid USSD report out of the codebook");
		n = snprintf(again, sizeof again, "*%s*%d*%d*%d#",
		    cb.ussd_service, r.area + 1, r.forms[0] + 1, r.urgency);
		if (ussd_parse(&cb, again, (size_t)n, &r2) != 0 ||
		    r2.area != r.area || r2.forms[0] != r.forms[0] ||
		    r2.urgency != r.urgency)
			fuzz_fail("dial string and callback text disagree");
	} else if (r.err_off > size || r.err_len > size - r.err_off)
		fuzz_fail("error outside the input");
	/* A +CUSD payload: the string inside the input, the number short. */
	{
		char number[USSD_PUSH_NUMBER_MAX + 1];
		size_t off, len;

		if (ussd_push_split(s, size, number, sizeof number, &off,
		    &len) == 0 && (off > size || len > size - off ||
		    strlen(number) > USSD_PUSH_NUMBER_MAX || len == 0))
			fuzz_fail("+CUSD payload split outside the input");
	}
	free(s);
	return 0;
}
