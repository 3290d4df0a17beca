/*
 * show_spool.c: `show spool', one row: what waits in the local spool for
 * the database, the replay that empties it, and the urgent forwards sent
 * from it while the database is down (their outbox rows are written at
 * replay).
 *
 * Columns: database (ready when connected, else the engine's state:
 * connecting, migrating, preparing, backoff, ...), waiting (messages in the spool), oldest_age_s (null when
 * empty), replay (idle, storing, retrying, draining), replay_calls,
 * forwarded (spooled forwards submitted by a modem since start-up),
 * forward_failed, forwards_queued (waiting for a modem), forwards_sending
 * (handed to one, no answer yet), numbers_reserved (alert numbers kept
 * for an outage), results_kept (send results not yet recorded).
 */
#include <time.h>

#include "admin.h"
#include "db.h"
#include "outbox.h"
#include "replay.h"
#include "show.h"
#include "spool.h"
#include "table.h"

static const char *const show_spool_columns[] = {
	"database", "waiting", "oldest_age_s", "replay", "replay_calls",
	"forwarded", "forward_failed", "forwards_queued", "forwards_sending",
	"numbers_reserved", "results_kept",
};

void
show_spool(const struct show_sources *s, struct admin_reply *r, int json)
{
	struct outbox_stats ob;
	struct table t;
	time_t oldest = spool_oldest_time(s->spool);

	outbox_get_stats(s->outbox, &ob);
	table_begin(&t, admin_reply_buffer(r), json, show_spool_columns,
	    sizeof show_spool_columns / sizeof *show_spool_columns);
	table_str(&t, db_is_ready(s->db) ? "ready" :
	    db_state_name(db_get_state(s->db)));
	table_int(&t, spool_count(s->spool));
	if (oldest == 0)
		table_null(&t);
	else
		table_int(&t, (long long)(time(NULL) - oldest));
	table_str(&t, replay_state(s->replay));
	table_int(&t, replay_in_flight(s->replay));
	table_int(&t, ob.direct_sent);
	table_int(&t, ob.direct_failed);
	table_int(&t, ob.forwards_queued);
	table_int(&t, ob.forwards_sending);
	table_int(&t, ob.numbers_reserved);
	table_int(&t, ob.results_kept);
	table_end(&t);
	admin_reply_done(r, NULL);
}
