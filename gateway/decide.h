/*
 * decide.h: what the gateway makes of one message, from the config alone.
 *
 * Parses an SMS body or a USSD single-shot string, finds the sender in
 * the registry, routes a valid ALERTA (decide_route.h) and renders the
 * reply and the forwards (words: decide_reply.h). Pure: no I/O, no clock, no database. farolctl try prints a
 * decision; farold stores it (ingest.c). Both use this one function so
 * that `try` shows exactly what the daemon does.
 */
#ifndef FAROL_DECIDE_H
#define FAROL_DECIDE_H

#include <stddef.h>
#include <time.h>

#include "codebook.h"
#include "config.h"
#include "phone.h"
#include "reply.h"
#include "report.h"
#include "decide_route.h"

/* What the caller knows beyond the message; any field may be 0. */
struct decide_params {
	enum reply_lang lang;	/* of the reply; REPLY_PT by default */
	int default_area;	/* the sender's registered area, or -1 */
	const char *notified;	/* NULL: from routing, or "Policia <AREA>" */
	const char *ref;	/* the alert number; NULL: "<n>" */
	const struct config *cfg;	/* NULL: parse only, no routing */
	int lang_set;		/* lang was asked for: not the registry's */
	time_t received_at;	/* for hours and days of routing rules */
	int spooled;		/* the database is down: forwards without
				   the alert number (it follows later) */
	int released;		/* as an administrator's release would
				   route it: never held for its PIN */
	int pin_verdict;	/* enum inbound_pin (message.h): 0, check
				   the PIN typed in text; otherwise the
				   verdict taken before it was masked */
};

struct decision {
	const struct codebook *cb;
	const struct config *cfg;	/* NULL: no routing */
	const char *text;	/* the message, as given (not copied) */
	size_t len;
	int ussd;		/* read as a USSD single-shot string */
	struct report r;
	int valid;		/* r.err == REPORT_ERR_NONE */
	char from[PHONE_E164_MAX];	/* E.164, "" when not a number */
	char from_err[96];	/* why from is not a number, "" if it is */
	const struct focal_point *fp;	/* registered and active, or NULL */
	enum reply_lang lang;	/* of the reply */
	const char *held;	/* "pin": the alert waits for review */
	char reply[REPLY_MAX_BYTES];
	int has_reply;		/* 0: nobody is answered (see decide.c) */
	int septets;
	int routed;		/* plan holds a routing decision */
	struct route_plan plan;
	char fwd[CONFIG_MAX_AUTHORITIES][REPLY_MAX_BYTES]; /* by plan index */
};

/*
 * Decide for text (NUL-terminated) from the sender from (may be NULL).
 * ov may be NULL. Returns 0 for a valid report, -1 if not (d->r.err says
 * why); d is filled either way.
 */
int decide_message(const struct codebook *cb,
    const struct reply_overrides *ov, const struct decide_params *p,
    const char *from, const char *text, struct decision *d);

/*
 * Whether the gateway sends SMS to the sender e164 (E.164, "" when the
 * sender is not a phone number): never to a short code or an
 * alphanumeric sender ID; to an active focal point, an authority's ladder
 * number or an administrator; to anyone else only with
 * security.unregistered_reply. cfg NULL: any number.
 */
int decide_answers(const struct config *cfg, const char *e164);

/* Whether the PIN typed in d's text is the sender's own (d->fp's). */
int decide_pin_typed_right(const struct decision *d);

/* The forward text of step s of the plan, NULL for an administrator. */
const char *decide_step_text(const struct decision *d,
    const struct route_step *s);

#endif
