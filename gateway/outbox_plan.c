/*
 * outbox_plan.c: who is sent what and when (see outbox_plan.h).
 *
 * Called by ingest.c for every message and command outcome it stores and
 * by outbox.c for a message spooled while the database is down. The words
 * are reply templates, chosen by the decision library; here they get a
 * recipient, a purpose and a time. Must never happen here: I/O, reading
 * the clock, a row without a recipient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide_reply.h"
#include "jsonw.h"
#include "lookup_names.h"
#include "outbox_plan.h"

/* src (NULL: "") into dst, cut as snprintf's "%s" would cut it (two per
 * row: printf's parsing cost more than the bytes). */
static void
outbox_plan_copy(char *dst, size_t dsz, const char *src)
{
	size_t n = src != NULL ? strnlen(src, dsz - 1) : 0;

	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
}

/* Add a row; text NULL: rendered later into the row (returned). */
static struct outbox_row *
outbox_plan_add(struct outbox_plan *p, const char *recipient,
    const char *text, const char *purpose, const char *authority, int rung,
    long after_s)
{
	struct outbox_row *r;

	if (recipient == NULL || recipient[0] == '\0' ||
	    p->n == OUTBOX_PLAN_MAX)
		return NULL;
	r = &p->rows[p->n++];
	memset(r, 0, sizeof *r);
	outbox_plan_copy(r->recipient, sizeof r->recipient, recipient);
	outbox_plan_copy(r->text, sizeof r->text, text);
	r->purpose = purpose;
	r->authority = authority;
	r->rung = rung;
	r->after_s = after_s;
	return r;
}

/* Every stand-in of the alert number becomes "{ref}", in place. */
static void
outbox_plan_ref(char *s)
{
	const size_t n = sizeof OUTBOX_REF_STANDIN - 1;
	char *p;

	while ((p = strstr(s, OUTBOX_REF_STANDIN)) != NULL) {
		memcpy(p, "{ref}", 5);
		memmove(p + 5, p + n, strlen(p + n) + 1);
	}
}

/* An administrator's notice about this alert (held, nobody answered). */
static void
outbox_plan_admin_text(const struct config *cfg, const struct decision *d,
    int t, char *out, size_t outsz)
{
	struct reply_vars v;

	memset(&v, 0, sizeof v);
	v.report = &d->r;
	v.input = d->text;
	v.input_len = d->len;
	v.ref = OUTBOX_REF_STANDIN;
	v.fp_name = d->fp != NULL ? d->fp->name : "?";
	v.fp_phone = d->from;
	if (reply_render(&cfg->codebook, &cfg->replies, REPLY_PT, t, &v, out,
	    outsz) < 0)
		snprintf(out, outsz, "FAROL " OUTBOX_REF_STANDIN);
}

/* An empty plan whose answers to a sender are rate-limited. */
static void
outbox_plan_start(const struct config *cfg, struct outbox_plan *out)
{
	out->n = 0;
	out->reply_max = cfg->reply_max;
	out->reply_per_s = cfg->reply_per_s;
}

void
outbox_plan_message(const struct config *cfg, const struct decision *d,
    struct outbox_plan *out)
{
	const struct route_step *s;
	struct outbox_row *r;
	const char *text;
	char buf[REPLY_MAX_BYTES];
	int admin_text = 0;

	outbox_plan_start(cfg, out);
	if (d->has_reply)
		outbox_plan_add(out, d->from, d->reply,
		    lookup_outbox_purpose[d->r.cmd == REPORT_CMD_ALERTA &&
		    d->valid ? PURPOSE_RECEIPT : PURPOSE_REPLY], NULL, 0, 0);
	if (d->held != NULL && strcmp(d->held, "flood") == 0) {
		/* The administrators were told when the quarantine began. */
	} else if (d->held != NULL) {
		outbox_plan_admin_text(cfg, d, REPLY_ADMIN_HELD, buf,
		    sizeof buf);
		for (int i = 0; i < cfg->n_admins; i++)
			outbox_plan_add(out, cfg->admins[i], buf,
			    lookup_outbox_purpose[PURPOSE_ADMIN], NULL, 0, 0);
	} else if (d->routed && !d->plan.digest_only) {
		/* Escalation: every rung is a row due at its time. */
		for (int i = 0; i < d->plan.n_steps; i++) {
			s = &d->plan.steps[i];
			if (s->authority >= 0)
				text = decide_step_text(d, s);
			else {
				/* The same notice to every administrator. */
				if (!admin_text++)
					outbox_plan_admin_text(cfg, d,
					    REPLY_ADMIN_UNANSWERED, buf,
					    sizeof buf);
				text = buf;
			}
			r = outbox_plan_add(out, s->number, text,
			    lookup_outbox_purpose[s->after_s == 0 ?
			    PURPOSE_FORWARD : PURPOSE_ESCALATION],
			    s->authority >= 0 ?
			    cfg->authorities[s->authority].id : NULL,
			    s->rung + 1, s->after_s);
			/* Due after the horizon, or a forward (due at
			 * once): the alert's plan. The claim writes a
			 * forward straight as sent (issue #20: three rows
			 * fewer at ingest, farol_outbox_claim_plans). */
			if (r != NULL && cfg->rung_horizon_s > 0 &&
			    (s->after_s > cfg->rung_horizon_s ||
			    s->after_s == 0))
				r->later = 1;
		}
	} else if (d->routed) {
		/* U3: no SMS now; each authority's first rung gets it in
		 * the daily digest. */
		for (int i = 0; i < d->plan.n_authorities; i++) {
			const struct authority *a =
			    &cfg->authorities[d->plan.authorities[i]];

			if (a->n_rungs > 0)
				outbox_plan_add(out, a->ladder[0].number,
				    d->fwd[i],
				    lookup_outbox_purpose[PURPOSE_DIGEST],
				    a->id, 1, d->plan.digest_after_s);
		}
	}
	for (int i = 0; i < out->n; i++)
		outbox_plan_ref(out->rows[i].text);
}

