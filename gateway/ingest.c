/*
 * ingest.c: the idempotent insert of one received message (see ingest.h).
 *
 * farol_ingest_message() (db/schema) does the deduplication; this file
 * only turns a message's fields into the call's text parameters. Never
 * logs the text.
 */
#include <stdio.h>

#include "ingest.h"

static const char ingest_sql[] =
    "SELECT message_id, inserted FROM farol_ingest_message("
    "$1, $2, $3, NULLIF($4, '')::timestamptz, to_timestamp($5), "
    "$6::int, NULLIF($7, '-1')::int, $8, $9::int)";

void
ingest_prepare(struct db *db)
{
	db_prepare_add(db, "ingest_message", ingest_sql, 9);
}

int
ingest_message(struct db *db, const struct spool_message *msg,
    int timeout_ms, db_result_cb cb, void *arg)
{
	char received[32], parts[16], ref[16], expected[16];
	const char *values[9];

	snprintf(received, sizeof received, "%lld",
	    (long long)msg->received_at);
	snprintf(parts, sizeof parts, "%d", msg->parts);
	snprintf(ref, sizeof ref, "%d", msg->concat_ref);
	snprintf(expected, sizeof expected, "%d", msg->parts_expected);
	values[0] = msg->modem;
	values[1] = msg->sender;
	values[2] = msg->text ? msg->text : "";
	values[3] = msg->smsc_time;
	values[4] = received;
	values[5] = parts;
	values[6] = ref;
	values[7] = msg->kind;
	values[8] = expected;
	return db_call_timeout(db, timeout_ms, "ingest_message", 9, values,
	    cb, arg);
}
