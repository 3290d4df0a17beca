/*
 * show_lanes.c: `show lanes', one row per ingest lane (gateway/ingest.c,
 * database.ingest_connections): its connection's state and what it
 * stored since start-up. From memory: answered with the database down.
 *
 * Columns: lane (0 is the connection farold shares with everything
 * else), connection (the engine's state: ready, busy, backoff...),
 * queued (messages waiting for its next batch), in_flight (1: a batch
 * is out), batches and messages (committed), resent (batches the server
 * rolled back to end a deadlock, sent again).
 */
#include "admin.h"
#include "ingest.h"
#include "show.h"
#include "table.h"

static const char *const show_lanes_columns[] = {
	"lane", "connection", "queued", "in_flight", "batches", "messages",
	"resent",
};

void
show_lanes(const struct show_sources *s, struct admin_reply *r, int json)
{
	struct ingest_lane_stats st;
	struct table t;

	table_begin(&t, admin_reply_buffer(r), json, show_lanes_columns,
	    sizeof show_lanes_columns / sizeof *show_lanes_columns);
	for (int i = 0; i < ingest_lanes(s->ingest); i++) {
		ingest_get_lane(s->ingest, i, &st);
		table_int(&t, i);
		table_str(&t, st.state);
		table_int(&t, st.queued);
		table_int(&t, st.in_flight);
		table_int(&t, st.batches);
		table_int(&t, st.messages);
		table_int(&t, st.resent);
	}
	table_end(&t);
	admin_reply_done(r, NULL);
}
