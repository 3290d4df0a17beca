/*
 * lookup.h: the states and purposes stored in the database, one C table
 * per lookup table of the schema (0006_lookups.sql, alert_state in 0002);
 * the message kinds' table is message.h's (inbound_kind_name). C uses
 * these names instead of string literals; the engine checks
 * at every connection that the database holds each of them (db.c, state
 * MIGRATING) and refuses the connection naming the value that is missing.
 */
#ifndef FAROL_DB_LOOKUP_H
#define FAROL_DB_LOOKUP_H

#include <stddef.h>

#include <libpq-fe.h>

/* alert.state (table alert_state). */
enum lookup_alert_state {
	ALERT_RECEIVED,
	ALERT_INVALID,
	ALERT_FORWARDED,
	ALERT_DELIVERED,
	ALERT_ESCALATED,
	ALERT_ACKNOWLEDGED,
	ALERT_CLOSED,
	ALERT_CANCELLED,
	ALERT_EXPIRED,
	ALERT_NSTATES
};
extern const char *const lookup_alert_state[ALERT_NSTATES];

/* outbox.state (table outbox_state). */
enum lookup_outbox_state {
	OUTBOX_QUEUED,
	OUTBOX_SENDING,
	OUTBOX_SUBMITTED,
	OUTBOX_DELIVERED,
	OUTBOX_FAILED,
	OUTBOX_EXPIRED,
	OUTBOX_CANCELLED,
	OUTBOX_HELD,
	OUTBOX_NSTATES
};
extern const char *const lookup_outbox_state[OUTBOX_NSTATES];

/* outbox.purpose (table outbox_purpose). */
enum lookup_outbox_purpose {
	PURPOSE_RECEIPT,
	PURPOSE_REPLY,
	PURPOSE_FORWARD,
	PURPOSE_ESCALATION,
	PURPOSE_INFO,
	PURPOSE_CANCEL_NOTICE,
	PURPOSE_ACK_NOTICE,
	PURPOSE_ADMIN,
	PURPOSE_DIGEST,
	PURPOSE_TAKEN_NOTICE,
	PURPOSE_NPURPOSES
};
extern const char *const lookup_outbox_purpose[PURPOSE_NPURPOSES];

/*
 * The query listing every lookup table's values as (lookup, name) rows,
 * and the check of its result: 0 when the database holds every name C
 * knows, else -1 with *cause naming the first missing one. Values the
 * database has and C does not are not an error (a newer schema may add
 * some); *extra (may be NULL) counts them.
 */
const char	*lookup_sql(void);
int		 lookup_check(const PGresult *res, int *extra, char **cause);

#endif
