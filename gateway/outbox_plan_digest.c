/*
 * outbox_plan_digest.c: the U3 digest's SMS for one duty phone (see
 * outbox_plan.h, outbox_plan_digest).
 *
 * Called by digest.c, the janitor's digest job, once per recipient with
 * the period's U3 alerts. One line per alert ("123 SV SX+TF V2": number,
 * area, forms, victims), as many lines per SMS as its 160 septets hold,
 * each SMS numbered "1/2", "2/2" through the `digest` template's
 * {notified}. Must never happen here: I/O, reading the clock, an SMS over
 * 160 septets, an alert dropped without saying so (what does not fit the
 * plan is left to the caller, who keeps it for the next digest).
 */
#include <stdio.h>
#include <string.h>

#include "outbox_plan.h"

#define DIGEST_PART_WIDEST "99/99"	/* {notified} at its widest */

/* A new row of out, to recipient (as outbox_plan.c's rows); NULL when
 * the plan is full. */
static struct outbox_row *
outbox_plan_digest_row(struct outbox_plan *out, const char *recipient,
    const char *authority)
{
	struct outbox_row *r;

	if (out->n == OUTBOX_PLAN_MAX || recipient == NULL ||
	    recipient[0] == '\0')
		return NULL;
	r = &out->rows[out->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->recipient, sizeof r->recipient, "%s", recipient);
	r->purpose = "digest";
	r->authority = authority;
	r->rung = 1;
	return r;
}

/* One alert's line. */
static void
outbox_plan_digest_line(const struct outbox_digest_alert *a, char *out,
    size_t outsz)
{
	char victims[16] = "";

	if (a->victims >= 0)
		snprintf(victims, sizeof victims, " V%d", a->victims);
	snprintf(out, outsz, "%ld %s %s%s", a->ref, a->area != NULL ?
	    a->area : "-", a->forms != NULL && a->forms[0] != '\0' ?
	    a->forms : "-", victims);
}

/* The room {text} has in the digest template for lang. */
static int
outbox_plan_digest_room(const struct config *cfg, enum reply_lang lang)
{
	char buf[REPLY_MAX_BYTES];
	struct reply_vars v;
	int used;

	memset(&v, 0, sizeof v);
	v.notified = DIGEST_PART_WIDEST;
	v.text = "";
	if ((used = reply_render(&cfg->codebook, &cfg->replies, lang,
	    REPLY_DIGEST, &v, buf, sizeof buf)) < 0)
		return -1;
	return 160 - used < REPLY_TEXT_MIN ? REPLY_TEXT_MIN : 160 - used;
}

int
outbox_plan_digest(const struct config *cfg, const char *authority,
    const char *recipient, const struct outbox_digest_alert *alerts, int n,
    struct outbox_plan *out)
{
	char parts[OUTBOX_PLAN_MAX][REPLY_MAX_BYTES], line[96], label[24];
	enum reply_lang lang = REPLY_PT;
	struct outbox_row *r;
	struct reply_vars v;
	int room, n_parts = 0, listed = 0, first = out->n;
	size_t len;

	for (int a = 0; a < cfg->n_authorities; a++)
		if (authority != NULL &&
		    strcmp(cfg->authorities[a].id, authority) == 0)
			lang = cfg->authorities[a].lang;
	if ((room = outbox_plan_digest_room(cfg, lang)) < 0)
		return 0;
	/* Lines into parts, as many as each SMS holds. */
	for (; listed < n; listed++) {
		outbox_plan_digest_line(&alerts[listed], line, sizeof line);
		len = n_parts > 0 ? strlen(parts[n_parts - 1]) : 0;
		if (n_parts > 0 && len + 2 + strlen(line) <= (size_t)room) {
			snprintf(parts[n_parts - 1] + len,
			    sizeof parts[0] - len, "; %s", line);
			continue;
		}
		if (first + n_parts == OUTBOX_PLAN_MAX)
			break;	/* the rest waits for the next digest */
		snprintf(parts[n_parts++], sizeof parts[0], "%s", line);
	}
	for (int i = 0; i < n_parts; i++) {
		if ((r = outbox_plan_digest_row(out, recipient, authority))
		    == NULL) {
			out->n = first;
			return 0;
		}
		snprintf(label, sizeof label, "%d/%d", i + 1, n_parts);
		memset(&v, 0, sizeof v);
		v.notified = label;
		v.text = parts[i];
		v.text_len = strlen(parts[i]);
		if (reply_render(&cfg->codebook, &cfg->replies, lang,
		    REPLY_DIGEST, &v, r->text, sizeof r->text) < 0) {
			out->n = first;
			return 0;
		}
	}
	return listed;
}
