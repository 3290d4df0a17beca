/*
 * fuzz_sms.c: fuzz target for report_parse() and the replies built on it.
 *
 * Any bytes must parse without a crash, leave offsets inside the input,
 * and give a reply of at most 160 GSM-7 septets that is GSM-7 only, and
 * JSON escaping must stay within its documented bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gsm7.h"
#include "json.h"
#include "reply.h"
#include "report.h"

static void
fuzz_check(const struct codebook *cb, const char *s, size_t len, int area)
{
	struct parse_options opt = { area };
	struct reply_vars v;
	struct report r;
	char out[REPLY_MAX_BYTES], json[64];
	int t, n, lang;

	report_parse(cb, &opt, s, len, &r);
	if (r.text_off > len || r.text_len > len - r.text_off)
		fuzz_fail("text outside the input");
	if (r.err_off > len || r.err_len > len - r.err_off)
		fuzz_fail("error token outside the input");
	if (r.err == REPORT_ERR_NONE && r.cmd == REPORT_CMD_NONE)
		fuzz_fail("valid report without a command");
	if (r.err < REPORT_ERR_NONE || r.err >= REPORT_ERR_COUNT)
		fuzz_fail("error out of range");
	if (r.cmd == REPORT_CMD_ALERTA && r.err == REPORT_ERR_NONE &&
	    (r.area < 0 || r.area >= cb->n_areas || r.n_forms < 1))
		fuzz_fail("ALERTA without area or form");
	if (r.urgency < 1 || r.urgency > 3)
		fuzz_fail("urgency out of range");
	if (r.err == REPORT_ERR_WHICH_AREA && (r.text_area < 0 ||
	    r.text_area >= cb->n_areas || r.text_area == area))
		fuzz_fail("which_area without another area");
	if (r.n_notes < 0 || r.n_notes > REPORT_MAX_NOTES)
		fuzz_fail("notes out of range");
	memset(&v, 0, sizeof v);
	v.report = &r;
	v.input = s;
	v.input_len = len;
	v.notified = "Policia SV avisada";
	v.fp_name = "Maria";
	v.fp_phone = "+2389912345";
	for (lang = 0; lang < REPLY_LANGS; lang++) {
		t = reply_for_report(&r);
		if (t < 0)
			t = REPLY_FORWARD;
		n = reply_render(cb, NULL, (enum reply_lang)lang, t, &v, out,
		    sizeof out);
		if (n < 0 || n > GSM7_SMS_SEPTETS ||
		    gsm7_septets(out, strlen(out), NULL) != n)
			fuzz_fail("reply over 160 septets or not GSM-7");
		n = reply_render(cb, NULL, (enum reply_lang)lang, REPLY_FORWARD,
		    &v, out, sizeof out);
		if (n < 0 || n > GSM7_SMS_SEPTETS ||
		    gsm7_septets(out, strlen(out), NULL) != n)
			fuzz_fail("forward over 160 septets or not GSM-7");
	}
	if (json_escape(json, sizeof json, s + r.text_off, r.text_len) >
	    6 * r.text_len + 2)
		fuzz_fail("JSON escape over its bound");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct codebook cb, aliased;
	static int ready;
	char *s;

	if (!ready) {
		codebook_default(&cb);
		/* the same with aliases, as an administrator adds them */
		aliased = cb;
		snprintf(aliased.areas[7].aliases[0], CODEBOOK_NAME_MAX,
		    "Fogo Island");
		snprintf(aliased.areas[7].aliases[1], CODEBOOK_NAME_MAX,
		    "São Filipe");
		aliased.areas[7].n_aliases = 2;
		snprintf(aliased.forms[0].aliases[0], CODEBOOK_NAME_MAX,
		    "prostituicao");
		aliased.forms[0].n_aliases = 1;
		codebook_prepare(&aliased);
		if (codebook_validate(&aliased, NULL, NULL) != 0)
			fuzz_fail("aliased codebook refused");
		ready = 1;
	}
	/* an exact-size copy, so ASan sees any read past the end */
	if ((s = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	fuzz_check(&cb, s, size, -1);
	fuzz_check(&cb, s, size, 1);
	fuzz_check(&aliased, s, size, 1);
	free(s);
	return 0;
}