void
outbox_plan_held(const struct config *cfg, const struct decision *released,
    struct outbox_plan *out)
{
	outbox_plan_message(cfg, released, out);
	for (int i = 0; i < out->n; i++) {
		out->rows[i].state = lookup_outbox_state[OUTBOX_HELD];
		out->rows[i].message_ref = -1;
		out->rows[i].later = 0;	/* a release queues them all */
	}
}

void
outbox_plan_spooled(const struct config *cfg, const struct decision *d,
    struct outbox_plan *out)
{
	const struct route_step *s;
	const char *text;

	outbox_plan_start(cfg, out);
	if (!d->valid || d->r.cmd != REPORT_CMD_ALERTA || !d->routed ||
	    d->held != NULL || d->plan.digest_only || d->r.urgency > 2)
		return;
	for (int i = 0; i < d->plan.n_steps; i++) {
		s = &d->plan.steps[i];
		if (s->after_s != 0 || s->authority < 0 ||
		    (text = decide_step_text(d, s)) == NULL)
			continue;
		outbox_plan_add(out, s->number, text,
		    lookup_outbox_purpose[PURPOSE_FORWARD],
		    cfg->authorities[s->authority].id, s->rung + 1, 0);
	}
}

static const char *const outbox_plan_results[] = {
	"ok", "already", "unknown_ref", "not_allowed", "not_held",
};
static const char *const outbox_plan_langs[REPLY_LANGS] = { "pt", "en" };

/*
 * Who took the alert is only known inside the transaction: a name is
 * rendered as a run of '#' as wide as the longest authority name (so the
 * 160-character budget holds), which becomes "{authority}" here and the
 * name in the database.
 */
static void
outbox_plan_authority_standin(const struct config *cfg, char *out,
    size_t outsz)
{
	size_t n = 1;

	for (int a = 0; a < cfg->n_authorities; a++)
		if (strlen(cfg->authorities[a].name) > n)
			n = strlen(cfg->authorities[a].name);
	if (n > outsz - 1)
		n = outsz - 1;
	memset(out, '#', n);
	out[n] = '\0';
}

/* A candidate: template t in lang for the outcome result (and state),
 * to whom to names. notified NULL: the authority stand-in. */
static void
outbox_plan_candidate(struct outbox_plan *p, const struct config *cfg,
    const struct outbox_command *c, const char *result, const char *state,
    const char *to, int lang, int any_lang, int t, const char *notified,
    const char *text, const char *purpose)
{
	char ref[24], standin[64], *at;
	struct outbox_row *r;
	struct reply_vars v;
	struct report rep;

	/* The role stands in for the recipient until the row is filled. */
	if ((r = outbox_plan_add(p, to, NULL, purpose, NULL, 0, 0)) == NULL)
		return;
	snprintf(ref, sizeof ref, "%ld", c->ref);
	outbox_plan_authority_standin(cfg, standin, sizeof standin);
	memset(&rep, 0, sizeof rep);
	rep.cmd = c->cmd;
	rep.ref = c->ref;
	memset(&v, 0, sizeof v);
	v.report = strcmp(to, "sender") == 0 ? &rep : NULL;	/* {cmd} */
	v.ref = ref;
	v.notified = notified != NULL ? notified : standin;
	v.text = text;
	v.text_len = text != NULL ? strlen(text) : 0;
	if (reply_render(&cfg->codebook, &cfg->replies, lang, t, &v, r->text,
	    sizeof r->text) < 0) {
		p->n--;		/* nothing to say: no row */
		return;
	}
	if (notified == NULL && (at = strstr(r->text, standin)) != NULL) {
		memmove(at + 11, at + strlen(standin),
		    strlen(at + strlen(standin)) + 1);
		memcpy(at, "{authority}", 11);
		r->named = 1;
	}
	r->recipient[0] = '\0';
	if (strcmp(to, "sender") == 0 || strcmp(to, "others") == 0)
		snprintf(strcmp(to, "sender") == 0 ? r->recipient : r->but,
		    sizeof r->recipient, "%s", c->sender);
	r->if_result = result;
	r->if_state = state;
	r->to = to;
	r->if_verified = strcmp(to, "focal") == 0 && !cfg->unregistered_reply;
	r->lang = any_lang ? NULL : outbox_plan_langs[lang];
}

