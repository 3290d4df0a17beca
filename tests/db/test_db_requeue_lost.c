/*
 * test_db_requeue_lost.c: farol_outbox_requeue_lost, against a private
 * PostgreSQL with the latest schema and functions. A claim committed
 * whose answer was lost leaves rows `sending', this gateway's: they are
 * queued again, but for those the gateway says it holds (in a modem's
 * hands, or with a send result not yet recorded), another gateway's, a
 * row claimed before v14 (no gateway: the start-up recovery's), and one
 * claimed after the call began (a claim on a new connection while the
 * call ran on a dropped one). gateway/outbox.c passes the ids it holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster *cluster;

/*
 * Outbox rows by id: 1 this gateway's, claimed 5 s ago, answer lost; 2
 * the same but held; 3 another gateway's; 4 queued; 5 this gateway's,
 * claimed after the call began; 6 claimed by no gateway (before v14).
 */
static void
make_rows(void)
{
	REQUIRE(pgcluster_exec(cluster,
	    "SET session_replication_role = replica;"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (1, 'cv1', '+2389911111', 'P1', 'k1');"
	    "INSERT INTO outbox (id, message_id, recipient, text, purpose, "
	    "state, claimed_by, lease_until, updated_at) VALUES "
	    "(1, 1, 'f', 'r', 'receipt', 'sending', 'me', "
	    "now() + interval '1 min', now() - interval '5 s'),"
	    "(2, 1, 'f', 'r', 'receipt', 'sending', 'me', "
	    "now() + interval '1 min', now() - interval '5 s'),"
	    "(3, 1, 'f', 'r', 'receipt', 'sending', 'other', "
	    "now() + interval '1 min', now() - interval '5 s'),"
	    "(4, 1, 'f', 'r', 'receipt', 'queued', NULL, NULL, "
	    "now() - interval '5 s'),"
	    "(5, 1, 'f', 'r', 'receipt', 'sending', 'me', "
	    "now() + interval '1 min', now() + interval '1 hour'),"
	    "(6, 1, 'f', 'r', 'receipt', 'sending', NULL, NULL, "
	    "now() - interval '5 s')") == 0, "rows");
}

static void
test_requeue_lost(void)
{
	char *got;

	CHECK_INT(pgcluster_query_long(cluster, "SET farol.gateway = 'me'; "
	    "SELECT farol_outbox_requeue_lost('{2,99}')"), 1,
	    "one row queued again");
	got = pgcluster_query_text(cluster, "SELECT string_agg(id || ' ' || "
	    "state, ',' ORDER BY id) FROM outbox");
	CHECK_STR(got, "1 queued,2 sending,3 sending,4 queued,5 sending,"
	    "6 sending", "only the lost row, not the held, another's, the "
	    "newer or the unowned");
	free(got);
	CHECK_INT(pgcluster_query_long(cluster, "SET farol.gateway = 'me'; "
	    "SELECT farol_outbox_requeue_lost(NULL)"), 1,
	    "held nothing: the once held row too");
	CHECK_INT(pgcluster_query_long(cluster, "SET farol.gateway = 'me'; "
	    "SELECT farol_outbox_requeue_lost('{}')"), 0, "then nothing");
}

int
main(void)
{
	cluster = pgcluster_start("db_requeue_lost");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);
	make_rows();
	test_requeue_lost();
	pgcluster_destroy(cluster);
	return check_status();
}
