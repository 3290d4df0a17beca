/*
 * registry.h: the focal points and authorities of the config, mirrored
 * into PostgreSQL so that stored alerts can join on them.
 *
 * farold calls registry_sync() whenever the database becomes ready and
 * after every reload; the call is queued before any message that follows,
 * so an alert never names a focal point the database does not know yet.
 */
#ifndef FAROL_REGISTRY_H
#define FAROL_REGISTRY_H

#include "config.h"
#include "db.h"

/* Register the statement; call before db_start(). */
void registry_prepare(struct db *db);

/* Queue the upsert of cfg's registry; failures are logged. 0 or -1. */
int registry_sync(struct db *db, const struct config *cfg);

#endif
