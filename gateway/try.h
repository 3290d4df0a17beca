/*
 * try.h: what the gateway would make of one message (farolctl try).
 *
 * Parses a message with a codebook exactly as the daemon does, and prints
 * the result: one JSON object, or a readable explanation. Needs only
 * parsers/ (no database, no modem, no daemon).
 */
#ifndef FAROL_TRY_H
#define FAROL_TRY_H

#include <stdio.h>
#include <time.h>

#include "codebook.h"
#include "reply.h"

struct config;

/* What routing and the registry will supply later; any field may be 0. */
struct try_params {
	enum reply_lang lang;	/* of the reply; REPLY_PT by default */
	int default_area;	/* the sender's registered area, or -1 */
	const char *notified;	/* NULL: "Policia <AREA> avisada" */
	const char *ref;	/* number in a receipt; NULL: "<n>" */
	const struct config *cfg;	/* non-NULL: show the routing decision */
	int lang_set;		/* lang was asked for: not the registry's */
	time_t received_at;	/* for hours and days of routing rules */
};

/*
 * Parse text (an SMS body; or a USSD single-shot string such as
 * "*384*7*1*1#" or "7*1*1", recognised by being only digits, '*' and '#')
 * from the sender from (may be NULL; normalised to E.164) and print the
 * result to out. With json, one line holding one object with the keys
 * from, command, ref, area, forms, urgency, victims, females, males,
 * minor, text, notes, error and reply (and, when tp->cfg is set and the
 * report is a valid ALERTA: verified, digest_after_s and notify, an array
 * of {authority, number, after_s, text}); otherwise a readable explanation.
 * ov may be NULL. Returns 0 if the message is a valid report, -1 if not
 * (the error is printed, not returned).
 */
int try_report(const struct codebook *cb, const struct reply_overrides *ov,
    const char *from, const char *text, int json, FILE *out);

/* try_report() with the parameters above; tp may be NULL. */
int try_report_with(const struct codebook *cb,
    const struct reply_overrides *ov, const struct try_params *tp,
    const char *from, const char *text, int json, FILE *out);

#endif
