/*
 * fuzz_phone.c: fuzz target for phone_normalise().
 *
 * Any bytes must normalise or be refused without a crash; a normalised
 * number is '+' and 8 to 15 digits, and normalising it again changes
 * nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "phone.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct codebook cb;
	static int ready;
	char out[PHONE_E164_MAX], again[PHONE_E164_MAX], *s, *why = NULL;
	size_t i, n;

	if (!ready) {
		codebook_default(&cb);
		ready = 1;
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (phone_normalise(&cb, s, out, sizeof out, &why) == 0) {
		n = strlen(out);
		if (out[0] != '+' || n < 9 || n > 16)
			fuzz_fail("not E.164");
		for (i = 1; i < n; i++)
			if (out[i] < '0' || out[i] > '9')
				fuzz_fail("not digits");
		if (phone_normalise(&cb, out, again, sizeof again, &why) != 0 ||
		    strcmp(out, again) != 0)
			fuzz_fail("not idempotent");
	} else if (why == NULL || out[0] != '\0')
		fuzz_fail("refused without a reason, or with output");
	free(why);
	free(s);
	return 0;
}
