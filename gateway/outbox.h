/*
 * outbox.h: hands queued outgoing SMS to the modems and records results.
 *
 * The outbox lives in PostgreSQL (db/schema/0002_alerts.sql): receipts,
 * replies, forwards, and escalation rungs due at their times. The
 * dispatcher claims rows that are due (farol_outbox_claim, forwards
 * first), gives each to the least busy healthy modem that may send, and
 * records the modem's answer (farol_outbox_result) and, later, the
 * delivery report (farol_outbox_delivered). A failed submit is retried
 * after a pause, on whichever healthy modem is then least busy. Runs on
 * the main loop; never blocks. What is sent, to whom and when is decided
 * by outbox_plan.h, the other half of the outbox module: ingest writes its
 * rows, this dispatcher sends them.
 */
#ifndef FAROL_OUTBOX_H
#define FAROL_OUTBOX_H

#include <event2/event.h>

#include "config.h"
#include "db.h"
#include "modem.h"
#include "message.h"

struct outbox;

/* Register the statements; call before db_start(). */
void outbox_prepare(struct db *db);

/* *cfgp (escalation.stale_after) and modems[0..*n_modems-1] are read at
 * every pass (farold's own config pointer and array). */
struct flood;
struct outbox *outbox_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, struct flood *flood,
    struct modem *const *modems, const int *n_modems);

/* Log each alert's time to its first forward, from l (may be NULL). */
struct latency;
void outbox_set_latency(struct outbox *ob, struct latency *l);

/* Keep each modem's answer in sl (db/sendlog.h) until the database has
 * recorded it, and record what an earlier run kept before the first
 * claim. Set before the database is ready; NULL: not kept. */
struct sendlog;
void outbox_set_sendlog(struct outbox *ob, struct sendlog *sl);

/* Install the outbox's callbacks on modem m (after modem_start). */
void outbox_attach_modem(struct outbox *ob, struct modem *m);

/*
 * The database is down and msg has just been spooled as spool_id: queue
 * durably (db/fwdq.h) what outbox_plan_spooled says (for an urgent alert
 * from a sender not flooding, the first rung of each authority), with the
 * alert's final number from the reserved block when one is left, and
 * feed the modems from that queue at their pace, U1 first. The replay
 * turns each into an outbox row in its state (ingest_message_spooled).
 * Once the database is back, claims wait (at most 10 s) until the
 * forwards a modem took are replayed: the replay may cancel a stored
 * alert's own forward that would repeat one (farol_ingest_sent_again).
 */
void outbox_forward_spooled(struct outbox *ob, const struct config *cfg,
    const struct inbound_sms *msg, const char *spool_id);

/* The queue of spooled alerts' forwards and the reserved numbers
 * (farold's, opened after the spool); the block is topped up to 1000
 * numbers whenever the database becomes ready. */
struct fwdq;
void outbox_set_fwdq(struct outbox *ob, struct fwdq *q);

/* Claim and reserve alert numbers only while p (presence.h) holds this
 * gateway's name; NULL: always. */
struct presence;
void outbox_set_presence(struct outbox *ob, struct presence *p);

/* Rows may be due now: claim soon. Cheap; void * for ingest's kick. */
void outbox_kick(void *ob);

/* void * for presence_set_registered_cb: outbox_db_ready(ob). */
void outbox_registered(void *ob);

/* The database is (again) ready: once per start, the results kept by an
 * earlier run are recorded and then the rows left "sending" by a crash
 * are queued again; no claim comes before. Results whose recording
 * failed are recorded again at every tick. */
void outbox_db_ready(struct outbox *ob);

/* Stop claiming; done() (may be NULL) runs once no claim or result call
 * is in flight. Messages still in a modem's queue are reported by the
 * modem as not sent and recorded as queued again. */
void outbox_drain(struct outbox *ob, void (*done)(void *), void *arg);

/* SMS handed to modems and not yet answered. */
int outbox_in_flight(const struct outbox *ob);

/* For `farolctl show spool': the forwards sent from the spool while the
 * database was down (since start-up), what waits, what is kept. */
struct outbox_stats {
	long long direct_sent;		/* spooled forwards submitted */
	long long direct_failed;	/* spooled forwards not sent */
	int forwards_queued;		/* waiting for a modem */
	int forwards_sending;		/* handed to a modem */
	int numbers_reserved;		/* alert numbers for an outage */
	int results_kept;		/* send results not yet recorded */
};
void outbox_get_stats(const struct outbox *ob, struct outbox_stats *st);

void outbox_free(struct outbox *ob);

#endif