/* Template t to a role the database resolves, once per language. */
static void
outbox_plan_candidates(struct outbox_plan *p, const struct config *cfg,
    const struct outbox_command *c, const char *result, const char *to,
    int t, const char *text, const char *purpose)
{
	for (int lang = 0; lang < REPLY_LANGS; lang++)
		outbox_plan_candidate(p, cfg, c, result, NULL, to, lang, 0, t,
		    NULL, text, purpose);
}

void
outbox_plan_command(const struct config *cfg, const struct outbox_command *c,
    struct outbox_plan *out)
{
	struct decide_command_replies dr;
	char state[REPLY_MAX_BYTES];
	const char *name, *result;
	int answered;

	outbox_plan_start(cfg, out);
	if (c->sender == NULL || c->sender[0] == '\0')
		return;		/* not a phone number: never answered */
	/* An unknown number hears nothing, even about its own alert. */
	answered = decide_answers(cfg, c->sender);
	for (size_t i = 0; i < sizeof outbox_plan_results /
	    sizeof outbox_plan_results[0]; i++) {
		result = outbox_plan_results[i];
		decide_command_replies(c->cmd, result, &dr);
		if (dr.focal >= 0)
			outbox_plan_candidates(out, cfg, c, result, "focal",
			    dr.focal, NULL,
			    lookup_outbox_purpose[PURPOSE_ACK_NOTICE]);
		/* ANULAR and INFO tell whoever was sent a forward or rung;
		 * an OK the other holders, so that two patrols don't go. */
		if (dr.holders >= 0)
			outbox_plan_candidates(out, cfg, c, result, "holders",
			    dr.holders, dr.holders == REPLY_INFO_FORWARD ?
			    c->text : NULL, dr.holders_purpose);
		if (dr.others >= 0)
			outbox_plan_candidates(out, cfg, c, result, "others",
			    dr.others, NULL,
			    lookup_outbox_purpose[PURPOSE_TAKEN_NOTICE]);
		if (dr.sender == REPLY_STATUS && answered) {
			/* One per state, each with its words
			 * (decide_reply_state: template state_<name>). */
			for (int t = 0; t < REPLY_TEMPLATE_COUNT; t++) {
				name = reply_template_name(t);
				if (name == NULL ||
				    strncmp(name, "state_", 6) != 0)
					continue;
				decide_reply_state(cfg, name + 6, c->lang,
				    state, sizeof state);
				outbox_plan_candidate(out, cfg, c, result,
				    name + 6, "sender", c->lang, 1, dr.sender,
				    state, NULL,
				    lookup_outbox_purpose[PURPOSE_REPLY]);
			}
		} else if (dr.sender >= 0 && answered)
			outbox_plan_candidate(out, cfg, c, result, NULL,
			    "sender", c->lang, 1, dr.sender, NULL, NULL,
			    lookup_outbox_purpose[PURPOSE_REPLY]);
	}
}

void
outbox_plan_flood(const struct config *cfg, const char *sender,
    struct outbox_plan *out)
{
	char why[64], text[REPLY_MAX_BYTES];
	struct reply_vars v;

	outbox_plan_start(cfg, out);
	snprintf(why, sizeof why, "> %d SMS / %d min", cfg->flood_max,
	    (cfg->flood_per_s + 59) / 60);
	memset(&v, 0, sizeof v);
	v.fp_phone = sender;
	v.notified = why;
	if (reply_render(&cfg->codebook, &cfg->replies, REPLY_PT,
	    REPLY_ADMIN_FLOOD, &v, text, sizeof text) < 0)
		return;
	for (int i = 0; i < cfg->n_admins; i++)
		outbox_plan_add(out, cfg->admins[i], text,
		    lookup_outbox_purpose[PURPOSE_ADMIN], NULL, 0, 0);
}

