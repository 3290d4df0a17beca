/*
 * ussd_push.h: network-initiated USSD on the modems (an unsolicited
 * +CUSD), read as reports.
 *
 * A modem hands every +CUSD nobody asked for to the loop
 * (modem_set_ussd_callback). One whose payload is a report in the
 * single-shot form, after the sender's number ("+2389912345*7*1*1",
 * parsers/ussd.h ussd_push_split), becomes a message of kind 'ussd' from
 * that number and goes to the inbox exactly as an SMS report does; any
 * other is logged (neither number nor text) and dropped. The same
 * payload again within ussd.session_timeout seconds, on any modem, is a
 * repeat and is dropped too (gateway/ussd.md).
 */
#ifndef FAROL_USSD_PUSH_H
#define FAROL_USSD_PUSH_H

#include "config.h"
#include "inbox.h"
#include "message.h"

struct ussd_push;

/* *cfgp is read at every +CUSD (the codebook, the repeat window). */
struct ussd_push *ussd_push_new(struct config *const *cfgp,
    struct inbox *inbox);
void ussd_push_free(struct ussd_push *up);

/* modem_receive_cb for modem_set_ussd_callback: takes sms. */
void ussd_push_received(struct inbound_sms *sms, void *arg);

#endif
