/*
 * ussd_form.h: reads the body of a USSD gateway's callback, the
 * aggregator convention: application/x-www-form-urlencoded fields
 * sessionId, serviceCode, phoneNumber and text.
 *
 * Pure (no I/O), used by gateway/ussd_http.c and the unit tests. Strict:
 * a body the operator's gateway would never send (a bad %-escape, a
 * field twice, invalid UTF-8, a control character, an oversized value)
 * is refused with the reason, never guessed at.
 */
#ifndef FAROL_USSD_FORM_H
#define FAROL_USSD_FORM_H

#include <stddef.h>

#define USSD_BODY_MAX		2048	/* bytes of a callback's body */
#define USSD_SESSION_MAX	64	/* bytes of a sessionId */
#define USSD_SERVICE_MAX	64	/* bytes of a serviceCode */
#define USSD_PHONE_MAX		31	/* bytes of a phoneNumber */
#define USSD_TEXT_MAX		512	/* bytes of text (all inputs so far) */

struct ussd_form {
	char session[USSD_SESSION_MAX + 1];	/* [A-Za-z0-9._:-]+ */
	char service[USSD_SERVICE_MAX + 1];	/* digits, '*', '#' */
	char phone[USSD_PHONE_MAX + 1];		/* '+' and digits */
	char text[USSD_TEXT_MAX + 1];		/* UTF-8, may be "" */
};

/*
 * Parse body (len bytes, not NUL-terminated) into f. Returns 0, or -1
 * with *cause set (cause.h) to why it is malformed; the cause never
 * holds a field's value (it may be a phone number).
 */
int ussd_form_parse(const char *body, size_t len, struct ussd_form *f,
    char **cause);

#endif
