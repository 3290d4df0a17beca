/*
 * test_db_live.c: the retention purge (farol_purge) leaves the words and
 * numbers of what is still at work, against a private PostgreSQL with
 * the latest schema and functions: an alert with an outbox row queued
 * (of either class of the claim), sending or held, or with a rung plan,
 * keeps its text and sender, and so do its message and the message of a
 * reply still queued; an alert whose rows are all sent is purged. Since
 * schema v21 the purge finds those rows through the claim's, the
 * lease's and the held rows' partial indexes (db/functions/purge.sql):
 * one state left out there would purge a report still to be forwarded.
 * The flood counter's seed (farol_flood_seed, which reads the BRIN index
 * message_received_brin since v23) counts the messages of its window but
 * those whose number the purge took.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster *cluster;

/*
 * Messages 1-7, alerts 1-6 (of messages 1-6), every one with its words
 * and number: alert 1 has a forward queued, 2 a receipt queued, 3 a
 * forward being sent, 4 a forward held, 5 a forward sent, 6 its forward
 * sent and a rung plan; message 7 (a command) a reply queued.
 */
static void
make_rows(void)
{
	REQUIRE(pgcluster_exec(cluster,
	    "SET session_replication_role = replica;"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key, "
	    "received_at) SELECT i, 'cv1', '+23899111' || i, 'words ' || i, "
	    "'k' || i, now() - interval '1 hour' FROM generate_series(1, 7) i;"
	    "INSERT INTO alert (id, message_id, sender, text, state, "
	    "received_at) SELECT i, i, '+23899111' || i, 'words ' || i, "
	    "'forwarded', now() - interval '1 hour' "
	    "FROM generate_series(1, 6) i;"
	    "UPDATE alert SET rung_plan = '[]', rung_plan_next_at = "
	    "now() + interval '1 hour' WHERE id = 6;"
	    "INSERT INTO outbox (alert_id, message_id, recipient, text, "
	    "purpose, state, created_at) VALUES "
	    "(1, 1, '+2389920001', 'fwd', 'forward', 'queued', "
	    "now() - interval '1 hour'),"
	    "(2, 2, '+238991112', 'receipt', 'receipt', 'queued', "
	    "now() - interval '1 hour'),"
	    "(3, 3, '+2389920001', 'fwd', 'forward', 'sending', "
	    "now() - interval '1 hour'),"
	    "(4, 4, '+2389920001', 'fwd', 'forward', 'held', "
	    "now() - interval '1 hour'),"
	    "(5, 5, '+2389920001', 'fwd', 'forward', 'submitted', "
	    "now() - interval '1 hour'),"
	    "(6, 6, '+2389920001', 'fwd', 'forward', 'submitted', "
	    "now() - interval '1 hour'),"
	    "(NULL, 7, '+238991117', 'reply', 'reply', 'queued', "
	    "now() - interval '1 hour');"
	    "ANALYZE") == 0, "rows");
}

/* The ids of table's rows whose column is still kept, "1,2,...". */
static void
check_kept(const char *table, const char *column, const char *want)
{
	char sql[256], *got;

	snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',' ORDER BY "
	    "id) FROM %s WHERE %s <> ''", table, column);
	got = pgcluster_query_text(cluster, sql);
	CHECK_STR(got, want, "%s.%s kept", table, column);
	free(got);
}

int
main(void)
{
	cluster = pgcluster_start("db_live");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);
	make_rows();
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "farol_flood_seed(7200)") == 7, "seed: every message");
	CHECK(pgcluster_exec(cluster, "SELECT * FROM farol_purge(now(), "
	    "now(), 'test', false, 0, NULL)") == 0, "purge");
	check_kept("alert", "text", "1,2,3,4,6");
	check_kept("alert", "sender", "1,2,3,4,6");
	check_kept("message", "text", "1,2,3,4,6,7");
	check_kept("message", "sender", "1,2,3,4,6,7");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "farol_flood_seed(7200)") == 6,
	    "seed: the messages whose number is kept, and only those");
	pgcluster_destroy(cluster);
	return check_status();
}
