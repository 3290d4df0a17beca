/*
 * ingest.h: the one database call that makes a received message durable,
 * together with what it means.
 *
 * Used by the inbox (messages straight from a modem) and by the replay of
 * the local spool, so both store a message the same way and compute the
 * same deduplication key: a message spooled while PostgreSQL was down and
 * read again from the SIM after a crash is still stored once.
 *
 * A text message is decided (decide.h) with the running config and stored
 * in one transaction with its consequences: an ALERTA with its alert, its
 * receipt and its forwards and escalation rungs (outbox rows due at their
 * times); a command (OK, FIM, ANULAR, INFO, ESTADO, LIBERAR) with its
 * effect on the alert and the replies of its outcome; a held alert with
 * the rows its release would send; a flood quarantine's beginning with
 * the administrators' notice. Nothing is queued by a second call.
 */
#ifndef FAROL_INGEST_H
#define FAROL_INGEST_H

#include <event2/event.h>

#include "config.h"
#include "db.h"
#include "message.h"

struct ingest;

/* What a caller learns of its message once the batch has committed. */
struct ingest_result {
	const char *message_id;	/* valid during the callback only */
	int inserted;		/* 0: it was already stored */
	long long alert_ref;	/* the alert's number; 0: none */
	const char *result;	/* a command's outcome (ok, unknown_ref,
				   not_allowed, ...); NULL: not a command */
	const char *state;	/* the alert's state after a command; NULL */
};

/* r is NULL on error: error says why and whether a retry may help
 * (db.h's struct db_error, valid during the callback only). */
typedef void (*ingest_cb)(const struct ingest_result *r,
    const struct db_error *error, void *arg);

/* Register the statements; call before db_start(). */
void ingest_prepare(struct db *db);
/* Only the batch's statement, for an ingest lane's own engine. */
void ingest_prepare_lane(struct db *db);

/*
 * *cfgp is read at every message, so a reload takes effect at once (the
 * alerts already stored keep their rungs: they are outbox rows). flood is
 * farold's one flood counter (the outbox's spooled path shares it). kick,
 * if set, is called after new outbox rows were committed.
 */
struct flood;
struct ingest *ingest_new(struct db *db, struct config *const *cfgp,
    struct flood *flood, void (*kick)(void *), void *kick_arg);
void ingest_free(struct ingest *ig);

/*
 * Ingest lanes (database.ingest_connections): the engine given to
 * ingest_new() is lane 0; each call adds another connection, used for
 * nothing but batches (its statement is registered here: call before
 * db_start(db)). A stable hash of the sender's normalised number picks a
 * message's lane, so one sender's messages keep their order. Returns -1
 * past INGEST_LANES_MAX.
 */
#define INGEST_LANES_MAX 8
int ingest_add_lane(struct ingest *ig, struct db *db);
int ingest_lanes(const struct ingest *ig);
/* The lane that stores this sender's messages (0 to lanes - 1). */
int ingest_lane_index(struct ingest *ig, const char *sender);
/* That lane's connection is lost and waits to reconnect (DB_BACKOFF):
 * its messages go to the spool, as all do when the database is down. */
int ingest_lane_down(struct ingest *ig, const char *sender);
/* Every lane connected (the replay waits for it). */
int ingest_ready(const struct ingest *ig);

/* One lane's figures (`farolctl show lanes'). */
struct ingest_lane_stats {
	const char *state;	/* its engine's (db_state_name) */
	int queued;		/* waiting for its next batch */
	int in_flight;		/* 1: a batch is out */
	long long batches, messages;	/* committed since start-up */
	long long resent;	/* batches rolled back (deadlock), resent */
};
void ingest_get_lane(const struct ingest *ig, int lane,
    struct ingest_lane_stats *st);

/* At every connection: the flood counter learns the messages of the last
 * security.flood.per_s seconds and the quarantines that last, from the
 * database (a restart forgets nothing). */
void ingest_flood_seed(struct ingest *ig);

/* Mark each new alert's arrival time in l (may be NULL: off). */
struct latency;
void ingest_set_latency(struct ingest *ig, struct latency *l);

/*
 * Queue the idempotent store of msg (values are copied) in the next batch.
 * cb runs once, from the loop, never from inside this call; timeout_ms > 0
 * bounds the wait. Returns 0 when queued, -1 when it could not be (cb is
 * then not called).
 */
int ingest_message(struct ingest *ig, const struct inbound_sms *msg,
    int timeout_ms, ingest_cb cb, void *arg);

/*
 * The same for a message spooled while the database was down whose
 * forwards went from the spool (fa, db/fwdq.h; NULL: none): the alert is
 * stored with the number they carried, and each forward sent becomes its
 * outbox row in that state, so it is not sent again.
 */
struct fwdq_alert;
int ingest_message_spooled(struct ingest *ig, const struct inbound_sms *msg,
    const struct fwdq_alert *fa, int timeout_ms, ingest_cb cb, void *arg);

/*
 * Before msg is spooled: a PIN typed in its text is judged now, the
 * verdict kept in msg->pin_verdict, and the text masked in place (P****),
 * so that no spool file holds the PIN and replay still knows whether it
 * was right (db/spool.md). Does nothing to a message judged already or
 * without a PIN. Returns -1 only when out of memory (msg unchanged).
 */
int ingest_seal_pin(struct ingest *ig, struct inbound_sms *msg);

/* Calls whose follow-up is still running (replies of commands). */
int ingest_in_flight(const struct ingest *ig);

#endif