void
outbox_plan_json(struct jsonw *w, const struct outbox_plan *p,
    const char *alert_id, const char *message_id)
{
	const struct outbox_row *r;

	for (int i = 0; i < p->n; i++) {
		r = &p->rows[i];
		if (r->later)
			continue;
		jsonw_object(w, NULL);
		jsonw_str(w, "recipient", r->recipient);
		jsonw_str(w, "text", r->text);
		jsonw_str(w, "purpose", r->purpose);
		if (r->authority != NULL) {
			jsonw_str(w, "authority", r->authority);
			jsonw_int(w, "rung", r->rung);
		}
		jsonw_int(w, "after_s", r->after_s);
		if (r->state != NULL) {
			jsonw_str(w, "state", r->state);
			if (r->modem[0] != '\0')
				jsonw_str(w, "modem", r->modem);
			if (r->message_ref >= 0)
				jsonw_int(w, "message_ref", r->message_ref);
			if (r->submitted_at > 0)
				jsonw_int(w, "submitted_at", r->submitted_at);
		}
		if (p->reply_max > 0 && (strcmp(r->purpose, "receipt") == 0 ||
		    strcmp(r->purpose, "reply") == 0)) {
			jsonw_int(w, "limit_max", p->reply_max);
			jsonw_int(w, "limit_per_s", p->reply_per_s);
		}
		if (r->to != NULL) {
			jsonw_str(w, "result", r->if_result);
			jsonw_str(w, "if_state", r->if_state);
			jsonw_str(w, "to", r->to);
			jsonw_str(w, "lang", r->lang);
			if (r->but[0] != '\0')
				jsonw_str(w, "but", r->but);
			jsonw_bool(w, "named", r->named);
			if (r->if_verified)
				jsonw_bool(w, "if_verified", 1);
		}
		if (alert_id != NULL && alert_id[0] != '\0')
			jsonw_int(w, "alert_id", atoll(alert_id));
		if (message_id != NULL && message_id[0] != '\0')
			jsonw_int(w, "message_id", atoll(message_id));
		jsonw_end(w, '}');
	}
}

/* Whether later rows a and b (text_of: their indexes in "texts") share
 * an entry of the plan's "rungs": all alike but their recipients. */
static int
outbox_plan_same_rung(const struct outbox_row *a, int text_a,
    const struct outbox_row *b, int text_b)
{
	return a->after_s == b->after_s && text_a == text_b &&
	    strcmp(a->purpose, b->purpose) == 0 &&
	    (a->authority == NULL) == (b->authority == NULL) &&
	    (a->authority == NULL || a->rung == b->rung);
}

void
outbox_plan_json_later(struct jsonw *w, const char *key,
    const struct outbox_plan *p)
{
	const struct outbox_row *r, *prev = NULL;
	int text_of[OUTBOX_PLAN_MAX], n_texts = 0, j;

	jsonw_object(w, key);
	/* Each text once: a rung's words are the same for every
	 * recipient, and often the same from rung to rung. */
	jsonw_array(w, "texts");
	for (int i = 0; i < p->n; i++) {
		if (!p->rows[i].later)
			continue;
		for (j = 0; j < i; j++)
			if (p->rows[j].later &&
			    strcmp(p->rows[j].text, p->rows[i].text) == 0)
				break;
		if (j < i)
			text_of[i] = text_of[j];
		else {
			text_of[i] = n_texts++;
			jsonw_str(w, NULL, p->rows[i].text);
		}
	}
	jsonw_end(w, ']');
	/* Consecutive rows alike as one entry, so that the order of the
	 * rows is kept (the janitor writes them in it). */
	jsonw_array(w, "rungs");
	for (int i = 0; i < p->n; i++) {
		r = &p->rows[i];
		if (!r->later)
			continue;
		if (prev == NULL || !outbox_plan_same_rung(prev,
		    text_of[prev - p->rows], r, text_of[i])) {
			if (prev != NULL) {
				jsonw_end(w, ']');
				jsonw_end(w, '}');
			}
			jsonw_object(w, NULL);
			jsonw_int(w, "after_s", r->after_s);
			jsonw_str(w, "purpose", r->purpose);
			if (r->authority != NULL)
				jsonw_int(w, "rung", r->rung);
			jsonw_int(w, "text", text_of[i]);
			jsonw_array(w, "to");
		}
		jsonw_str(w, NULL, r->authority);
		jsonw_str(w, NULL, r->recipient);
		prev = r;
	}
	if (prev != NULL) {
		jsonw_end(w, ']');
		jsonw_end(w, '}');
	}
	jsonw_end(w, ']');
	jsonw_end(w, '}');
}

long
outbox_plan_later_first(const struct outbox_plan *p)
{
	long first = -1;

	for (int i = 0; i < p->n; i++)
		if (p->rows[i].later && (first < 0 ||
		    p->rows[i].after_s < first))
			first = p->rows[i].after_s;
	return first;
}
