/*
 * ussd.c: the single-shot USSD form of a report.
 *
 * Called by the USSD handler with strings from an operator's gateway, and
 * by the fuzzers. Strict where SMS is forgiving: the operator's gateway
 * types these, not a person, and a menu is offered when they are wrong.
 * Never reads past len.
 */
#include <string.h>

#include "ussd.h"

#define USSD_FIELDS_MAX 5

static int
ussd_fail(struct report *r, enum report_err err, size_t off, size_t len)
{
	r->err = err;
	r->err_off = off;
	r->err_len = len;
	return -1;
}

/* How many choices field i offers: areas, forms, urgency, victims, minors. */
static long
ussd_choices(const struct codebook *cb, int i)
{
	switch (i) {
	case 0:
		return cb->n_areas > 9 ? 9 : cb->n_areas;
	case 1:
		return cb->n_forms > 9 ? 9 : cb->n_forms;
	case 3:
		return REPORT_MAX_COUNT;
	default:
		return 3;
	}
}

int
ussd_parse(const struct codebook *cb, const char *text, size_t len,
    struct report *out)
{
	size_t start = 0, end = len, pos, svc, f_off[USSD_FIELDS_MAX + 1];
	size_t f_len[USSD_FIELDS_MAX + 1];
	long v[USSD_FIELDS_MAX];
	int n = 0, i;

	report_clear(out);
	while (start < end && (text[start] == ' ' || text[start] == '\n' ||
	    text[start] == '\r' || text[start] == '\t'))
		start++;
	while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\n' ||
	    text[end - 1] == '\r' || text[end - 1] == '\t'))
		end--;
	if (start < end && text[start] == '*') {
		if (text[end - 1] != '#' || end - start < 2)
			return ussd_fail(out, REPORT_ERR_USSD_FORMAT, start,
			    end - start);
		end--;
		svc = strnlen(cb->ussd_service, sizeof cb->ussd_service);
		start++;
		if (svc == 0 || end - start < svc ||
		    memcmp(text + start, cb->ussd_service, svc) != 0 ||
		    (end - start > svc && text[start + svc] != '*'))
			return ussd_fail(out, REPORT_ERR_USSD_SERVICE, start,
			    end - start);
		start += svc;
		if (start == end)
			return ussd_fail(out, REPORT_ERR_EMPTY, start, 0);
		start++;	/* the '*' after the service code */
	}
	if (start >= end)
		return ussd_fail(out, REPORT_ERR_EMPTY, start, 0);
	pos = start;
	for (;;) {
		if (n == USSD_FIELDS_MAX)
			return ussd_fail(out, REPORT_ERR_USSD_FORMAT, pos,
			    end - pos);
		f_off[n] = pos;
		v[n] = 0;
		while (pos < end && text[pos] >= '0' && text[pos] <= '9') {
			if (v[n] < 100000)
				v[n] = v[n] * 10 + (text[pos] - '0');
			pos++;
		}
		f_len[n] = pos - f_off[n];
		if (f_len[n] == 0 || (pos < end && text[pos] != '*'))
			return ussd_fail(out, REPORT_ERR_USSD_FORMAT, f_off[n],
			    pos < end ? 1 + f_len[n] : f_len[n]);
		n++;
		if (pos == end)
			break;
		pos++;
		if (pos == end)
			return ussd_fail(out, REPORT_ERR_USSD_FORMAT, pos, 0);
	}
	if (n < 2)
		return ussd_fail(out, REPORT_ERR_USSD_FORMAT, start, end - start);
	for (i = 0; i < n; i++)
		if (v[i] < 1 || v[i] > ussd_choices(cb, i))
			return ussd_fail(out, REPORT_ERR_USSD_CHOICE, f_off[i],
			    f_len[i]);
	out->cmd = REPORT_CMD_ALERTA;
	out->area = (int)v[0] - 1;
	out->forms[0] = (int)v[1] - 1;
	out->n_forms = 1;
	if (n > 2)
		out->urgency = (int)v[2];
	if (n > 3)
		out->victims = (int)v[3];
	if (n > 4)
		out->minor = v[4] == 1;
	out->text_off = end;
	out->text_len = 0;
	return 0;
}

static int
ussd_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int
ussd_push_split(const char *text, size_t len, char *number, size_t size,
    size_t *off, size_t *n)
{
	size_t start = 0, end = len, i, digits = 0, stars = 0;

	while (start < end && ussd_space(text[start]))
		start++;
	while (end > start && ussd_space(text[end - 1]))
		end--;
	if (start == end || text[start] != '+')
		return -1;
	for (i = start + 1; i < end && text[i] >= '0' && text[i] <= '9'; i++)
		;
	if (i - start - 1 < 7 || i - start > USSD_PUSH_NUMBER_MAX ||
	    i - start + 1 > size || i == end ||
	    (text[i] != ' ' && text[i] != '*'))
		return -1;
	memcpy(number, text + start, i - start);
	number[i - start] = '\0';
	*off = ++i;
	for (; i < end; i++) {
		if (text[i] == '*')
			stars++;
		else if (text[i] >= '0' && text[i] <= '9')
			digits++;
		else if (text[i] != '#')
			return -1;
	}
	if (stars == 0 || digits == 0)
		return -1;
	*n = end - *off;
	return 0;
}
