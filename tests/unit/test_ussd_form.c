/*
 * test_ussd_form.c: the reader of a USSD callback's form body
 * (gateway/ussd_form.c): the aggregator's fields decoded, and every
 * malformed body refused without its values in the cause.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ussd_form.h"

static int
parse(const char *body, struct ussd_form *f, char **cause)
{
	return ussd_form_parse(body, strlen(body), f, cause);
}

static void
test_good(void)
{
	struct ussd_form f;
	char *cause = NULL;

	CHECK_INT(parse("sessionId=ATUid_1.x&serviceCode=%2A384%23&"
	    "phoneNumber=%2B2389912345&text=7*1*1&networkCode=62501", &f,
	    &cause), 0);
	CHECK_STR(f.session, "ATUid_1.x");
	CHECK_STR(f.service, "*384#");
	CHECK_STR(f.phone, "+2389912345");
	CHECK_STR(f.text, "7*1*1");
	CHECK_INT(parse("text=&phoneNumber=9912345&serviceCode=*384*7*1%23&"
	    "sessionId=1", &f, &cause), 0);
	CHECK_STR(f.text, "");
	CHECK_INT(parse("sessionId=1&serviceCode=1&phoneNumber=1&text=S%C3%A3o"
	    "+Vicente", &f, &cause), 0);
	CHECK_STR(f.text, "S\xc3\xa3o Vicente");
}

static void
test_bad(void)
{
	static const char *const bad[] = {
		"",
		"sessionId=1&serviceCode=1&phoneNumber=1",
		"sessionId=1&serviceCode=1&phoneNumber=1&text",
		"sessionId=1&serviceCode=1&phoneNumber=1&text=%2",
		"sessionId=1&serviceCode=1&phoneNumber=1&text=%zz",
		"sessionId=1&serviceCode=1&phoneNumber=1&text=%C3%28",
		"sessionId=1&serviceCode=1&phoneNumber=1&text=%ED%A0%80",
		"sessionId=1&serviceCode=1&phoneNumber=1&text=%00",
		"sessionId=1&serviceCode=1&phoneNumber=1&text=a%0Ab",
		"sessionId=1&sessionId=2&serviceCode=1&phoneNumber=1&text=",
		"sessionId=&serviceCode=1&phoneNumber=1&text=",
		"sessionId=a/b&serviceCode=1&phoneNumber=1&text=",
		"sessionId=1&serviceCode=384&phoneNumber=%2B&text=",
		"sessionId=1&serviceCode=x&phoneNumber=1&text=",
		"sessionId=1&serviceCode=1&phoneNumber=99+12345&text=",
	};
	struct ussd_form f;
	char *cause, big[USSD_BODY_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		CHECK(parse(bad[i], &f, &cause) == -1 && cause != NULL,
		    "refused: %s", bad[i]);
		CHECK(cause == NULL || strstr(cause, "9912345") == NULL,
		    "no value in the cause: %s", cause);
		free(cause);
	}
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cause = NULL;
	CHECK_INT(parse(big, &f, &cause), -1);
	free(cause);
}

int
main(void)
{
	test_good();
	test_bad();
	return check_status();
}
