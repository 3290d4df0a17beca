/*
 * show_outbox.c: `show outbox', the outbox table counted by purpose and
 * state (from the database), with the first time a queued row is due.
 *
 * Columns: purpose, state, rows, next_due_s (seconds until the earliest
 * not_before of those rows; negative when overdue). The rows the alerts
 * still plan (alert.rung_plan: their forwards until a claim takes them,
 * the rungs due after escalation.rung_horizon until the janitor writes
 * them) count as queued rows of their purpose, due at their time: an
 * operator sees the forwards of a backlog waiting.
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
	    "UNION ALL SELECT r.purpose, 'queued', count(*), "
	    "min(a.created_at + make_interval(secs => r.after_s)) "
	    "FROM alert a CROSS JOIN LATERAL farol_alert_plan_rows("
	    "a.rung_plan) r WHERE a.rung_plan_next_at IS NOT NULL "
	    "GROUP BY r.purpose) x GROUP BY purpose, state "
	    "ORDER BY purpose, state", 0);
}

void
show_outbox(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_outbox");
}
