/*
 * replay.h: drains the local spool into PostgreSQL once it is reachable.
 *
 * Messages spooled while the database was down are stored, oldest first,
 * with the same idempotent call as live messages (ingest.h); each spool
 * file is removed only after its commit is confirmed. A failure stops the
 * pass; the next pass starts again from the oldest file, which is harmless
 * because storing is idempotent. Runs on the main loop; never blocks on
 * the database.
 */
#ifndef FAROL_REPLAY_H
#define FAROL_REPLAY_H

#include <event2/event.h>

#include "db.h"
#include "ingest.h"
#include "spool.h"

struct replay;

struct replay *replay_new(struct event_base *base, struct db *db,
    struct ingest *ingest, struct spool *spool);

/* Spooled alerts' forwards (db/fwdq.h): each message is stored with
 * its forwards' states (ingest_message_spooled), after any answer a
 * modem still owes, and its forward file is removed with its spool
 * file. */
struct fwdq;
void replay_set_fwdq(struct replay *r, struct fwdq *q);

/* kick(arg) once a message whose forwards a modem took is stored: the
 * outbox holds its claims until then (outbox.c, outbox_replay_first). */
void replay_set_kick(struct replay *r, void (*kick)(void *), void *arg);

/* Something may be waiting: start a pass if the database is ready and
 * none is running. Cheap; call it whenever the database becomes ready or a
 * message is spooled. */
void replay_kick(struct replay *r);

/* Stop starting calls; done() (may be NULL) runs once none is in flight. */
void replay_drain(struct replay *r, void (*done)(void *), void *arg);

/* Calls in flight (for status). */
int replay_in_flight(const struct replay *r);

/* One word for the console: "idle", "storing" (calls in flight),
 * "retrying" (waiting after a failed pass) or "draining". */
const char *replay_state(const struct replay *r);

void replay_free(struct replay *r);

#endif
