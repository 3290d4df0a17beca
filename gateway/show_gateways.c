/*
 * show_gateways.c: `show gateways', the gateways sharing this database
 * (from the database: the `gateway' table, db/functions/gateway.sql).
 *
 * Columns: name, host, pid, alive (its heartbeat younger than its lease,
 * not stopped), heartbeat_age_s, janitor (it holds the janitor's lock
 * now), sending (outbox rows it has claimed and not yet recorded),
 * pinned (its pinned modems).
 */
#include "db.h"
#include "show.h"

void
show_gateways_prepare(struct db *db)
{
	db_prepare_add(db, "show_gateways", "SELECT g.name, g.host, g.pid, "
	    "(g.stopped_at IS NULL AND g.heartbeat_at > now() - "
	    "make_interval(secs => g.lease_s)) AS alive, "
	    "extract(epoch FROM now() - g.heartbeat_at)::bigint AS "
	    "heartbeat_age_s, (g.name = j.holder AND EXISTS (SELECT 1 FROM "
	    "pg_locks l WHERE l.locktype = 'advisory' AND l.classid = "
	    "1718579820 AND l.objid = 1 AND l.objsubid = 2 AND l.granted)) "
	    "AS janitor, (SELECT count(*) FROM outbox o WHERE o.state = "
	    "'sending' AND o.claimed_by = g.name) AS sending, "
	    "array_to_string(g.pinned_modems, ',') AS pinned "
	    "FROM gateway g LEFT JOIN janitor j ON true ORDER BY g.name", 0);
}

void
show_gateways(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_gateways");
}
