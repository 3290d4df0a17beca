/*
 * decide_reply.h: the choice of the words people read, in the decision
 * library (decide.h): who was notified, the name an unverified sender has
 * in a forward, an alert's state, and which replies a command's outcome
 * calls for.
 *
 * The words themselves are reply templates (parsers/reply_templates.h),
 * so a config's `replies` reach every one of them and each is checked
 * like any reply (160 septets, GSM-7). Pure: no I/O, no clock.
 */
#ifndef FAROL_DECIDE_REPLY_H
#define FAROL_DECIDE_REPLY_H

#include <stddef.h>

#include "config.h"
#include "decide_route.h"
#include "reply.h"
#include "report.h"

#define DECIDE_NOTIFIED_MAX 32	/* septets of {notified} */

/* Who plan notified: "pn-sv avisada", "pn-sv +1 avisadas", "Para o
 * Observatorio"; the authority's name is cut so the whole fits 32. */
void decide_reply_notified(const struct config *cfg,
    const struct route_plan *plan, enum reply_lang lang, char *out,
    size_t outsz);

/* Who was notified when nothing was routed: "Policia SV avisada", or for
 * a U3 "Guardado para o Observatorio". ov may be NULL. */
void decide_reply_unrouted(const struct codebook *cb,
    const struct reply_overrides *ov, const struct report *r,
    enum reply_lang lang, char *out, size_t outsz);

/* The {fp_name} of a forward from an unverified sender ("NAO VERIFICADO"). */
void decide_reply_unverified(const struct config *cfg, enum reply_lang lang,
    char *out, size_t outsz);

/* An alert's state (the database's name, "acknowledged") as ESTADO says
 * it ("assumido"); the name itself for a state without words. */
void decide_reply_state(const struct config *cfg, const char *state,
    enum reply_lang lang, char *out, size_t outsz);

/* The replies a command's outcome calls for; -1: none. */
struct decide_command_replies {
	int sender;		/* to whoever sent the command */
	int focal;		/* to the alert's focal point (ack_notice) */
	int holders;		/* to every number sent a forward or rung */
	const char *holders_purpose;	/* the outbox purpose of those */
	int others;		/* to those holders but the sender
				   (taken_notice: two patrols don't go) */
};

/* result is farol_ingest_command's: "ok", "already", "unknown_ref",
 * "not_allowed", "not_held" ("duplicate" and anything else: no reply). */
void decide_command_replies(enum report_cmd cmd, const char *result,
    struct decide_command_replies *out);

#endif
