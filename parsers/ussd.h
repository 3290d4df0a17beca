/*
 * ussd.h: single-shot USSD strings as reports.
 *
 * "*384*7*1*1#" dialled, or "7*1*1" as the first `text` of an aggregator
 * callback, is an alert in one dial: area 7, form 1, urgency 1 (1-based
 * positions in the codebook lists). Two optional fields follow: the number
 * of victims (1-999) and minors (1 yes, 2 no, 3 unknown), as the USSD menu
 * asks them. Used by the USSD handler and for network-initiated USSD
 * (+CUSD) payloads. Pure: no I/O, no globals.
 */
#ifndef FAROL_USSD_H
#define FAROL_USSD_H

#include <stddef.h>

#include "codebook.h"
#include "report.h"

/*
 * Parse len bytes. With a leading '*' the string must be the whole dial
 * string: '*', the codebook's ussd_service, then the fields, then '#'.
 * Without, it is the fields alone. Spaces around are ignored. Returns 0
 * with out->cmd REPORT_CMD_ALERTA, or -1 with out->err one of
 * REPORT_ERR_EMPTY (no fields: "*384#", the menu), REPORT_ERR_USSD_SERVICE,
 * REPORT_ERR_USSD_FORMAT or REPORT_ERR_USSD_CHOICE, and err_off/err_len on
 * the offending field.
 */
int ussd_parse(const struct codebook *cb, const char *text, size_t len,
    struct report *out);

#define USSD_PUSH_NUMBER_MAX	16	/* "+" and 15 digits */

/*
 * A network-initiated USSD's payload (an unsolicited +CUSD on a modem)
 * in the single-shot form: the sender's number, "+" and 7 to 15 digits,
 * then one space or '*', then a single-shot string (digits, '*' and '#'
 * only, with at least one '*' and one digit): "+2389912345*7*1*1",
 * "+2389912345 *384*7*1*1#". +CUSD carries no originating number (3GPP
 * TS 27.007), so the operator's platform must put it in the payload.
 * Spaces around are ignored. Returns 0 with the number in number
 * (NUL-terminated, size >= USSD_PUSH_NUMBER_MAX + 1) and the string at
 * text[*off, *off + *n); -1 when the payload is anything else. The
 * string is not checked against the codebook: an invalid report is one,
 * answered as an SMS one is.
 */
int ussd_push_split(const char *text, size_t len, char *number, size_t size,
    size_t *off, size_t *n);

#endif
