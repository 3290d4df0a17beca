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
#include "decide.h"
#include "json.h"
#include "phone.h"
#include "report.h"
#include "decide_route.h"
#include "try.h"
#include "ussd.h"

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

static const char *
try_step_who(const struct decision *c, const struct route_step *s)
{
	return s->authority >= 0 ? c->cfg->authorities[s->authority].id :
	    "admin";
}

static void
try_json_route(const struct decision *c, FILE *out)
{
	const struct route_step *s;

	fprintf(out, ",\"verified\":%s,\"digest_after_s\":",
	    c->plan.unverified ? "false" : "true");
	try_json_int(out, c->plan.digest_after_s, c->plan.digest_only);
	fputs(",\"held\":", out);
	try_json_strz(out, c->held);
	fputs(",\"notify\":[", out);
	/* A held alert is forwarded to nobody: an administrator reviews it. */
	for (int i = 0; c->held == NULL && i < c->plan.n_steps; i++) {
		s = &c->plan.steps[i];
		fputs(i ? ",{\"authority\":" : "{\"authority\":", out);
		try_json_strz(out, try_step_who(c, s));
		fputs(",\"number\":", out);
		try_json_strz(out, s->number);
		fprintf(out, ",\"after_s\":%ld,\"text\":", s->after_s);
		try_json_strz(out, decide_step_text(c, s));
		fputc('}', out);
	}
	fputc(']', out);
}

static void
try_print_route(const struct decision *c, FILE *out)
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
	if (c->held != NULL) {
		fprintf(out, "routing:  HELD for review (%s): the administrators "
		    "are told, nobody else\n", strcmp(c->held, "pin") == 0 ?
		    "PIN missing or wrong" : c->held);
		return;
	}
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
try_print_json(struct decision *c, FILE *out)
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
	if (c->from_err[0] != '\0') {
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
try_print_text(struct decision *c, FILE *out)
{
	const struct report *r = &c->r;
	char note[256];
	int i;

	fprintf(out, "from:     %s\n", c->from[0] != '\0' ? c->from :
	    c->from_err[0] != '\0' ? c->from_err : "-");
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
	else if (c->from[0] == '\0' && c->from_err[0] != '\0')
		fputs("reply:    none (a short code or a sender ID is never "
		    "answered)\n", out);
	else if (c->from[0] != '\0' && !decide_answers(c->cfg, c->from))
		fputs("reply:    none (unknown number: no SMS of any kind, "
		    "security.unregistered_reply)\n", out);
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
	struct decide_params p = { .lang = REPLY_PT, .default_area = -1 };
	struct decision *d;
	int rc;

	if (tp != NULL) {
		p.lang = tp->lang;
		p.default_area = tp->default_area;
		p.notified = tp->notified;
		p.ref = tp->ref;
		p.cfg = tp->cfg;
		p.lang_set = tp->lang_set;
		p.received_at = tp->received_at;
	}
	/* A decision holds a forward per authority: too big for the stack. */
	if ((d = malloc(sizeof *d)) == NULL) {
		fputs("out of memory\n", out);
		return -1;
	}
	rc = decide_message(cb, ov, &p, from, text, d);
	if (json)
		try_print_json(d, out);
	else
		try_print_text(d, out);
	free(d);
	return rc;
}

int
try_report(const struct codebook *cb, const struct reply_overrides *ov,
    const char *from, const char *text, int json, FILE *out)
{
	return try_report_with(cb, ov, NULL, from, text, json, out);
}
