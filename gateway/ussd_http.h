/*
 * ussd_http.h: the USSD callback endpoint (libevent's evhttp), where the
 * operator's or aggregator's USSD gateway posts each step of a session
 * and reads back the screen to show ("CON ..." or "END ...").
 *
 * Runs on the main loop. A report read from a session becomes a struct
 * inbound_sms of kind INBOUND_USSD handed to the inbox, so it goes down
 * exactly the path of an SMS (decision, storing, forwards, rungs, the
 * spool while the database is down). See gateway/ussd.md.
 */
#ifndef FAROL_USSD_HTTP_H
#define FAROL_USSD_HTTP_H

#include <event2/event.h>

#include "config.h"
#include "inbox.h"

struct ussd_http;

/* Listen on (*cfgp)->ussd.listen. *cfgp is read at every request (a
 * reload's codebook, registry, token, allow and limits apply at once;
 * listen and path at the next start). Returns NULL with *cause set
 * (cause.h). */
struct ussd_http *ussd_http_new(struct event_base *base,
    struct config *const *cfgp, struct inbox *inbox, char **cause);

/* Counters for `farolctl show` and the tests. */
struct ussd_http_stats {
	int sessions;		/* open now */
	long long requests, refused, malformed, reports;
};
void ussd_http_get_stats(const struct ussd_http *u,
    struct ussd_http_stats *st);

/* Stop listening; every request still waiting is answered. */
void ussd_http_free(struct ussd_http *u);

#endif
