/*
 * test_ussd.c: single-shot USSD strings, dialled and as callback text.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "codebook.h"
#include "ussd.h"

struct ussd_case {
	const char *in;
	const char *want;	/* "ST SX U1 V- minor=0", or "ERR code at off" */
};

static const struct ussd_case cases[] = {
	{ "*384*7*1*1#", "ST SX U1 V- minor=0" },
	{ "7*1*1", "ST SX U1 V- minor=0" },
	{ "*384*2*1*3#", "SV SX U3 V- minor=0" },
	{ "2*9*2", "SV OU U2 V- minor=0" },
	{ "9*8*1", "BR CT U1 V- minor=0" },
	{ "1*1", "SA SX U2 V- minor=0" },
	{ "*384*1*1#", "SA SX U2 V- minor=0" },
	{ "7*1*1*2", "ST SX U1 V2 minor=0" },
	{ "7*1*1*12*1", "ST SX U1 V12 minor=1" },
	{ "7*1*1*999*2", "ST SX U1 V999 minor=0" },
	{ "7*1*1*1*3", "ST SX U1 V1 minor=0" },
	{ " *384*7*1*1# ", "ST SX U1 V- minor=0" },
	{ "7*1*1\n", "ST SX U1 V- minor=0" },
	{ "07*01*1", "ST SX U1 V- minor=0" },
	{ "*384#", "ERR empty at 4" },
	{ "", "ERR empty at 0" },
	{ "   ", "ERR empty at 3" },
	{ "*999*7*1*1#", "ERR ussd_service at 1" },
	{ "*38*7*1*1#", "ERR ussd_service at 1" },
	{ "*3840*7*1*1#", "ERR ussd_service at 1" },
	{ "*384*7*1*1", "ERR ussd_format at 0" },
	{ "*#", "ERR ussd_service at 1" },
	{ "#", "ERR ussd_format at 0" },
	{ "*", "ERR ussd_format at 0" },
	{ "7", "ERR ussd_format at 0" },
	{ "7**1", "ERR ussd_format at 2" },
	{ "7*1*", "ERR ussd_format at 4" },
	{ "*7*1", "ERR ussd_format at 0" },
	{ "7*a*1", "ERR ussd_format at 2" },
	{ "7*1*1*1*1*1", "ERR ussd_format at 10" },
	{ "7 * 1 * 1", "ERR ussd_format at 0" },
	{ "0*1*1", "ERR ussd_choice at 0" },
	{ "10*1*1", "ERR ussd_choice at 0" },
	{ "7*0*1", "ERR ussd_choice at 2" },
	{ "7*10*1", "ERR ussd_choice at 2" },
	{ "7*1*4", "ERR ussd_choice at 4" },
	{ "7*1*0", "ERR ussd_choice at 4" },
	{ "7*1*1*0", "ERR ussd_choice at 6" },
	{ "7*1*1*1000", "ERR ussd_choice at 6" },
	{ "7*1*1*1*4", "ERR ussd_choice at 8" },
	{ "99999999999999999999*1*1", "ERR ussd_choice at 0" },
};

/* A network-initiated USSD's payload: number, then a single-shot string. */
struct push_case {
	const char *in;
	const char *want;	/* "number|string", or NULL: not a report */
};

static const struct push_case push_cases[] = {
	{ "+2389912345*7*1*1", "+2389912345|7*1*1" },
	{ "+2389912345 *384*7*1*1#", "+2389912345|*384*7*1*1#" },
	{ " +2389912345*7*1*1*2*3 \r\n", "+2389912345|7*1*1*2*3" },
	{ "+2389912345**384*7*1*1#", "+2389912345|*384*7*1*1#" },
	{ "+1234567*1*1", "+1234567|1*1" },
	{ "+123456789012345*1*1", "+123456789012345|1*1" },
	{ "+2389912345*12*1*1", "+2389912345|12*1*1" },	/* invalid, a report */
	{ "+123456*1*1", NULL },		/* 6 digits */
	{ "+1234567890123456*1*1", NULL },	/* 16 digits */
	{ "2389912345*7*1*1", NULL },		/* no "+" */
	{ "+2389912345", NULL },
	{ "+2389912345*", NULL },
	{ "+2389912345*7", NULL },		/* no '*' after the number */
	{ "+2389912345**", NULL },		/* no digit */
	{ "+2389912345-7*1*1", NULL },
	{ "+2389912345*7*1*1 bar", NULL },
	{ "Saldo: 123.45 CVE", NULL },
	{ "Mensagem da rede", NULL },
	{ "*384*7*1*1#", NULL },		/* no number */
	{ "", NULL },
};

