/*
 * modem.h: one GSM modem, driven by libgammu in a worker thread of its own.
 *
 * The worker polls the SIM and hands each received message (multipart sets
 * joined) to the main loop through fixed-size records on a socketpair. The
 * message stays on the SIM until the loop calls modem_release() for it,
 * which it does only once the message is durable. It also sends: the loop
 * queues messages with modem_send() and gets exactly one sent() callback
 * for each, then delivery() callbacks for the status reports. All libgammu
 * calls in the process are serialised (libgammu is not thread-safe). Every
 * function here is called from the main loop's thread only.
 */
#ifndef FAROL_MODEM_H
#define FAROL_MODEM_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "message.h"

#define MODEM_MAX_PARTS 255	/* the most a UDH can number: no set is cut */
#define MODEM_TEXT_MAX 1024	/* bytes of UTF-8 modem_send() accepts */
#define MODEM_SEND_QUEUE_MAX 32	/* messages queued in one worker */

/* struct inbound_sms, the one type of a received message, is in message.h. */

/* Free a message handed over by a worker (text and the struct). */
void inbound_sms_free(struct inbound_sms *sms);

/* Called on the loop for each message; the callee owns sms. */
typedef void (*modem_receive_cb)(struct inbound_sms *sms, void *arg);

/* libgammu process-wide set-up; call once before the first modem_start. */
void modem_global_init(void);

/*
 * Start the worker for one configured modem. Returns NULL with *cause set
 * (cause.h: allocated, the caller frees) if the thread cannot be created; a modem that does not
 * answer is not an error here: the worker keeps trying and logs why.
 */
struct modem *modem_start(struct event_base *base,
    const struct modem_config *mc, int multipart_timeout_s,
    modem_receive_cb cb, void *arg, char **cause);

/* The message with this token is durable: delete it from the SIM. */
void modem_release(struct modem *m, uint64_t token);

/* Ask the worker to stop after its current call; done() runs on the loop
 * when the thread has ended, then the modem may be freed. */
void modem_stop(struct modem *m, void (*done)(struct modem *, void *),
    void *arg);
void modem_free(struct modem *m);

const char *modem_name(const struct modem *m);

/* The outcome of one send, delivered on the loop. */
struct modem_send_result {
	uint64_t id;		/* the caller's id (outbox row) */
	int ok;			/* 1: the modem accepted every part */
	int message_ref;	/* TP-MR of the last part, -1 if none */
	char cause[128];	/* why not, when !ok */
	char modem[CONFIG_NAME_MAX];
};
typedef void (*modem_sent_cb)(const struct modem_send_result *r, void *arg);

/* A delivery report (status report) matched to nothing yet: the loop
 * matches it to its outbox row by modem + message_ref + recipient. */
struct modem_delivery {
	char modem[CONFIG_NAME_MAX];
	char recipient[32];	/* E.164 as sent */
	int message_ref;
	int delivered;		/* 1 delivered, 0 failed permanently */
};
typedef void (*modem_delivery_cb)(const struct modem_delivery *d, void *arg);

/*
 * A network-initiated USSD (an unsolicited +CUSD) the modem received, on
 * the loop: sms has kind INBOUND_USSD, the modem's name, received_at and
 * the text as the network sent it, no sender (+CUSD carries none) and no
 * SIM slot (nothing to release). The callee owns sms; NULL (the default)
 * drops them. Set once after modem_start.
 */
void modem_set_ussd_callback(struct modem *m, modem_receive_cb cb,
    void *arg);

/* Set the callbacks once after modem_start (NULL: ignore; without a
 * sent() every ok answer counts as kept at once). */
void modem_set_send_callbacks(struct modem *m, modem_sent_cb sent,
    modem_delivery_cb delivery, void *arg);

/* Queue one SMS (copied). Auto Unicode when any character is outside
 * GSM-7, multipart when long, a delivery report requested. Returns 0
 * when queued, -1 with *cause (allocated) when not (role receive-only,
 * stopped, queue full, modem unhealthy). sent() is called exactly once
 * for each queued message, also when the modem dies (ok=0) or stops. */
int modem_send(struct modem *m, uint64_t id, const char *number,
    const char *text, char **cause);

/* The ok answer sent() gave for message id is durable (on disk, or in
 * the database). After an ok answer the modem submits nothing more until
 * this is called for it: a crash can then leave at most one SMS per
 * modem sent but not recorded (gateway/modems.md, "Sending"). Call it
 * once for every ok answer, also when keeping it failed (the modem must
 * not stop sending for good); an id the worker is not waiting for is
 * ignored. */
void modem_result_kept(struct modem *m, uint64_t id);

/* Health, for the admin status and for choosing a modem to send on. */
struct modem_health {
	char name[CONFIG_NAME_MAX];
	int connected;		/* the state machine is up */
	int healthy;		/* connected, PIN ok, answering, not failing */
	int can_send, can_receive;	/* from the role */
	int signal_percent;	/* -1 unknown */
	char network[64];	/* registration state + operator */
	int sim_used, sim_total;
	char balance[64];	/* raw balance text, "" unknown */
	double balance_value;	/* its first number, -1 unknown */
	char problem[128];	/* why not healthy, "" if healthy */
	int send_queue;		/* messages queued in the worker */
	long long sent, failed, received;
	int paused;		/* by an administrator (modem_set_paused) */
};
void modem_get_health(const struct modem *m, struct modem_health *h);

/* Paused by an administrator (`farolctl pause'): the modem takes no new
 * sends (modem_send refuses, the outbox picks another); it still
 * receives, and what it has queued goes out. Until resumed or restarted. */
void modem_set_paused(struct modem *m, int paused);

#endif
