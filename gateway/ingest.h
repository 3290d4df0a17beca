/*
 * ingest.h: the one database call that makes a received message durable.
 *
 * Used by the inbox (messages straight from a modem) and by the replay of
 * the local spool, so both store a message the same way and compute the
 * same deduplication key: a message spooled while PostgreSQL was down and
 * read again from the SIM after a crash is still stored once.
 */
#ifndef FAROL_INGEST_H
#define FAROL_INGEST_H

#include "db.h"
#include "spool.h"

/* Register the statement; call before db_start(). */
void ingest_prepare(struct db *db);

/*
 * Queue the idempotent insert of msg (values are copied). cb gets a result
 * with one row (message_id, inserted 't'/'f') or an error; timeout_ms > 0
 * bounds the wait. Returns 0 when queued, -1 when it could not be (cb is
 * then not called).
 */
int ingest_message(struct db *db, const struct spool_message *msg,
    int timeout_ms, db_result_cb cb, void *arg);

#endif
