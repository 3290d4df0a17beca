/*
 * show_outbox.c: `show outbox', the outbox table counted by purpose and
 * state (from the database), with the first time a queued row is due.
 *
 * Columns: purpose, state, rows, next_due_s (seconds until the earliest
 * not_before of those rows; negative when overdue).
 */
#include "db.h"
#include "show.h"

void
show_outbox_prepare(struct db *db)
{
	db_prepare_add(db, "show_outbox", "SELECT purpose, state, "
	    "count(*) AS rows, extract(epoch FROM min(not_before) - now())"
	    "::bigint AS next_due_s FROM outbox GROUP BY purpose, state "
	    "ORDER BY purpose, state", 0);
}

void
show_outbox(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_outbox");
}
