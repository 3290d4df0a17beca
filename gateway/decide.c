/*
 * decide.c: one message from parse to reply and forwards (see decide.h).
 *
 * Called by farolctl try and by farold's ingest for every message. Who is
 * answered: decide_answers() (an unknown number gets no SMS of any kind
 * unless the config says so; a short code or an alphanumeric sender ID
 * never does).
 * Must never happen here: I/O of any kind, reading the clock.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "decide_reply.h"
#include "message.h"
#include "ussd.h"

/* Only digits, '*' and '#', with a '*': a USSD string. */
static int
decide_is_ussd(const char *s, size_t len)
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

/* Who was notified: the caller's words, routing's, or "Policia SV
 * avisada" when nothing was routed. */
static void
decide_notified(const struct decision *d, const struct decide_params *p,
    const struct reply_overrides *ov, char *out, size_t outsz)
{
	if (p->notified != NULL)
		snprintf(out, outsz, "%s", p->notified);
	else if (d->routed)
		decide_reply_notified(p->cfg, &d->plan, d->lang, out, outsz);
	else
		decide_reply_unrouted(d->cb, ov, &d->r, d->lang, out, outsz);
}

int
decide_answers(const struct config *cfg, const char *e164)
{
	/* A short code or a sender ID does not normalise: "" here. */
	if (e164 == NULL || e164[0] == '\0')
		return 0;
	return cfg == NULL || cfg->unregistered_reply ||
	    config_is_known(cfg, e164);
}

const char *
decide_step_text(const struct decision *d, const struct route_step *s)
{
	for (int i = 0; i < d->plan.n_authorities; i++)
		if (d->plan.authorities[i] == s->authority)
			return d->fwd[i];
	return NULL;
}

int
decide_pin_typed_right(const struct decision *d)
{
	return d->fp != NULL && strcmp(d->fp->pin, d->r.pin) == 0;
}

/* Whether the PIN is right: as typed in the text, or (the text masked,
 * P****) as it was found before it was spooled. */
static int
decide_pin_right(const struct decision *d, const struct decide_params *p)
{
	if (p->pin_verdict == INBOUND_PIN_RIGHT)
		return 1;
	if (p->pin_verdict == INBOUND_PIN_WRONG)
		return 0;
	return decide_pin_typed_right(d);
}

/* The forward to the plan's i-th authority: the words depend only on
 * its language, so an earlier authority's in the same language is
 * copied rather than rendered again. */
static void
decide_forward(struct decision *d, const struct decide_params *p,
    const struct reply_vars *v, int i)
{
	const struct authority *as = p->cfg->authorities;
	enum reply_lang lang = as[d->plan.authorities[i]].lang;

	for (int j = 0; j < i; j++)
		if (as[d->plan.authorities[j]].lang == lang) {
			memcpy(d->fwd[i], d->fwd[j], strlen(d->fwd[j]) + 1);
			return;
		}
	if (route_forward_text(p->cfg, &d->plan, d->plan.authorities[i],
	    p->spooled ? REPLY_FORWARD_SPOOLED : REPLY_FORWARD, v, d->fwd[i],
	    sizeof d->fwd[i]) < 0)
		snprintf(d->fwd[i], sizeof d->fwd[i], "(cannot render)");
}

int
decide_message(const struct codebook *cb, const struct reply_overrides *ov,
    const struct decide_params *p, const char *from, const char *text,
    struct decision *d)
{
	static const struct decide_params defaults = { .default_area = -1 };
	const struct focal_point *fp;
	struct parse_options opt;
	struct reply_vars v;
	char notified[64], *cause = NULL;
	int t, rc;

	if (p == NULL)
		p = &defaults;
	/* The forwards (16 KB) are not cleared: each the plan has is
	 * written below, and none other is read. */
	memset(d, 0, offsetof(struct decision, fwd));
	d->cb = cb;
	d->cfg = p->cfg;
	d->text = text;
	d->len = strlen(text);
	d->lang = p->lang;
	if (from != NULL && phone_normalise(cb, from, d->from, sizeof d->from,
	    &cause) != 0) {
		d->from[0] = '\0';
		snprintf(d->from_err, sizeof d->from_err, "%s", cause);
		free(cause);
		cause = NULL;
	}
	opt.default_area = p->default_area;
	if (p->cfg != NULL && d->from[0] != '\0' &&
	    (fp = config_find_focal(p->cfg, d->from)) != NULL && fp->active) {
		d->fp = fp;
		if (opt.default_area < 0)
			opt.default_area = fp->area;
		if (!p->lang_set)
			d->lang = fp->lang;
	}
	if ((d->ussd = decide_is_ussd(text, d->len)))
		rc = ussd_parse(cb, text, d->len, &d->r);
	else
		rc = report_parse(cb, &opt, text, d->len, &d->r);
	d->valid = rc == 0;

	if (p->cfg != NULL && d->r.cmd == REPORT_CMD_ALERTA && d->valid &&
	    route_decide(p->cfg, &d->r, d->from[0] != '\0' ? d->from : NULL,
	    p->received_at, &d->plan, &cause) == 0)
		d->routed = 1;
	free(cause);		/* not routed: the receipt says so */
	/* A PIN is required of this focal point: a wrong or missing one
	 * holds the alert for an administrator's review. */
	if (!p->released && d->routed && d->fp != NULL &&
	    d->fp->pin[0] != '\0' && !decide_pin_right(d, p))
		d->held = "pin";

	decide_notified(d, p, ov, notified, sizeof notified);
	memset(&v, 0, sizeof v);
	v.report = &d->r;
	v.input = text;
	v.input_len = d->len;
	v.notified = notified;
	v.ref = d->r.cmd == REPORT_CMD_ALERTA && d->valid ?
	    (p->ref != NULL ? p->ref : "<n>") : NULL;
	if (d->held != NULL)
		t = REPLY_HELD_RECEIPT;
	else
		t = reply_for_report(&d->r);
	if (t >= 0) {
		d->septets = reply_render(cb, ov, d->lang, t, &v, d->reply,
		    sizeof d->reply);
		d->has_reply = d->septets >= 0;
	}
	/* Whatever the message, an unknown number hears nothing (a reply
	 * can endanger a victim whose phone is watched, or feed a loop with
	 * an automatic responder). from NULL: try without --from. */
	if (from != NULL && !decide_answers(p->cfg, d->from))
		d->has_reply = 0;
	for (int i = 0; i < d->plan.n_authorities; i++)
		if (d->routed)
			decide_forward(d, p, &v, i);
		else
			d->fwd[i][0] = '\0';
	return rc == 0 ? 0 : -1;
}
