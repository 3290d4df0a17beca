/*
 * modem_private.h: what the pieces of the modem worker share (modem*.c).
 * Nothing outside gateway/modem*.c includes it; the API is modem.h.
 *
 * One modem is two threads: the main loop (modem.c, the watchdog in
 * modem_lock.c) and the modem's worker (every other modem_*.c). They
 * share no memory except struct modem_call, under its mutex, and the
 * configuration, which is written before the worker starts and only read
 * after. Everything else crosses as records over a SOCK_SEQPACKET
 * socketpair (modem_records.c).
 *
 * libgammu is not thread-safe: every libgammu call in the process is made
 * under one lock (modem_lock.c), with these exceptions, each safe for
 * the reason given (read in the source of gammu 1.42, which farol uses):
 *   - UnicodeLength, EncodeUTF8 and DecodeUTF8 (libgammu/misc/coding/
 *     coding.c: loops over the arguments, no static buffer, no locale);
 *   - GSM_ErrorString (gsmcomon.c: a constant table and dgettext, which
 *     glibc documents as MT-Safe);
 *   - GSM_AbortOperation from the watchdog (gsmstate.c: it only sets
 *     s->Abort; gammu-statemachine.h calls it thread safe);
 *   - GSM_InitLocales, GSM_SetDebugGlobal and GSM_GetGlobalDebug in
 *     modem_global_init, once before any worker starts.
 * EncodeUnicode is not among them (it calls mbtowc, which depends on the
 * locale and keeps hidden state): it is called under the lock. Gammu's
 * callbacks (modem_connect.c) run inside a locked call and call nothing
 * but those pure functions.
 */
#ifndef FAROL_MODEM_PRIVATE_H
#define FAROL_MODEM_PRIVATE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <gammu.h>

#include "modem.h"

#define MODEM_MAX_PENDING 256	/* messages handed over, not yet released */
#define MODEM_MAX_PARTIAL 256	/* incomplete multipart sets remembered */
#define MODEM_MAX_CAUGHT 32	/* +CDS/+CMT caught during one call */
#define MODEM_MAX_PUSHED 16	/* network-initiated +CUSD caught during
				   one call; more are dropped (logged) */
#define MODEM_SLICE_MS 200	/* longest wait without reading the device */
#define MODEM_WATCHDOG_MS 250	/* how often the loop checks for hung calls */
#define MODEM_FAIL_STREAK 5	/* sends failing in a row: re-initialise */
#define MODEM_RELEASE_MAX 64	/* releases one record carries: a batch's */

enum modem_record_type {
	MODEM_REC_RECEIVED,	/* worker -> loop: a message (sms set) */
	MODEM_REC_USSD,		/* worker -> loop: a network-initiated USSD
				   (sms set: text, no sender, no SIM slot) */
	MODEM_REC_STOPPED,	/* worker -> loop: the thread is ending */
	MODEM_REC_SENT,		/* worker -> loop: a send's outcome */
	MODEM_REC_DELIVERY,	/* worker -> loop: a status report */
	MODEM_REC_HEALTH,	/* worker -> loop: health changed */
	MODEM_REC_RELEASE,	/* loop -> worker: delete the messages of
				   u.release's tokens from the SIM */
	MODEM_REC_STOP,		/* loop -> worker: stop */
	MODEM_REC_SEND,		/* loop -> worker: queue a message */
	MODEM_REC_KEPT,		/* loop -> worker: the answer for token (a
				   message id) is durable: send the next */
};

struct modem_outgoing {
	uint64_t id;
	char number[32];
	char text[MODEM_TEXT_MAX];
};

/* Messages made durable, released together: one record (one send, one
 * wake-up of the worker) for what a batch's commit released. */
struct modem_release {
	int n;
	uint64_t tokens[MODEM_RELEASE_MAX];
};

/* The only thing that crosses between threads; sent with the size of the
 * header plus the union member its type uses. */
