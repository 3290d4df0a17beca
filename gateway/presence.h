/*
 * presence.h: this gateway's name in the database (gateway.name).
 *
 * Several gateways share one database (gateway/deployment.md). Each
 * registers its name once per start as an instance (the `gateway' table,
 * db/functions/gateway.sql) and keeps it alive with a heartbeat every
 * third of gateway.lease, which also renews the leases of the outbox rows
 * it is sending. A name another live farold holds is refused: this one
 * then does not claim, run the janitor or reserve alert numbers, and
 * says so in the log, `farolctl show gateways' and /healthz, until the
 * other stops (its heartbeat older than its lease) and the name is
 * taken. The same gateway restarted after a crash on the same host
 * takes its name at once (the old pid is gone). Runs on the main loop;
 * never blocks.
 */
#ifndef FAROL_PRESENCE_H
#define FAROL_PRESENCE_H

#include <event2/event.h>

#include "config.h"
#include "db.h"

struct presence;

/* Register the statements; call before db_start(). */
void presence_prepare(struct db *db);

/* cfg's name, lease and pinned modems are read once. */
struct presence *presence_new(struct event_base *base, struct db *db,
    const struct config *cfg);

/* fn(arg) runs each time this instance comes to hold its name (the
 * outbox's outbox_db_ready: its recovery and claims wait for it). */
void presence_set_registered_cb(struct presence *p, void (*fn)(void *),
    void *arg);

/* The database is (again) ready: register, if not done. */
void presence_db_ready(struct presence *p);

/* 1 while this instance holds its name: it may claim and reserve. */
int presence_registered(const struct presence *p);

/* The instance's id (for the console). */
const char *presence_instance(const struct presence *p);

/* Why the name is not held ("" when it is), for /healthz. */
const char *presence_problem(const struct presence *p);

/* A clean stop: the name is freed for another instance at once. */
void presence_stop(struct presence *p);
void presence_free(struct presence *p);

#endif
