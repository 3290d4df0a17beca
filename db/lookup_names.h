/*
 * lookup_names.h: the states and purposes stored in the database, one C
 * table per lookup table of the schema (0006_lookups.sql, alert_state in
 * 0002); the message kinds' table is message.h's (inbound_kind_name). C
 * writes these names, never string literals. No libpq here, so that the
 * decision library and the outbox plan, which do not link db/, use them
 * too; lookup.h checks them against the database at every connection.
 */
#ifndef FAROL_DB_LOOKUP_NAMES_H
#define FAROL_DB_LOOKUP_NAMES_H

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

#endif
