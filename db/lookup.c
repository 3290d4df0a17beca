/*
 * lookup.c: the check of the names C writes (lookup_names.c; the message
 * kinds are message.c's) against the database's lookup tables, at every
 * connection.
 */
#include <string.h>

#include "cause.h"
#include "lookup.h"
#include "message.h"

/* Name i of a lookup: from its C table, or (message.kind, whose names
 * the inbox and the spool write) from message.c. */
static const struct lookup {
	const char		*table;
	const char *const	*names;
	int			 n;
} lookups[] = {
	{ "alert_state", lookup_alert_state, ALERT_NSTATES },
	{ "outbox_state", lookup_outbox_state, OUTBOX_NSTATES },
	{ "outbox_purpose", lookup_outbox_purpose, PURPOSE_NPURPOSES },
	{ "message_kind", NULL, INBOUND_KINDS },
};

static const char *
lookup_name(const struct lookup *l, int i)
{
	if (l->names == NULL)
		return inbound_kind_name((enum inbound_kind)i);
	return l->names[i];
}
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
			    lookup_name(&lookups[i], j)) == -1) {
				cause_set(cause, "lookup table %s has no '%s', "
				    "which this build uses", lookups[i].table,
				    lookup_name(&lookups[i], j));
				return -1;
			}
			known++;
		}
	}
	if (extra != NULL)
		*extra = PQntuples(res) - known;
	return 0;
}
