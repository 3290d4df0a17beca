/*
 * digest.h: the U3 digest, a janitor's job. A U3 alert is not sent on its
 * own: ingest makes it an item of each of its authorities' next digest
 * (db/functions/digest.sql). At escalation.u3.digest_at (local time)
 * each duty phone gets one digest listing the period's U3 alerts, split
 * into numbered SMS (outbox_plan_digest); an alert cancelled or closed
 * before then is left out. Runs on the main loop; never blocks.
 *
 * The job is one function, digest_run(), that a timer calls: the daily
 * timer here, and at each connection to the database the catch-up of a
 * digest missed while farold or PostgreSQL was down. Safe to run twice
 * or from two gateways: the database marks each item once.
 */
#ifndef FAROL_DIGEST_H
#define FAROL_DIGEST_H

#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "db.h"

struct digest;

/* Register the statements; call before db_start(). */
void digest_prepare(struct db *db);

/* *cfgp (escalation.u3.digest_at, the authorities, the replies) is read
 * at every run; kick(kick_arg) runs when SMS were queued (the outbox's). */
struct digest *digest_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, void (*kick)(void *), void *kick_arg);

/* Arm the timer for the next digest_at (at start and after a reload). */
void digest_schedule(struct digest *dg);

/* The job: every item made at or before until goes out in its duty
 * phone's digest. A call while one runs is done after it. */
void digest_run(struct digest *dg, time_t until);

/* The database is (again) ready: the items of a digest missed while
 * farold or PostgreSQL was down (made before the last digest_at) go
 * out now. */
void digest_db_ready(struct digest *dg);

/* Run only in the gateway holding the janitor (janitor.h); its daily
 * timer then skips the run elsewhere, and digest_janitor_job, a janitor
 * job, catches up (digest_db_ready) when this gateway becomes the
 * janitor (at its first connection, or taking over from a dead one). */
struct janitor;
void digest_set_janitor(struct digest *dg, struct janitor *j);
void digest_janitor_job(void *dg, int acquired);

/* Disarm the timer (before the database closes); results still due
 * arrive and are handled until digest_free. */
void digest_stop(struct digest *dg);
void digest_free(struct digest *dg);

#endif
