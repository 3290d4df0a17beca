/*
 * inbox.h: makes each message a modem received durable, then releases it.
 *
 * The loop's side of receiving: a message handed over by a modem worker is
 * written to PostgreSQL (one idempotent call); only when the commit is
 * confirmed (or, while the database is unavailable, once it is in the local
 * spool) is the modem told to delete it from the SIM.
 * Everything here runs on the main loop; only spooling blocks, briefly
 * (fsync of one small file), and only while the database is down.
 */
#ifndef FAROL_INBOX_H
#define FAROL_INBOX_H

#include <event2/event.h>

#include "db.h"
#include "ingest.h"
#include "modem.h"
#include "replay.h"
#include "spool.h"

struct inbox;

/* Messages go to db, or to spool while db is unavailable; replay is
 * kicked when something was spooled. */
struct inbox *inbox_new(struct event_base *base, struct db *db,
    struct ingest *ingest, struct spool *spool, struct replay *replay);

/* cb runs for each message spooled while the database is down, once it
 * is durable, with its spool id (farold forwards urgent alerts from
 * there). */
void inbox_set_spooled_cb(struct inbox *ib,
    void (*cb)(const struct inbound_sms *, const char *, void *), void *arg);

/* The database's first connection attempt has an outcome (ready, or
 * failed). Until then messages wait in memory, still on the SIM, so that
 * a start-up does not spool (and forward from the spool) what PostgreSQL
 * is about to take. */
void inbox_db_settled(struct inbox *ib);

/* modem_receive_cb: takes ownership of sms. */
void inbox_receive(struct inbox *ib, struct inbound_sms *sms);
void inbox_receive_cb(struct inbound_sms *sms, void *arg);

/* What became of a message handed over by inbox_receive_notify. */
enum inbox_outcome {
	INBOX_STORED,		/* committed (or already stored) */
	INBOX_SPOOLED,		/* in the local spool: stored at replay */
	INBOX_DROPPED,		/* shutting down: not durable */
};
struct inbox_result {
	enum inbox_outcome outcome;
	long long alert_ref;	/* INBOX_STORED: its alert's number, 0 none */
	char result[16];	/* INBOX_STORED: a command's outcome, or "" */
	char state[24];		/* INBOX_STORED: the alert's state after a
				   command, or "" */
};

/*
 * As inbox_receive, for a message with no SIM behind it (USSD): cb runs
 * once with the outcome, from the loop, unless inbox_cancel_notify(arg)
 * came first. A database call that outlasts db_timeout_ms (0: the
 * inbox's 5 s) sends it to the spool, so that a caller who must answer
 * soon learns it is durable. Returns -1 (sms freed, cb never called)
 * when the inbox takes nothing (shutting down).
 */
int inbox_receive_notify(struct inbox *ib, struct inbound_sms *sms,
    int db_timeout_ms, void (*cb)(const struct inbox_result *, void *), void *arg);

/* The caller of inbox_receive_notify(arg) no longer waits: the message
 * goes on being made durable, nobody is told. */
void inbox_cancel_notify(struct inbox *ib, void *arg);

/* Stop taking new messages (they stay on the SIM for the next start);
 * done() (may be NULL) runs once nothing is in flight. */
void inbox_drain(struct inbox *ib, void (*done)(void *), void *arg);

/* Messages accepted and not yet durable. */
int inbox_in_flight(const struct inbox *ib);

/* What `farolctl show inbox' shows: the messages in flight by where they
 * are, and what became of the others since start-up. */
struct inbox_stats {
	int pending;		/* accepted, not yet durable (all below) */
	int storing;		/* a database call is out */
	int waiting;		/* parked for the first connection, or
				   waiting to retry */
	long long stored, already, spooled;
};
void inbox_get_stats(const struct inbox *ib, struct inbox_stats *st);

/* Forget a modem's messages before it is freed (they stay on the SIM). */
void inbox_forget_modem(struct inbox *ib, struct modem *m);

void inbox_free(struct inbox *ib);

#endif
