/*
 * decide_route.c: which authorities a report goes to, and when each rung of
 * their ladders is called if nobody acknowledges.
 *
 * Rules: every matching rule applies (routing.mode = "all"), in file order,
 * authorities deduplicated; a matching rule with final = true stops the
 * walk. Unregistered or inactive senders go to routing.unregistered only.
 * U3 is never forwarded: the plan holds only the digest time. Pure code:
 * no I/O, no globals, never reads the clock.
 */
#include <stdio.h>
#include <string.h>

#include "cause.h"
#include "decide_reply.h"
#include "decide_route.h"

int
route_rule_matches(const struct route_rule *rr, const struct report *r,
    const struct tm *tm)
{
	int now, any = 0;

	if (rr->areas && (r->area < 0 || !(rr->areas & (1u << r->area))))
		return 0;
	if (rr->forms) {
		for (int i = 0; i < r->n_forms; i++)
			if (rr->forms & (1u << r->forms[i]))
				any = 1;
		if (!any)
			return 0;
	}
	if (rr->urgency && !(rr->urgency & (1u << r->urgency)))
		return 0;
	if (rr->minor >= 0 && rr->minor != (r->minor != 0))
		return 0;
	if (rr->days && !(rr->days & (1u << tm->tm_wday)))
		return 0;
	if (rr->from_min >= 0) {
		now = tm->tm_hour * 60 + tm->tm_min;
		if (rr->from_min < rr->to_min) {
			if (now < rr->from_min || now >= rr->to_min)
				return 0;
		} else if (now < rr->from_min && now >= rr->to_min)
			return 0;	/* window across midnight */
	}
	return 1;
}

static void
route_add(struct route_plan *p, int a)
{
	for (int i = 0; i < p->n_authorities; i++)
		if (p->authorities[i] == a)
			return;
	if (p->n_authorities < CONFIG_MAX_AUTHORITIES)
		p->authorities[p->n_authorities++] = a;
}

static void
route_step_add(struct route_plan *p, int a, int rung, int attempt,
    const char *number, long after_s)
{
	struct route_step *s;
	int i;

	if (p->n_steps == ROUTE_MAX_STEPS)
		return;
	/* Insertion keeps steps sorted by time, stable for equal times. */
	for (i = p->n_steps; i > 0 && p->steps[i - 1].after_s > after_s; i--)
		p->steps[i] = p->steps[i - 1];
	s = &p->steps[i];
	s->authority = a;
	s->rung = rung;
	s->attempt = attempt;
	s->number = number;
	s->after_s = after_s;
	p->n_steps++;
}

int
route_decide(const struct config *cfg, const struct report *r,
    const char *sender_e164, time_t received_at, struct route_plan *out,
    char **cause)
{
	const struct escalation_policy *pol;
	const struct authority *a;
	struct tm tm;
	long t, end = 0, now_s;

	memset(out, 0, sizeof *out);
	if (r->cmd != REPORT_CMD_ALERTA || r->err != REPORT_ERR_NONE) {
		cause_set(cause, "only a valid ALERTA is routed");
		return -1;
	}
	if (localtime_r(&received_at, &tm) == NULL) {
		cause_set(cause, "time of receipt out of range");
		return -1;
	}
	if (sender_e164 != NULL)
		snprintf(out->sender, sizeof out->sender, "%s", sender_e164);
	out->fp = sender_e164 ? config_find_focal(cfg, sender_e164) : NULL;
	if (out->fp != NULL && !out->fp->active)
		out->fp = NULL;
	out->unverified = out->fp == NULL;
	if (out->unverified) {
		for (int i = 0; i < cfg->n_unregistered; i++)
			route_add(out, cfg->unregistered[i]);
	} else {
		for (int i = 0; i < cfg->n_rules; i++) {
			if (!route_rule_matches(&cfg->rules[i], r, &tm))
				continue;
			for (int j = 0; j < cfg->rules[i].n_notify; j++)
				route_add(out, cfg->rules[i].notify[j]);
			if (cfg->rules[i].final)
				break;
		}
	}
	if (r->urgency == 3) {
		out->digest_only = 1;
		now_s = tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
		out->digest_after_s = cfg->digest_at_s - now_s;
		if (out->digest_after_s <= 0)
			out->digest_after_s += 86400;
		return 0;
	}
	pol = &cfg->escalation[r->urgency == 1 ? 0 : 1];
	for (int i = 0; i < out->n_authorities; i++) {
		a = &cfg->authorities[out->authorities[i]];
		t = 0;
		for (int k = 0; k < a->n_rungs; k++)
			for (int n = 0; n < pol->repeats; n++) {
				route_step_add(out, out->authorities[i], k, n,
				    a->ladder[k].number, t);
				t += pol->ack_timeout_s;
			}
		if (t > end)
			end = t;
	}
	if (out->n_authorities > 0)
		for (int i = 0; i < cfg->n_admins; i++)
			route_step_add(out, -1, i, 0, cfg->admins[i], end);
	return 0;
}

int
route_forward_text(const struct config *cfg, const struct route_plan *plan,
    int a, int t, const struct reply_vars *base, char *out, size_t outsz)
{
	enum reply_lang lang = cfg->authorities[a].lang;
	struct reply_vars v = *base;
	char unverified[REPLY_MAX_BYTES];

	if (plan->fp != NULL) {
		v.fp_name = plan->fp->name;
		v.fp_phone = plan->fp->phone;
	} else {
		decide_reply_unverified(cfg, lang, unverified,
		    sizeof unverified);
		v.fp_name = unverified;
		v.fp_phone = plan->sender[0] != '\0' ? plan->sender : "?";
	}
	return reply_render(&cfg->codebook, &cfg->replies, lang, t,
	    &v, out, outsz);
}
