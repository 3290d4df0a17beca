/*
 * ussd_menu.c: the USSD menu's state machine and screens (see
 * ussd_menu.h). Pure. Must never: render a screen over
 * USSD_SCREEN_CHARS; hold a word a person reads (they are reply
 * templates, parsers/reply_templates.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm7.h"
#include "report.h"
#include "ussd_menu.h"

enum menu_state { M_MAIN, M_AREA, M_FORM, M_URGENCY, M_VICTIMS, M_MINORS,
    M_CONFIRM, M_STATUS };

#define MENU_REF_DIGITS	9	/* an alert number, at most */

struct menu {
	enum menu_state st;
	int order[CODEBOOK_MAX];	/* the areas as offered */
	int area, form, urgency, victims, minors;
	int bad;		/* the problem's template, or -1 */
	int help, confirmed;
	long ref;		/* M_STATUS: the number asked about */
};

static void
menu_word(const struct ussd_menu_in *in, int t, const struct report *r,
    char *out)
{
	struct reply_vars v;

	memset(&v, 0, sizeof v);
	v.report = r;
	if (reply_render(in->cb, in->ov, in->lang, t, &v, out,
	    REPLY_MAX_BYTES) < 0)
		out[0] = '\0';
}

static void
menu_cat(char *dst, size_t size, const char *s)
{
	size_t o = strlen(dst);

	snprintf(dst + o, size - o, "%s", s);
}

/* "CON " and the problem, if any, on its own line. */
static void
menu_head(const struct ussd_menu_in *in, const struct menu *m, char *out,
    size_t size)
{
	char w[REPLY_MAX_BYTES];

	snprintf(out, size, "CON ");
	if (m->bad >= 0) {
		menu_word(in, m->bad, NULL, w);
		menu_cat(out, size, w);
		menu_cat(out, size, "\n");
	}
}

/* An entry's name without accents, cut to width at a word boundary;
 * its code when width is 0. */
static void
menu_name(const struct ussd_menu_in *in, const struct codebook_entry *e,
    int width, char *out, size_t size)
{
	const char *name = codebook_entry_name(e, in->lang == REPLY_EN);
	char *sp;

	out[0] = '\0';
	if (width == 0 || name == NULL || *name == '\0') {
		snprintf(out, size, "%s", e->code);
		return;
	}
	gsm7_append_plain(out, size, name, strlen(name), CODEBOOK_NAME_MAX);
	if ((int)strlen(out) <= width)
		return;
	out[width] = '\0';
	if ((sp = strrchr(out, ' ')) != NULL && sp > out)
		*sp = '\0';
	/* Not ending on a particle: "remocao de" is "remocao". */
	if ((sp = strrchr(out, ' ')) != NULL && sp > out && strlen(sp) <= 3)
		*sp = '\0';
}

/* A title and a numbered list of codebook entries, names as wide as the
 * screen allows. */
static void
menu_list(const struct ussd_menu_in *in, const struct menu *m, int title,
    const struct codebook_entry *list, const int *order, int n, char *out,
    size_t size)
{
	static const int widths[] = { CODEBOOK_NAME_MAX, 24, 20, 16, 13, 11,
	    9, 7, 0 };
	char w[REPLY_MAX_BYTES], name[CODEBOOK_NAME_MAX * 3], line[256];
	size_t k;
	int i;

	for (k = 0; k < sizeof widths / sizeof widths[0]; k++) {
		menu_head(in, m, out, size);
		menu_word(in, title, NULL, w);
		menu_cat(out, size, w);
		for (i = 0; i < n; i++) {
			menu_name(in, &list[order != NULL ? order[i] : i],
			    widths[k], name, sizeof name);
			snprintf(line, sizeof line, "\n%d %s", i + 1, name);
			menu_cat(out, size, line);
		}
		if (strlen(out) <= USSD_SCREEN_CHARS)
			return;
	}
}

