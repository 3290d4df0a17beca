/*
 * lookup.c: the names of the database's lookup tables as C knows them
 * (the message kinds are message.c's), and their check against the
 * database at every connection. The SQL
 * tables are the truth for the data; these tables are what C may write.
 */
#include <string.h>

#include "cause.h"
#include "lookup.h"
#include "message.h"

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

static const char *
lookup_alert_state_name(int i)
{
	return lookup_alert_state[i];
}

static const char *
lookup_outbox_state_name(int i)
{
	return lookup_outbox_state[i];
}

static const char *
lookup_outbox_purpose_name(int i)
{
	return lookup_outbox_purpose[i];
}

/* message.kind: the names the inbox and the spool write (message.c). */
static const char *
lookup_message_kind_name(int i)
{
	return inbound_kind_name((enum inbound_kind)i);
}

static const struct lookup {
	const char	*table;
	const char	*(*name)(int);
	int		 n;
} lookups[] = {
	{ "alert_state", lookup_alert_state_name, ALERT_NSTATES },
	{ "outbox_state", lookup_outbox_state_name, OUTBOX_NSTATES },
	{ "outbox_purpose", lookup_outbox_purpose_name, PURPOSE_NPURPOSES },
	{ "message_kind", lookup_message_kind_name, INBOUND_KINDS },
};
#define NLOOKUPS ((int)(sizeof lookups / sizeof lookups[0]))

const char *
lookup_sql(void)
{
	/* One SELECT per entry of lookups[], same order. */
	return "SELECT 'alert_state' AS lookup, state AS name"
	    " FROM alert_state\n"
	    "UNION ALL SELECT 'outbox_state', state FROM outbox_state\n"
	    "UNION ALL SELECT 'outbox_purpose', purpose FROM outbox_purpose\n"
	    "UNION ALL SELECT 'message_kind', kind FROM message_kind;\n";
}

/* Row of res holding (table, name), or -1. */
static int
lookup_find(const PGresult *res, int ftable, int fname, const char *table,
    const char *name)
{
	int	i;

	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, ftable), table) == 0 &&
		    strcmp(PQgetvalue(res, i, fname), name) == 0)
			return i;
	}
	return -1;
}

int
lookup_check(const PGresult *res, int *extra, char **cause)
{
	int	ftable, fname, i, j, known = 0;

	if (res == NULL || (ftable = PQfnumber(res, "lookup")) < 0 ||
	    (fname = PQfnumber(res, "name")) < 0) {
		cause_set(cause, "lookup tables: no (lookup, name) result");
		return -1;
	}
	for (i = 0; i < NLOOKUPS; i++) {
		for (j = 0; j < lookups[i].n; j++) {
			if (lookup_find(res, ftable, fname, lookups[i].table,
			    lookups[i].name(j)) == -1) {
				cause_set(cause, "lookup table %s has no '%s', "
				    "which this build uses", lookups[i].table,
				    lookups[i].name(j));
				return -1;
			}
			known++;
		}
	}
	if (extra != NULL)
		*extra = PQntuples(res) - known;
	return 0;
}
