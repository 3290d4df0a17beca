/*
 * reply.h: the SMS replies of the gateway, rendered from templates.
 *
 * Every reply fits one SMS of 160 GSM 7-bit septets (extension characters
 * count two). Templates exist in Portuguese (the default) and English,
 * built in (reply_templates.h) and overridable from the config file. A
 * template is text with placeholders in braces:
 *
 *   {ref} {summary} {notified} {note} {codes} {text} {fp_name} {fp_phone}
 *   {token} {areas} {forms} {ex_area} {ex_form} {cmd} {area_help}
 *   {form_help} {counts} {ussd} {area}
 *
 * Each placeholder has a maximum width, and values are cut to it (with
 * "..."), so the worst case of a template is known from its text alone:
 * reply_template_check() refuses one that could exceed 160. {text}, the
 * free text, takes whatever room is left, at least REPLY_TEXT_MIN. Values
 * are transliterated to GSM-7 (accents GSM-7 lacks dropped, emoji as '?'):
 * a rendered reply is always plain GSM-7, never UCS-2. Pure: no I/O, no
 * globals; the caller owns every string.
 */
#ifndef FAROL_REPLY_H
#define FAROL_REPLY_H

#include <stddef.h>

#include "codebook.h"
#include "report.h"
#include "reply_templates.h"

#define REPLY_MAX_BYTES 512	/* a rendered reply, NUL included */
#define REPLY_TEMPLATES_MAX 64
#define REPLY_TEXT_MIN 20	/* septets {text} always gets */

enum reply_lang {
	REPLY_PT,
	REPLY_EN,
};
#define REPLY_LANGS 2

#define REPLY_ENUM_X(id, name, pt, en) REPLY_##id,
enum reply_template {
	REPLY_TEMPLATES(REPLY_ENUM_X)
	REPLY_TEMPLATE_COUNT
};
#undef REPLY_ENUM_X

/* Texts from the config file, NULL where the default applies. */
struct reply_overrides {
	const char *text[REPLY_LANGS][REPLY_TEMPLATES_MAX];
};

/* Values a template may use; any pointer may be NULL. */
struct reply_vars {
	const struct report *report;
	const char *input;	/* the bytes report points into */
	size_t input_len;
	const char *ref;	/* the alert number; NULL: report->ref */
	const char *notified;	/* "Policia SV avisada" */
	const char *fp_name;	/* the focal point, in forwards */
	const char *fp_phone;
	const char *text;	/* free text; NULL: the report's */
	size_t text_len;
};

/* A template by its stable name ("receipt", "error_unknown_area"); -1. */
int reply_template_find(const char *name);

/* The name of template t, or NULL. */
const char *reply_template_name(int t);

/* The built-in text of template t in lang, or NULL. */
const char *reply_template_default(int t, enum reply_lang lang);

/*
 * Is text usable as a template? Only known placeholders, balanced braces,
 * GSM-7 characters only, {text} at most once, and at most 160 septets with
 * every placeholder at its widest. Returns 0, or -1 with *cause set
 * (cause.h).
 */
int reply_template_check(const char *text, char **cause);

/*
 * Render template t in lang (override if ov has one, else built in) into
 * out. Returns the septets used (<= 160), or -1 if t is unknown or outsz is
 * below REPLY_MAX_BYTES. out is always NUL-terminated when outsz > 0.
 */
int reply_render(const struct codebook *cb, const struct reply_overrides *ov,
    enum reply_lang lang, int t, const struct reply_vars *v, char *out,
    size_t outsz);

/*
 * The template that answers a parsed report: the error's, the receipt of
 * ALERTA and the other commands, the help topic. -1 when the answer
 * depends on stored state (ESTADO).
 */
int reply_for_report(const struct report *r);

/*
 * Note i of a report as a short sentence in lang ("Lido \"SVV\" como SV"),
 * GSM-7 only. Returns 0, or -1 if there is no such note.
 */
int reply_note_format(const struct report *r, int i, const char *input,
    size_t input_len, enum reply_lang lang, char *out, size_t outsz);

#endif
