/*
 * try.c: farolctl try, the core: parse one message and show the result.
 *
 * Called by farolctl (and its unit test). Parsing is the daemon's own code
 * (report_parse, ussd_parse, reply_render); this file only formats. It
 * prints the free text of the message to out because the operator asked
 * for it: it must never send it to a log.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "phone.h"
#include "report.h"
#include "route.h"
#include "try.h"
#include "ussd.h"

struct try_ctx {
	const struct codebook *cb;
	const char *text;
	size_t len;
	struct report r;
	char from[PHONE_E164_MAX];
	const char *from_err;
	char reply[REPLY_MAX_BYTES];
	int has_reply;
	int septets;
	int ussd;
	const struct config *cfg;
	int routed;		/* plan holds a decision */
	struct route_plan plan;
	char fwd[CONFIG_MAX_AUTHORITIES][REPLY_MAX_BYTES];	/* by plan index */
};

/* Only digits, '*' and '#', with a '*': a USSD string. */
static int
try_is_ussd(const char *s, size_t len)
{
	size_t i, stars = 0, other = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '*')
			stars++;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '#' &&
		    s[i] != ' ' && s[i] != '\n' && s[i] != '\r')
			other++;
	}
	return stars > 0 && other == 0;
}

static void
try_json_str(FILE *out, const char *s, size_t len)
{
	char small[256], *buf = small;
	size_t need = json_escape(small, sizeof small, s, len);

	if (need >= sizeof small && (buf = malloc(need + 1)) != NULL)
		json_escape(buf, need + 1, s, len);
	fputs(buf != NULL ? buf : "null", out);
	if (buf != small)
		free(buf);
}

static void
try_json_strz(FILE *out, const char *s)
{
	if (s == NULL)
		fputs("null", out);
	else
		try_json_str(out, s, strlen(s));
}

static void
try_json_int(FILE *out, long v, int have)
{
	if (have)
		fprintf(out, "%ld", v);
	else
		fputs("null", out);
}

/* The text of the forward to the authority of step s. */
static const char *
try_step_text(const struct try_ctx *c, const struct route_step *s)
{
	for (int i = 0; i < c->plan.n_authorities; i++)
		if (c->plan.authorities[i] == s->authority)
			return c->fwd[i];
	return NULL;	/* an administrator: the daemon writes that text */
}

static const char *
try_step_who(const struct try_ctx *c, const struct route_step *s)
{
	return s->authority >= 0 ? c->cfg->authorities[s->authority].id :
	    "admin";
}

static void
try_json_route(const struct try_ctx *c, FILE *out)
{
	const struct route_step *s;

	fprintf(out, ",\"verified\":%s,\"digest_after_s\":",
	    c->plan.unverified ? "false" : "true");
	try_json_int(out, c->plan.digest_after_s, c->plan.digest_only);
	fputs(",\"notify\":[", out);
	for (int i = 0; i < c->plan.n_steps; i++) {
		s = &c->plan.steps[i];
		fputs(i ? ",{\"authority\":" : "{\"authority\":", out);
		try_json_strz(out, try_step_who(c, s));
		fputs(",\"number\":", out);
		try_json_strz(out, s->number);
		fprintf(out, ",\"after_s\":%ld,\"text\":", s->after_s);
		try_json_strz(out, try_step_text(c, s));
		fputc('}', out);
	}
	fputc(']', out);
}

static void
try_print_route(const struct try_ctx *c, FILE *out)
{
	const struct route_step *s;
	const struct authority *a;
	const char *text;

	if (c->plan.unverified)
		fprintf(out, "sender:   not a registered active focal point: "
		    "unverified, routing.unregistered applies%s\n",
		    c->cfg->unregistered_reply ? "" : ", no reply");
	else
		fprintf(out, "sender:   focal point %s (%s, %s)\n",
		    c->plan.fp->id, c->plan.fp->name,
		    c->cfg->codebook.areas[c->plan.fp->area].code);
	if (c->plan.digest_only) {
		fprintf(out, "routing:  U3, no SMS: in the digest in %ld s\n",
		    c->plan.digest_after_s);
		return;
	}
	if (c->plan.n_steps == 0) {
		fputs("routing:  no rule matched: nobody is notified\n", out);
		return;
	}
	fputs("routing:  if nobody answers OK, in this order:\n", out);
	for (int i = 0; i < c->plan.n_steps; i++) {
		s = &c->plan.steps[i];
		a = s->authority >= 0 ? &c->cfg->authorities[s->authority] :
		    NULL;
		fprintf(out, "  +%5lds (%3ld min) %-14s %-16s %s%s\n",
		    s->after_s, s->after_s / 60, try_step_who(c, s),
		    s->number, a ? a->ladder[s->rung].label : "administrator",
		    s->attempt > 0 ? " (repeat)" : "");
	}
	for (int i = 0; i < c->plan.n_authorities; i++) {
		text = c->fwd[i];
		fprintf(out, "forward to %s: %s\n",
		    c->cfg->authorities[c->plan.authorities[i]].id, text);
	}
}