struct modem_record {
	enum modem_record_type type;
	uint64_t token;
	struct inbound_sms *sms;
	union {
		struct modem_outgoing out;
		struct modem_send_result sent;
		struct modem_delivery delivery;
		struct modem_health health;
		struct modem_release release;
	} u;
};

struct modem_pending {
	uint64_t token;
	int released;		/* durable: delete when connected */
	int n;
	int *locations;		/* n SIM slots, copies of parts included */
};

/* An incomplete multipart set, remembered to time it out. */
struct modem_partial {
	char sender[32];
	int ref, total;
	long long first_seen_ms;	/* monotonic: a stepped clock moves no timeout */
	int seen;		/* marked during a poll; unmarked ones are dropped */
};

/* A command the loop passes to the worker, kept in order until passed. */
struct modem_command {
	enum modem_record_type type;	/* MODEM_REC_RELEASE or _KEPT */
	uint64_t token;
};

/* The loop's thread only (modem.c, and the watchdog's event). */
struct modem_loop_side {
	int fd;			/* its end of the socketpair, non-blocking */
	struct event *ev;	/* records from the worker */
	struct event *watchdog;
	struct event *flush_ev;	/* the socketpair is writable again */
	struct event *flush_soon;	/* commands queued: pass them once the
					   running callback is done */
	int flush_scheduled;
	struct event *retry_ev;	/* a send failed otherwise: try later */
	pthread_t thread;
	int thread_started;

	modem_receive_cb cb;
	void *cb_arg;
	modem_sent_cb sent_cb;
	modem_delivery_cb delivery_cb;
	void *send_arg;
	modem_receive_cb ussd_cb;
	void *ussd_arg;
	void (*stopped)(struct modem *, void *);
	void *stopped_arg;

	struct modem_health health;	/* the worker's last report + counts */
	int stopping;
	int paused;		/* by an administrator: takes no sends */

	/* Releases and answers kept (MODEM_REC_RELEASE, MODEM_REC_KEPT) not
	 * yet passed to the worker (its socket was full), from commands[head]
	 * on; a stop waits behind them. Never dropped: a lost release would
	 * hold its SIM slot until a restart, a lost `kept' the modem's sends
	 * for ever (modem_flush). */
	struct modem_command *commands;
	size_t head, n_commands, commands_cap;
	int stop_queued;
};

/* Shared by the worker and the loop's watchdog, under lock. */
struct modem_call {
	pthread_mutex_t lock;
	GSM_StateMachine *gsm;	/* in a libgammu call, or NULL */
	long long deadline_ms;
	int aborted;
	int vanished;		/* aborted because the device is gone */
};

/* The worker's thread only (modem_start sets the first values before the
 * thread exists). */
struct modem_worker_side {
	int fd;			/* its end of the socketpair, blocking */
	GSM_StateMachine *gsm;
	int connected;
	int lost;		/* failed: disconnect and reconnect */
	int halted;		/* PIN problem: never reconnect */
	int pin_refused;
	char problem[128];
	int stop;

	/* receiving */
	uint64_t next_token;
	struct modem_pending *pending;
	int n_pending;
	int pending_top;	/* no pending slot is above it (a read going
				   on past it need not search them) */
	GSM_SMSMessage *backlog;	/* read, not handed over: pending cap */
	int n_backlog, backlog_cap;
	int poll_now;		/* a +CMTI came */
	/* A read of the SIM the pending cap stopped (modem_poll): it goes on
	 * after the slot read last (read_location, gammu's encoded location)
	 * once releases make room. The parts of sets read so far wait for the
	 * end of the read, as in a read never stopped. */
	int read_stopped, read_location;
	GSM_SMSMessage *read_parts;
	int n_read_parts, read_parts_cap;
	struct modem_partial partial[MODEM_MAX_PARTIAL];
	int n_partial;

