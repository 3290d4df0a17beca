/*
 * lookup_names.c: the names C writes into the database's lookup tables
 * (see lookup_names.h). The SQL tables are the truth for the data; these
 * are what C may write, checked by lookup.c at every connection.
 */
#include "lookup_names.h"

const char *const lookup_alert_state[ALERT_NSTATES] = {
	[ALERT_RECEIVED] = "received",
	[ALERT_INVALID] = "invalid",
	[ALERT_FORWARDED] = "forwarded",
	[ALERT_DELIVERED] = "delivered",
	[ALERT_ESCALATED] = "escalated",
	[ALERT_ACKNOWLEDGED] = "acknowledged",
	[ALERT_CLOSED] = "closed",
	[ALERT_CANCELLED] = "cancelled",
	[ALERT_EXPIRED] = "expired",
};

const char *const lookup_outbox_state[OUTBOX_NSTATES] = {
	[OUTBOX_QUEUED] = "queued",
	[OUTBOX_SENDING] = "sending",
	[OUTBOX_SUBMITTED] = "submitted",
	[OUTBOX_DELIVERED] = "delivered",
	[OUTBOX_FAILED] = "failed",
	[OUTBOX_EXPIRED] = "expired",
	[OUTBOX_CANCELLED] = "cancelled",
	[OUTBOX_HELD] = "held",
};

const char *const lookup_outbox_purpose[PURPOSE_NPURPOSES] = {
	[PURPOSE_RECEIPT] = "receipt",
	[PURPOSE_REPLY] = "reply",
	[PURPOSE_FORWARD] = "forward",
	[PURPOSE_ESCALATION] = "escalation",
	[PURPOSE_INFO] = "info",
	[PURPOSE_CANCEL_NOTICE] = "cancel_notice",
	[PURPOSE_ACK_NOTICE] = "ack_notice",
	[PURPOSE_ADMIN] = "admin",
	[PURPOSE_DIGEST] = "digest",
	[PURPOSE_TAKEN_NOTICE] = "taken_notice",
};