static void
try_print_json(struct try_ctx *c, FILE *out)
{
	const struct report *r = &c->r;
	char note[256];
	int i;

	fputs("{\"from\":", out);
	try_json_strz(out, c->from[0] != '\0' ? c->from : NULL);
	fputs(",\"command\":", out);
	try_json_strz(out, r->cmd != REPORT_CMD_NONE ?
	    report_cmd_name(r->cmd, 0) : NULL);
	fputs(",\"ref\":", out);
	try_json_int(out, r->ref, r->ref > 0);
	fputs(",\"area\":", out);
	try_json_strz(out, r->area >= 0 && r->area < c->cb->n_areas ?
	    c->cb->areas[r->area].code : NULL);
	fputs(",\"forms\":[", out);
	for (i = 0; i < r->n_forms; i++) {
		if (i > 0)
			fputc(',', out);
		try_json_strz(out, c->cb->forms[r->forms[i]].code);
	}
	fprintf(out, "],\"urgency\":%d,\"victims\":", r->urgency);
	try_json_int(out, r->victims, r->victims >= 0);
	fputs(",\"females\":", out);
	try_json_int(out, r->females, r->females >= 0);
	fputs(",\"males\":", out);
	try_json_int(out, r->males, r->males >= 0);
	fprintf(out, ",\"minor\":%s,\"text\":", r->minor ? "true" : "false");
	try_json_str(out, c->text + r->text_off, r->text_len);
	fputs(",\"notes\":[", out);
	for (i = 0; i < r->n_notes; i++) {
		if (i > 0)
			fputc(',', out);
		reply_note_format(r, i, c->text, c->len, REPLY_EN, note,
		    sizeof note);
		try_json_strz(out, note);
	}
	if (c->from_err != NULL) {
		snprintf(note, sizeof note, "sender not a phone number: %s",
		    c->from_err);
		if (r->n_notes > 0)
			fputc(',', out);
		try_json_strz(out, note);
	}
	fputs("],\"error\":", out);
	try_json_strz(out, r->err != REPORT_ERR_NONE ?
	    report_err_name(r->err) : NULL);
	fputs(",\"reply\":", out);
	try_json_strz(out, c->has_reply ? c->reply : NULL);
	if (c->routed)
		try_json_route(c, out);
	fputs("}\n", out);
}

static void
try_print_text(struct try_ctx *c, FILE *out)
{
	const struct report *r = &c->r;
	char note[256];
	int i;

	fprintf(out, "from:     %s\n", c->from[0] != '\0' ? c->from :
	    c->from_err != NULL ? c->from_err : "-");
	fprintf(out, "input:    %s, %zu bytes\n", c->ussd ? "USSD" : "SMS",
	    c->len);
	if (r->err != REPORT_ERR_NONE)
		fprintf(out, "error:    %s at bytes %zu-%zu: \"%.*s\"\n",
		    report_err_name(r->err), r->err_off, r->err_off +
		    r->err_len, (int)r->err_len, c->text + r->err_off);
	else
		fputs("result:   valid report\n", out);
	fprintf(out, "command:  %s\n", r->cmd != REPORT_CMD_NONE ?
	    report_cmd_name(r->cmd, 0) : "-");
	if (r->ref > 0)
		fprintf(out, "ref:      %ld\n", r->ref);
	if (r->cmd == REPORT_CMD_ALERTA) {
		if (r->area >= 0)
			fprintf(out, "area:     %s (%s)\n",
			    c->cb->areas[r->area].code,
			    c->cb->areas[r->area].name_pt);
		else
			fputs("area:     -\n", out);
		for (i = 0; i < r->n_forms; i++)
			fprintf(out, "%s %s (%s)\n", i == 0 ? "forms:   " :
			    "         ", c->cb->forms[r->forms[i]].code,
			    c->cb->forms[r->forms[i]].name_pt);
		fprintf(out, "urgency:  U%d\n", r->urgency);
		if (r->victims >= 0)
			fprintf(out, "victims:  %d\n", r->victims);
		if (r->females >= 0)
			fprintf(out, "females:  %d\n", r->females);
		if (r->males >= 0)
			fprintf(out, "males:    %d\n", r->males);
		fprintf(out, "minor:    %s\n", r->minor ? "yes" : "no");
		if (r->pin[0] != '\0')
			fputs("pin:      given (not shown)\n", out);
	}
	fprintf(out, "text:     \"%.*s\"\n", (int)r->text_len,
	    c->text + r->text_off);
	for (i = 0; i < r->n_notes; i++) {
		reply_note_format(r, i, c->text, c->len, REPLY_EN, note,
		    sizeof note);
		fprintf(out, "note:     %s\n", note);
	}
	if (c->has_reply)
		fprintf(out, "reply:    %s\n          (%d of 160 characters)\n",
		    c->reply, c->septets);
	else
		fputs("reply:    none (depends on the stored alert)\n", out);
	if (c->routed)
		try_print_route(c, out);
}

