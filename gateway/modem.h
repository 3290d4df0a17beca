/*
 * modem.h: one GSM modem, driven by libgammu in a worker thread of its own.
 *
 * The worker polls the SIM and hands each received message (multipart sets
 * joined) to the main loop through fixed-size records on a socketpair. The
 * message stays on the SIM until the loop calls modem_release() for it,
 * which it does only once the message is durable. All libgammu calls in the
 * process are serialised (libgammu is not thread-safe). Every function here
 * is called from the main loop's thread only.
 */
#ifndef FAROL_MODEM_H
#define FAROL_MODEM_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"

#define MODEM_MAX_PARTS 50	/* a longer set is cut (gammu-smsd does too) */

enum inbound_kind {
	INBOUND_TEXT,		/* a text SMS (GSM 7-bit or UCS-2) */
	INBOUND_BINARY,		/* 8-bit data: stored as hex, never parsed */
	INBOUND_STATUS_REPORT,	/* a delivery report */
};

/* A message as read from the SIM; owned by the loop once handed over. */
struct inbound_sms {
	char modem[CONFIG_NAME_MAX];
	char sender[32];
	char smsc_time[40];	/* "2026-11-22 14:02:36+00:00", "" if unknown */
	time_t received_at;
	enum inbound_kind kind;
	int parts;		/* parts joined into text */
	int parts_expected;	/* > parts when stored incomplete */
	int concat_ref;		/* concatenation reference, -1 if single */
	int message_ref;	/* status reports: the reference reported on */
	char *text;		/* UTF-8, NUL-terminated */
	uint64_t token;		/* identifies the SIM slots for release */
	struct modem *source;	/* the worker to release it to */
};

void inbound_sms_free(struct inbound_sms *sms);

/* Called on the loop for each message; the callee owns sms. */
typedef void (*modem_receive_cb)(struct inbound_sms *sms, void *arg);

/* libgammu process-wide set-up; call once before the first modem_start. */
void modem_global_init(void);

/*
 * Start the worker for one configured modem. Returns NULL with *cause set
 * (static string) if the thread cannot be created; a modem that does not
 * answer is not an error here: the worker keeps trying and logs why.
 */
struct modem *modem_start(struct event_base *base,
    const struct modem_config *mc, int multipart_timeout_s,
    modem_receive_cb cb, void *arg, const char **cause);

/* The message with this token is durable: delete it from the SIM. */
void modem_release(struct modem *m, uint64_t token);

/* Ask the worker to stop after its current call; done() runs on the loop
 * when the thread has ended, then the modem may be freed. */
void modem_stop(struct modem *m, void (*done)(struct modem *, void *),
    void *arg);
void modem_free(struct modem *m);

const char *modem_name(const struct modem *m);

#endif
