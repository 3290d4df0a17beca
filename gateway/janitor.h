/*
 * janitor.h: the jobs that run in exactly one gateway at a time.
 *
 * Several gateways share one database (gateway/deployment.md); what is
 * not an outbox row of one alert belongs to the janitor: writing the
 * alerts' planned rungs into the outbox before they are due
 * (escalation.rung_horizon, farol_alert_plan_write), expiring stale
 * rungs (the next rung due at once), expiring alerts whose ladder passed,
 * cancelling the rungs of finished alerts (farol_janitor_run), the U3
 * digest (digest.h) and any job added with janitor_add_job (a daily
 * purge, say). The janitor is whoever holds a session advisory lock
 * (farol_janitor_hold, db/functions/gateway.sql): every run asks for it,
 * and the first gateway whose run finds it free keeps it as long as its
 * connection lives. When that gateway dies, the server ends its session
 * and the next run of another gateway, within a second, takes over.
 * Runs on the main loop; never blocks.
 */
#ifndef FAROL_JANITOR_H
#define FAROL_JANITOR_H

#include <event2/event.h>

#include "config.h"
#include "db.h"

struct janitor;
struct presence;

/* Register the statements; call before db_start(). */
void janitor_prepare(struct db *db);

/* Runs every JANITOR_TICK_MS once p (may be NULL: always) holds its
 * name; *cfgp's escalation.stale_after and rung_horizon are read at every
 * run.
 * kick(kick_arg) when rows became due (the outbox's). */
struct janitor *janitor_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, struct presence *p,
    void (*kick)(void *), void *kick_arg);

/*
 * A job for the janitor: fn(arg) runs after every run of the gateway
 * holding the lock (about once a second), and once more with
 * acquired = 1 when it has just become the janitor (to catch up what
 * the last holder missed). A job keeps its own schedule; its SQL may
 * guard itself with farol_janitor_hold() too.
 */
void janitor_add_job(struct janitor *j, void (*fn)(void *arg, int acquired),
    void *arg);

/* 1 while this gateway holds the janitor (as of its last run). */
int janitor_held(const struct janitor *j);

/* The database connection was lost: the lock went with it. */
void janitor_db_lost(struct janitor *j);

void janitor_stop(struct janitor *j);
void janitor_free(struct janitor *j);

#endif