int
try_report_with(const struct codebook *cb, const struct reply_overrides *ov,
    const struct try_params *tp, const char *from, const char *text,
    int json, FILE *out)
{
	struct try_params defaults = { REPLY_PT, -1, NULL, NULL, NULL, 0, 0 };
	const struct focal_point *fp = NULL;
	enum reply_lang lang;
	const char *why;
	struct parse_options opt;
	struct reply_vars v;
	struct try_ctx c;
	char notified[64];
	int t, rc;

	if (tp == NULL)
		tp = &defaults;
	memset(&c, 0, sizeof c);
	c.cb = cb;
	c.text = text;
	c.len = strlen(text);
	if (from != NULL && phone_normalise(cb, from, c.from, sizeof c.from,
	    &c.from_err) != 0)
		c.from[0] = '\0';
	opt.default_area = tp->default_area;
	lang = tp->lang;
	c.cfg = tp->cfg;
	if (tp->cfg != NULL && c.from[0] != '\0' &&
	    (fp = config_find_focal(tp->cfg, c.from)) != NULL && fp->active) {
		if (opt.default_area < 0)
			opt.default_area = fp->area;
		if (!tp->lang_set)
			lang = fp->lang;
	}
	if ((c.ussd = try_is_ussd(text, c.len)))
		rc = ussd_parse(cb, text, c.len, &c.r);
	else
		rc = report_parse(cb, &opt, text, c.len, &c.r);

	if (tp->cfg != NULL && c.r.cmd == REPORT_CMD_ALERTA &&
	    c.r.err == REPORT_ERR_NONE && route_decide(tp->cfg, &c.r,
	    c.from[0] != '\0' ? c.from : NULL, tp->received_at, &c.plan,
	    &why) == 0)
		c.routed = 1;
	if (tp->notified != NULL)
		snprintf(notified, sizeof notified, "%s", tp->notified);
	else if (c.routed)
		route_notified_text(tp->cfg, &c.plan, lang, notified,
		    sizeof notified);
	else if (c.r.urgency == 3)
		snprintf(notified, sizeof notified, "%s", tp->lang == REPLY_EN ?
		    "Kept for the Observatory" : "Guardado para o Observatorio");
	else
		snprintf(notified, sizeof notified, tp->lang == REPLY_EN ?
		    "Police %s notified" : "Policia %s avisada",
		    c.r.area >= 0 ? cb->areas[c.r.area].code : "");
	memset(&v, 0, sizeof v);
	v.report = &c.r;
	v.input = text;
	v.input_len = c.len;
	v.notified = notified;
	v.ref = c.r.cmd == REPORT_CMD_ALERTA && c.r.err == REPORT_ERR_NONE ?
	    (tp->ref != NULL ? tp->ref : "<n>") : NULL;
	if ((t = reply_for_report(&c.r)) >= 0) {
		c.septets = reply_render(cb, ov, lang, t, &v, c.reply,
		    sizeof c.reply);
		c.has_reply = c.septets >= 0;
	}
	/* Unregistered senders get no reply unless the config says so. */
	if (c.routed && c.plan.unverified && !tp->cfg->unregistered_reply)
		c.has_reply = 0;
	for (int i = 0; c.routed && i < c.plan.n_authorities; i++)
		if (route_forward_text(tp->cfg, &c.plan, c.plan.authorities[i],
		    &v, c.fwd[i], sizeof c.fwd[i]) < 0)
			snprintf(c.fwd[i], sizeof c.fwd[i], "(cannot render)");
	if (json)
		try_print_json(&c, out);
	else
		try_print_text(&c, out);
	return rc == 0 ? 0 : -1;
}

int
try_report(const struct codebook *cb, const struct reply_overrides *ov,
    const char *from, const char *text, int json, FILE *out)
{
	return try_report_with(cb, ov, NULL, from, text, json, out);
}