	/* sending */
	struct modem_outgoing queue[MODEM_SEND_QUEUE_MAX];
	int q_head, q_len;
	GSM_MultiSMSMessage *multi;	/* parts of queue[q_head], or NULL */
	int part;			/* next part to submit */
	int last_ref;
	long long next_send_ms;
	int fail_streak;	/* messages refused in a row */
	/* The last message the modem took, answered ok but not yet said
	 * durable by the loop (MODEM_REC_KEPT): nothing more is submitted
	 * until it is, so a kill -9 leaves at most one SMS of this modem
	 * sent and unrecorded. */
	int awaiting_kept;
	uint64_t unkept_id;

	/* what the gammu callbacks saw (set inside calls, read after) */
	int st_seen, st_status, st_mr;
	GSM_SMSMessage caught[MODEM_MAX_CAUGHT];
	int n_caught;
	int ussd_seen;
	char ussd_text[4 * GSM_MAX_USSD_LENGTH + 1];
	int ussd_waiting;	/* the balance check waits for its answer */
	char pushed[MODEM_MAX_PUSHED][4 * GSM_MAX_USSD_LENGTH + 1];
	int n_pushed;		/* +CUSD nobody asked for, to hand over */
	int pushed_dropped;	/* more than MODEM_MAX_PUSHED in one call */

	struct modem_health wh;		/* the worker's view */
	struct modem_health published;	/* last sent to the loop */
	long long next_health_ms;
	long long next_poll_ms;
};

struct modem {
	/* Written by modem_start before the thread exists; read-only after,
	 * by both threads. */
	struct modem_config cfg;
	int multipart_timeout_s;

	struct modem_loop_side loop;
	struct modem_call call;
	struct modem_worker_side worker;
};

static inline long long
modem_min(long long a, long long b)
{
	return a < b ? a : b;
}

static inline long long
modem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* modem_records.c */
size_t modem_record_size(enum modem_record_type type);
int modem_send_record(int fd, const struct modem_record *rec);
void modem_yield_to_loop(void);

/* modem_lock.c */
void modem_gammu_lock(void);
void modem_gammu_unlock(void);
void modem_lock(struct modem *m, int timeout_ms);
void modem_unlock(struct modem *m);
int modem_aborted(struct modem *m);
int modem_timeout_ms(const struct modem *m);
int modem_err_lost(GSM_Error err);
void modem_set_lost(struct modem *m, const char *what, GSM_Error err);
void modem_watchdog_cb(evutil_socket_t fd, short what, void *arg);

/* modem_connect.c */
void modem_disconnect(struct modem *m);
int modem_connect(struct modem *m);

/* modem_pin.c */
int modem_unlock_sim(struct modem *m);

/* modem_probe.c */
int modem_probe(struct modem *m);

/* modem_health.c */
void modem_health_publish(struct modem *m);
void modem_check_health(struct modem *m);
long long modem_health_due(const struct modem *m);

/* modem_send.c */
void modem_fail_queue(struct modem *m, const char *cause);
void modem_send_part(struct modem *m);
void modem_queue_send(struct modem *m, const struct modem_outgoing *o);

/* modem_receive.c */
struct modem_pending *modem_find_pending(struct modem *m, uint64_t token);
void modem_delete_released(struct modem *m);
int modem_hand_over(struct modem *m, GSM_SMSMessage **parts, int n,
    int ref, int total, int stored, GSM_SMSMessage **copies, int n_copies);
void modem_backlog_add(struct modem *m, GSM_SMSMessage **set, int k);
int modem_backlog_ready(const struct modem *m);
void modem_drain_backlog(struct modem *m);
void modem_read_forget(struct modem *m);
void modem_poll(struct modem *m);
void modem_handle_caught(struct modem *m);
void modem_handle_pushed(struct modem *m);

/* modem_multipart.c */
int modem_concat(const GSM_SMSMessage *sms, int *ref, int *part,
    int *total);
void modem_process(struct modem *m, GSM_SMSMessage *all, int count,
    int full);

/* modem_worker.c */
void modem_read_commands(struct modem *m, int timeout_ms);
void *modem_main(void *arg);

#endif
