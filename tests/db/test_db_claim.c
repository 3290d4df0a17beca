/*
 * test_db_claim.c: farol_outbox_claim's order, against a private
 * PostgreSQL with the latest schema and functions: forwards and
 * escalations before the rest even when the rest is older, each class
 * oldest first, a row to take over (another gateway's, its lease
 * expired) merged by time into its class, the room a claim leaves after
 * one class given to the next, never a row not yet due. The claim walks
 * one index per class and stops (db/database.md, "The claim's order"),
 * so this order is no longer a single ORDER BY: it is checked here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster *cluster;

/*
 * One alert (received) of one message; its outbox rows by id, times in
 * seconds from now: 1 receipt -30, 2 reply -20, 3 forward -10, 4
 * escalation -5, 5 forward being sent by another gateway whose lease
 * expired, due -7, 6 escalation due in an hour, 7 receipt -25 sent by
 * another gateway whose lease has not expired.
 */
static void
make_rows(void)
{
	REQUIRE(pgcluster_exec(cluster,
	    "SET session_replication_role = replica;"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (1, 'cv1', '+2389911111', 'P1', 'k1');"
	    "INSERT INTO alert (id, message_id, sender, state, received_at) "
	    "VALUES (1, 1, '+2389911111', 'received', now());"
	    "INSERT INTO outbox (id, alert_id, message_id, recipient, text, "
	    "purpose, authority_id, state, not_before, claimed_by, "
	    "lease_until) VALUES "
	    "(1, NULL, 1, 'f', 'r', 'receipt', NULL, 'queued', "
	    "now() - interval '30 s', NULL, NULL),"
	    "(2, NULL, 1, 'f', 'r', 'reply', NULL, 'queued', "
	    "now() - interval '20 s', NULL, NULL),"
	    "(3, 1, 1, 'd', 'a', 'forward', 'a1', 'queued', "
	    "now() - interval '10 s', NULL, NULL),"
	    "(4, 1, 1, 'd', 'a', 'escalation', 'a2', 'queued', "
	    "now() - interval '5 s', NULL, NULL),"
	    "(5, 1, 1, 'd', 'a', 'forward', 'a3', 'sending', "
	    "now() - interval '7 s', 'other', now() - interval '1 s'),"
	    "(6, 1, 1, 'd', 'a', 'escalation', 'a1', 'queued', "
	    "now() + interval '1 hour', NULL, NULL),"
	    "(7, NULL, 1, 'f', 'r', 'receipt', NULL, 'sending', "
	    "now() - interval '25 s', 'other', now() + interval '1 hour')")
	    == 0, "rows");
}

/* The ids one claim of n rows takes, in id order ("" for none). A
 * lease of 0 s: this fresh session may take rows over at once. */
static char *
claim(int n)
{
	char sql[256], *got;

	snprintf(sql, sizeof sql, "SELECT coalesce(string_agg(id || "
	    "CASE WHEN taken_over THEN 't' ELSE '' END, ',' ORDER BY id), "
	    "'') FROM farol_outbox_claim(%d, 0, 0)", n);
	got = pgcluster_query_text(cluster, sql);
	REQUIRE(got != NULL, "claim(%d)", n);
	return got;
}

static void
test_order(void)
{
	char *got;

	/* The oldest forward, and the one taken over (older than 4). */
	got = claim(2);
	CHECK_STR(got, "3,5t", "first claim: forwards first, by time");
	free(got);
	/* The last escalation due, then the room left to the oldest
	 * receipt; 7 is another live gateway's. */
	got = claim(2);
	CHECK_STR(got, "1,4", "second claim: the rung, then the oldest "
	    "of the rest");
	free(got);
	got = claim(5);
	CHECK_STR(got, "2", "third claim: what is left and due");
	free(got);
	got = claim(5);
	CHECK_STR(got, "", "fourth claim: nothing due");
	free(got);
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM outbox "
	    "WHERE state = 'sending' AND attempts = 1") == 5,
	    "each claimed row claimed once");
}

int
main(void)
{
	cluster = pgcluster_start("db_claim");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);
	make_rows();
	test_order();
	pgcluster_destroy(cluster);
	return check_status();
}
