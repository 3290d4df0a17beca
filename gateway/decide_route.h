/*
 * decide_route.h: the routing decision for one report, from the config
 * alone (part of the decision library, see decide.h).
 *
 * Pure: no I/O, no globals, no clock (the caller passes the time of
 * receipt). Called by farolctl try and by farold when an alert is made.
 */
#ifndef FAROL_DECIDE_ROUTE_H
#define FAROL_DECIDE_ROUTE_H

#include <time.h>

#include "config.h"
#include "report.h"

/* config_load refuses a config whose plan could hold more. */
#define ROUTE_MAX_STEPS CONFIG_MAX_STEPS

/* One SMS the gateway would send if nobody acknowledges before it. */
struct route_step {
	int authority;			/* index in cfg->authorities; -1: admin */
	int rung;			/* index in its ladder; admin index */
	int attempt;			/* 0 .. repeats-1 */
	const char *number;		/* E.164, points into cfg */
	long after_s;			/* seconds after receipt */
};

struct route_plan {
	const struct focal_point *fp;	/* registered active sender or NULL */
	char sender[PHONE_E164_MAX];	/* as given, "" when none */
	int unverified;			/* sender unknown or inactive */
	int digest_only;		/* U3: no SMS, the digest */
	long digest_after_s;		/* seconds until the next digest */
	int authorities[CONFIG_MAX_AUTHORITIES];	/* in order, unique */
	int n_authorities;
	struct route_step steps[ROUTE_MAX_STEPS];	/* sorted by after_s */
	int n_steps;
};

/*
 * Decide who is notified for report r (valid ALERTA) from sender_e164
 * received at received_at (local time is used for hours and days).
 * Returns 0, or -1 with *cause set (parsers/cause.h; cause may be NULL).
 * Who was notified, in words: decide_reply_notified (decide_reply.h).
 */
int route_decide(const struct config *cfg, const struct report *r,
    const char *sender_e164, time_t received_at, struct route_plan *out,
    char **cause);

/* Whether rule rr matches report r received at local time tm (its area,
 * forms, urgency, minor flag, days and hours); farolctl routes walks the
 * rules with it. */
int route_rule_matches(const struct route_rule *rr, const struct report *r,
    const struct tm *tm);

/*
 * Render the forward SMS (template t: REPLY_FORWARD, or
 * REPLY_FORWARD_SPOOLED while the database is down) for authority a (an
 * index in cfg->authorities) in its language, with the focal point's name
 * and phone (for an unverified sender: the `unverified` template's words,
 * "NAO VERIFICADO", and the sender's number). base
 * holds the report, input and ref. Returns the septets used, or -1.
 */
int route_forward_text(const struct config *cfg, const struct route_plan *plan,
    int a, int t, const struct reply_vars *base, char *out, size_t outsz);

#endif
