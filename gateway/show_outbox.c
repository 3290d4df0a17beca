/*
 * show_outbox.c: `show outbox', the outbox table counted by purpose and
 * state (from the database), with the first time a queued row is due.
 *
 * Columns: purpose, state, rows, next_due_s (seconds until the earliest
 * not_before of those rows; negative when overdue). The rungs the alerts
 * still plan (alert.rung_plan: due after escalation.rung_horizon, not yet
 * written) count as queued escalation rows, as they were before v18.
 */
#include "db.h"
#include "show.h"

void
show_outbox_prepare(struct db *db)
{
	db_prepare_add(db, "show_outbox", "SELECT purpose, state, "
	    "sum(n)::bigint AS rows, extract(epoch FROM min(due) - now())"
	    "::bigint AS next_due_s FROM (SELECT purpose, state, count(*) "
	    "AS n, min(not_before) AS due FROM outbox GROUP BY purpose, state "
	    "UNION ALL SELECT 'escalation', 'queued', "
	    "sum(farol_alert_plan_size(rung_plan)), min(rung_plan_next_at) "
	    "FROM alert WHERE rung_plan_next_at IS NOT NULL "
	    "HAVING count(*) > 0) x GROUP BY purpose, state "
	    "ORDER BY purpose, state", 0);
}

void
show_outbox(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_outbox");
}
