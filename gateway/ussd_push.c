/*
 * ussd_push.c: network-initiated USSD read as reports (see ussd_push.h,
 * ussd.md). Runs on the loop. Must never: log a phone number or a
 * payload; hand a payload that is no report to the inbox; hand the same
 * payload twice within the repeat window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide_flood.h"
#include "log.h"
#include "modem.h"
#include "ussd.h"
#include "ussd_push.h"

#define USSD_PUSH_RECENT	64	/* payloads remembered for repeats */

struct ussd_push_seen {
	uint32_t hash;		/* flood_text_hash of the whole payload */
	size_t len;
	time_t at;		/* monotonic seconds */
};

struct ussd_push {
	struct config *const *cfgp;
	struct inbox *inbox;
	struct ussd_push_seen recent[USSD_PUSH_RECENT];
	int next;		/* the slot to overwrite */
};

struct ussd_push *
ussd_push_new(struct config *const *cfgp, struct inbox *inbox)
{
	struct ussd_push *up;

	if ((up = calloc(1, sizeof *up)) == NULL)
		return NULL;
	up->cfgp = cfgp;
	up->inbox = inbox;
	return up;
}

void
ussd_push_free(struct ussd_push *up)
{
	free(up);
}

static time_t
ussd_push_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Seen within the window? Remembered either way. */
static int
ussd_push_repeat(struct ussd_push *up, const char *payload, int window_s)
{
	uint32_t hash = flood_text_hash(payload);
	size_t len = strlen(payload);
	time_t now = ussd_push_now();

	for (int i = 0; i < USSD_PUSH_RECENT; i++) {
		struct ussd_push_seen *s = &up->recent[i];

		if (s->len == len && s->hash == hash && s->at != 0 &&
		    now - s->at < window_s)
			return 1;
	}
	up->recent[up->next].hash = hash;
	up->recent[up->next].len = len;
	up->recent[up->next].at = now > 0 ? now : 1;
	up->next = (up->next + 1) % USSD_PUSH_RECENT;
	return 0;
}

void
ussd_push_received(struct inbound_sms *sms, void *arg)
{
	struct ussd_push *up = arg;
	const struct config *cfg = *up->cfgp;
	char number[USSD_PUSH_NUMBER_MAX + 1], modem[CONFIG_NAME_MAX], *report;
	size_t off, n;

	if (sms->text == NULL || ussd_push_split(sms->text,
	    strlen(sms->text), number, sizeof number, &off, &n) != 0) {
		log_info("modem %s: a network-initiated USSD that is no "
		    "report was ignored", sms->modem);
		inbound_sms_free(sms);
		return;
	}
	if (ussd_push_repeat(up, sms->text, cfg->ussd.session_timeout_s)) {
		log_info("modem %s: a network-initiated USSD report repeated "
		    "within %d s was ignored", sms->modem,
		    cfg->ussd.session_timeout_s);
		inbound_sms_free(sms);
		return;
	}
	if ((report = strndup(sms->text + off, n)) == NULL) {
		log_warn("modem %s: out of memory: a network-initiated USSD "
		    "report was lost", sms->modem);
		inbound_sms_free(sms);
		return;
	}
	free(sms->text);
	sms->text = report;
	snprintf(sms->sender, sizeof sms->sender, "%s", number);
	sms->session[0] = '\0';	/* none: the inbox answers by SMS */
	sms->source = NULL;	/* no SIM slot to release */
	snprintf(modem, sizeof modem, "%s", sms->modem);
	log_info("modem %s: a network-initiated USSD report handed to the "
	    "inbox", modem);
	if (inbox_receive_notify(up->inbox, sms, 0, NULL, NULL) != 0)
		log_warn("modem %s: stopping: a network-initiated USSD report "
		    "was not stored", modem);
}