/* A title and options from templates: "\n1 word" each. */
static void
menu_options(const struct ussd_menu_in *in, const struct menu *m,
    int title, const struct report *r, const int *words, int n, char *out,
    size_t size)
{
	char w[REPLY_MAX_BYTES], line[REPLY_MAX_BYTES + 8];
	int i;

	menu_head(in, m, out, size);
	if (title >= 0) {
		menu_word(in, title, r, w);
		menu_cat(out, size, w);
	}
	for (i = 0; i < n; i++) {
		menu_word(in, words[i], NULL, w);
		snprintf(line, sizeof line, "%s%d %s", i > 0 || title >= 0 ?
		    "\n" : "", i + 1, w);
		menu_cat(out, size, line);
	}
}

/* A whole number of 1 to max digits, else -1. */
static long
menu_number(const char *s, size_t len, size_t max)
{
	long n = 0;

	if (len == 0 || len > max)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

/* One input at the current screen. */
static void
menu_input(const struct ussd_menu_in *in, struct menu *m, const char *s,
    size_t len)
{
	long n = menu_number(s, len, m->st == M_STATUS ? MENU_REF_DIGITS : 4),
	    lim;

	if (len == 2 && memcmp(s, "00", 2) == 0) {
		m->st = M_MAIN;
		m->bad = -1;
		return;
	}
	if (len == 1 && s[0] == '0') {
		if (m->st == M_STATUS)
			m->st = M_MAIN;
		else if (m->st > M_MAIN)
			m->st--;
		m->bad = -1;
		return;
	}
	m->bad = m->st == M_VICTIMS ? REPLY_USSD_BAD_NUMBER :
	    m->st == M_STATUS ? REPLY_USSD_BAD_REF : REPLY_USSD_BAD_CHOICE;
	switch (m->st) {
	case M_MAIN:
		lim = 3;
		break;
	case M_STATUS:
		lim = 999999999;
		break;
	case M_AREA:
		lim = in->cb->n_areas;
		break;
	case M_FORM:
		lim = in->cb->n_forms;
		break;
	case M_VICTIMS:
		lim = 999;
		break;
	case M_CONFIRM:
		lim = 1;
		break;
	default:
		lim = 3;
		break;
	}
	if (n < 1 || n > lim)
		return;
	m->bad = -1;
	switch (m->st) {
	case M_MAIN:
		if (n == 2)
			m->help = 1;
		else
			m->st = n == 3 ? M_STATUS : M_AREA;
		return;
	case M_STATUS:
		m->ref = n;
		return;
	case M_AREA:
		m->area = m->order[n - 1];
		break;
	case M_FORM:
		m->form = n - 1;
		break;
	case M_URGENCY:
		m->urgency = n;
		break;
	case M_VICTIMS:
		m->victims = n;
		break;
	case M_MINORS:
		m->minors = n;
		break;
	case M_CONFIRM:
		m->confirmed = 1;
		return;
	default:
		return;
	}
	m->st++;
}

static void
menu_start(const struct ussd_menu_in *in, struct menu *m)
{
	int i, k = 0;

	memset(m, 0, sizeof *m);
	m->bad = -1;
	if (in->home_area >= 0 && in->home_area < in->cb->n_areas)
		m->order[k++] = in->home_area;
	for (i = 0; i < in->cb->n_areas && k < CODEBOOK_MAX; i++)
		if (i != in->home_area)
			m->order[k++] = i;
}

void
ussd_menu_status(const struct ussd_menu_in *in, long ref, const char *state,
    char *screen, size_t size)
{
	char w[REPLY_MAX_BYTES], num[24];
	struct reply_vars v;

	snprintf(num, sizeof num, "%ld", ref);
	memset(&v, 0, sizeof v);
	v.ref = num;
	v.notified = state;
	if (reply_render(in->cb, in->ov, in->lang, state != NULL ?
	    REPLY_STATUS : REPLY_USSD_STATUS_NONE, &v, w, sizeof w) < 0)
		w[0] = '\0';
	snprintf(screen, size, "END %s", w);
}

void
ussd_menu_run(const struct ussd_menu_in *in, const char *text,
    struct ussd_menu_out *out)
{
	static const int main_words[] = { REPLY_USSD_MENU_NEW,
	    REPLY_USSD_MENU_HELP, REPLY_USSD_MENU_STATUS };
	static const int urgency_words[] = { REPLY_USSD_U1, REPLY_USSD_U2,
	    REPLY_USSD_U3 };
	static const int minors_words[] = { REPLY_USSD_YES, REPLY_USSD_NO,
	    REPLY_USSD_UNKNOWN };
	static const int confirm_words[] = { REPLY_USSD_CONFIRM_KEY };
	char w[REPLY_MAX_BYTES];
	const char *s = text, *star;
	struct report r;
	struct menu m;
	size_t len;

	memset(out, 0, sizeof *out);
	menu_start(in, &m);
	while (*text != '\0' && s != NULL && !m.help && !m.confirmed &&
	    m.ref == 0) {
		star = strchr(s, '*');
		len = star != NULL ? (size_t)(star - s) : strlen(s);
		menu_input(in, &m, s, len);
		s = star != NULL ? star + 1 : NULL;
	}
	if (m.confirmed) {
		out->end = out->confirmed = 1;
		snprintf(out->report, sizeof out->report, "*%s*%d*%d*%d*%d*%d#",
		    in->cb->ussd_service, m.area + 1, m.form + 1, m.urgency,
		    m.victims, m.minors);
		return;
	}
	if (m.ref > 0) {
		out->end = 1;
		out->status_ref = m.ref;
		return;
	}
	if (m.help) {
		out->end = 1;
		menu_word(in, REPLY_USSD_HELP, NULL, w);
		snprintf(out->screen, sizeof out->screen, "END %s", w);
		return;
	}
	switch (m.st) {
	case M_MAIN:
		menu_options(in, &m, REPLY_USSD_MENU_TITLE, NULL, main_words,
		    3, out->screen, sizeof out->screen);
		break;
	case M_AREA:
		menu_list(in, &m, REPLY_USSD_ASK_AREA, in->cb->areas, m.order,
		    in->cb->n_areas, out->screen, sizeof out->screen);
		break;
	case M_FORM:
		menu_list(in, &m, REPLY_USSD_ASK_FORM, in->cb->forms, NULL,
		    in->cb->n_forms, out->screen, sizeof out->screen);
		break;
	case M_URGENCY:
		menu_options(in, &m, REPLY_USSD_ASK_URGENCY, NULL,
		    urgency_words, 3, out->screen, sizeof out->screen);
		break;
	case M_VICTIMS:
		menu_options(in, &m, REPLY_USSD_ASK_VICTIMS, NULL, NULL, 0,
		    out->screen, sizeof out->screen);
		break;
	case M_STATUS:
		menu_options(in, &m, REPLY_USSD_ASK_REF, NULL, NULL, 0,
		    out->screen, sizeof out->screen);
		break;
	case M_MINORS:
		menu_options(in, &m, REPLY_USSD_ASK_MINORS, NULL,
		    minors_words, 3, out->screen, sizeof out->screen);
		break;
	case M_CONFIRM:
		memset(&r, 0, sizeof r);
		r.cmd = REPORT_CMD_ALERTA;
		r.area = m.area;
		r.text_area = -1;
		r.forms[0] = m.form;
		r.n_forms = 1;
		r.urgency = m.urgency;
		r.victims = m.victims;
		r.females = r.males = -1;
		r.minor = m.minors == 1;
		menu_options(in, &m, REPLY_USSD_CONFIRM, &r, confirm_words, 1,
		    out->screen, sizeof out->screen);
		break;
	}
}
