/*
 * decide_reply.c: the words of a decision, from reply templates (see
 * decide_reply.h).
 *
 * Called by decide.c for every receipt and forward, by outbox_plan.c for
 * the replies of commands. Must never happen here: a word a person reads
 * written as a literal (it belongs in parsers/reply_templates.h, where the
 * config's overrides reach it).
 */
#include <stdio.h>
#include <string.h>

#include "decide_reply.h"
#include "lookup_names.h"

/* Template t with {notified} (may be NULL) and the report r (may be NULL)
 * into out; "" if it cannot be rendered. Returns the septets, or -1. */
static int
decide_reply_words(const struct codebook *cb, const struct reply_overrides *ov,
    enum reply_lang lang, int t, const struct report *r,
    const char *notified, char *out, size_t outsz)
{
	char buf[REPLY_MAX_BYTES];
	struct reply_vars v;
	int n;

	memset(&v, 0, sizeof v);
	v.report = r;
	v.notified = notified;
	if ((n = reply_render(cb, ov, lang, t, &v, buf, sizeof buf)) < 0)
		buf[0] = '\0';
	snprintf(out, outsz, "%s", buf);
	return n;
}

void
decide_reply_notified(const struct config *cfg, const struct route_plan *plan,
    enum reply_lang lang, char *out, size_t outsz)
{
	const struct codebook *cb = &cfg->codebook;
	const struct reply_overrides *ov = &cfg->replies;
	size_t cap = outsz < DECIDE_NOTIFIED_MAX + 1 ? outsz :
	    DECIDE_NOTIFIED_MAX + 1;
	char name[DECIDE_NOTIFIED_MAX * 4], more[16] = "", buf[8];
	int t, room;

	if (plan->digest_only || plan->n_authorities == 0) {
		decide_reply_words(cb, ov, lang, REPLY_NOTIFIED_OBSERVATORY,
		    NULL, NULL, out, cap);
		return;
	}
	t = plan->n_authorities == 1 ? REPLY_NOTIFIED_ONE :
	    REPLY_NOTIFIED_MANY;
	if (plan->n_authorities > 1)
		snprintf(more, sizeof more, " +%d", plan->n_authorities - 1);
	/* The name gets what the template's own words leave of 32. */
	room = DECIDE_NOTIFIED_MAX - decide_reply_words(cb, ov, lang, t,
	    NULL, "", buf, sizeof buf) - (int)strlen(more);
	snprintf(name, sizeof name, "%.*s%s", room > 0 ? room : 0,
	    cfg->authorities[plan->authorities[0]].name, more);
	decide_reply_words(cb, ov, lang, t, NULL, name, out, cap);
}

void
decide_reply_unrouted(const struct codebook *cb,
    const struct reply_overrides *ov, const struct report *r,
    enum reply_lang lang, char *out, size_t outsz)
{
	decide_reply_words(cb, ov, lang, r->urgency == 3 ?
	    REPLY_NOTIFIED_KEPT : REPLY_NOTIFIED_POLICE, r, NULL, out, outsz);
}

void
decide_reply_unverified(const struct config *cfg, enum reply_lang lang,
    char *out, size_t outsz)
{
	decide_reply_words(&cfg->codebook, &cfg->replies, lang,
	    REPLY_UNVERIFIED, NULL, NULL, out, outsz);
}

void
decide_reply_state(const struct config *cfg, const char *state,
    enum reply_lang lang, char *out, size_t outsz)
{
	char name[64];
	int t;

	/* Each state has its template: state_<name>. */
	snprintf(name, sizeof name, "state_%s", state);
	if ((t = reply_template_find(name)) < 0 ||
	    decide_reply_words(&cfg->codebook, &cfg->replies, lang, t, NULL,
	    NULL, out, outsz) < 0)
		snprintf(out, outsz, "%s", state);
}

void
decide_command_replies(enum report_cmd cmd, const char *result,
    struct decide_command_replies *out)
{
	out->sender = out->focal = out->holders = out->others = -1;
	out->holders_purpose = NULL;
	if (strcmp(result, "unknown_ref") == 0)
		out->sender = REPLY_ERROR_UNKNOWN_REF;
	else if (strcmp(result, "not_allowed") == 0)
		out->sender = REPLY_ERROR_NOT_ALLOWED;
	else if (strcmp(result, "already") == 0)
		out->sender = REPLY_ACK_ALREADY;
	else if (strcmp(result, "not_held") == 0)
		out->sender = REPLY_ERROR_NOT_HELD;
	if (strcmp(result, "ok") != 0)
		return;
	switch (cmd) {
	case REPORT_CMD_OK:
		out->sender = REPLY_ACK_RECEIPT;
		out->focal = REPLY_ACK_NOTICE;
		out->others = REPLY_ACK_TAKEN;
		break;
	case REPORT_CMD_FIM:
		out->sender = REPLY_CLOSE_RECEIPT;
		break;
	case REPORT_CMD_ANULAR:
		out->sender = REPLY_CANCEL_RECEIPT;
		out->holders = REPLY_CANCEL_NOTICE;
		out->holders_purpose = lookup_outbox_purpose[PURPOSE_CANCEL_NOTICE];
		break;
	case REPORT_CMD_INFO:
		out->sender = REPLY_INFO_RECEIPT;
		out->holders = REPLY_INFO_FORWARD;
		out->holders_purpose = lookup_outbox_purpose[PURPOSE_INFO];
		break;
	case REPORT_CMD_ESTADO:
		out->sender = REPLY_STATUS;
		break;
	case REPORT_CMD_LIBERAR:
		out->sender = REPLY_RELEASE_RECEIPT;
		break;
	default:
		break;
	}
}
