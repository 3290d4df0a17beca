/*
 * show_alerts.c: `show alerts', the 50 newest alerts (from the database),
 * newest first. No free text and no phone number: what an operator needs
 * to see that each alert is moving.
 *
 * Columns: ref, area, forms (comma-separated codes), urgency, minor,
 * verified, state, held (the reason, or null), rung (the highest rung
 * handed to a modem, or null), forwarded (forward and escalation SMS
 * handed to modems), waiting (those still queued, and the rungs the
 * alert still plans: alert.rung_plan), age_s (since receipt).
 */
#include "db.h"
#include "show.h"

void
show_alerts_prepare(struct db *db)
{
	db_prepare_add(db, "show_alerts", "SELECT a.ref, a.area, "
	    "array_to_string(a.forms, ',') AS forms, a.urgency, a.minor, "
	    "a.verified, a.state, a.held_reason AS held, "
	    "max(o.rung) FILTER (WHERE o.state IN ('submitted', "
	    "'delivered')) AS rung, "
	    "count(o.id) FILTER (WHERE o.purpose IN ('forward', "
	    "'escalation') AND o.state IN ('submitted', 'delivered')) "
	    "AS forwarded, "
	    "count(o.id) FILTER (WHERE o.purpose IN ('forward', "
	    "'escalation') AND o.state IN ('queued', 'sending')) + "
	    "max(coalesce(farol_alert_plan_size(a.rung_plan), 0)) AS waiting, "
	    "extract(epoch FROM now() - a.received_at)::bigint AS age_s "
	    "FROM (SELECT * FROM alert ORDER BY id DESC LIMIT 50) a "
	    "LEFT JOIN outbox o ON o.alert_id = a.id "
	    "GROUP BY a.id, a.ref, a.area, a.forms, a.urgency, a.minor, "
	    "a.verified, a.state, a.held_reason, a.received_at "
	    "ORDER BY a.id DESC", 0);
}

void
show_alerts(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_alerts");
}