static void
test_push(void)
{
	char number[USSD_PUSH_NUMBER_MAX + 1], got[64];
	size_t i, off, n;

	for (i = 0; i < sizeof push_cases / sizeof push_cases[0]; i++) {
		const char *in = push_cases[i].in;

		if (ussd_push_split(in, strlen(in), number, sizeof number, &off,
		    &n) == 0)
			snprintf(got, sizeof got, "%s|%.*s", number, (int)n,
			    in + off);
		else
			snprintf(got, sizeof got, "-");
		CHECK_STR(got, push_cases[i].want != NULL ?
		    push_cases[i].want : "-", "push %zu: \"%s\"", i, in);
	}
	/* A number buffer too small is no report, not an overflow. */
	CHECK(ussd_push_split("+2389912345*7*1*1", 17, number, 8, &off, &n) ==
	    -1, "small buffer");
}

int
main(void)
{
	struct codebook cb;
	struct report r, r2;
	char got[128];
	size_t i;

	codebook_default(&cb);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *in = cases[i].in;

		if (ussd_parse(&cb, in, strlen(in), &r) == 0) {
			char v[16] = "-";

			if (r.victims >= 0)
				snprintf(v, sizeof v, "%d", r.victims);
			snprintf(got, sizeof got, "%s %s U%d V%s minor=%d",
			    cb.areas[r.area].code, cb.forms[r.forms[0]].code,
			    r.urgency, v, r.minor);
			CHECK(r.cmd == REPORT_CMD_ALERTA && r.n_forms == 1 &&
			    r.text_len == 0, "row %zu: cmd=%d n_forms=%d", i,
			    r.cmd, r.n_forms);
		} else
			snprintf(got, sizeof got, "ERR %s at %zu",
			    report_err_name(r.err), r.err_off);
		CHECK_STR(got, cases[i].want, "row %zu: \"%s\"", i, in);
	}

	/* the same report from both spellings (issue: *384*7*1*1# == 7*1*1) */
	ussd_parse(&cb, "*384*7*1*1#", 11, &r);
	ussd_parse(&cb, "7*1*1", 5, &r2);
	CHECK(r.area == r2.area && r.forms[0] == r2.forms[0] &&
	    r.urgency == r2.urgency && r.area == 6 && r.forms[0] == 0 &&
	    r.urgency == 1, "dial and callback differ: area %d/%d",
	    r.area, r2.area);

	/* the service code comes from the codebook */
	snprintf(cb.ussd_service, sizeof cb.ussd_service, "123");
	CHECK(ussd_parse(&cb, "*384*7*1*1#", 11, &r) == -1 &&
	    r.err == REPORT_ERR_USSD_SERVICE, "err=%d", r.err);
	CHECK(ussd_parse(&cb, "*123*7*1*1#", 11, &r) == 0 && r.area == 6,
	    "area=%d", r.area);
	/* a shorter codebook bounds the choices */
	cb.n_areas = 3;
	CHECK(ussd_parse(&cb, "4*1*1", 5, &r) == -1 &&
	    r.err == REPORT_ERR_USSD_CHOICE, "err=%d", r.err);
	test_push();
	printf("ussd: %zu strings\n", sizeof cases / sizeof cases[0]);
	return check_done("test_ussd");
}
