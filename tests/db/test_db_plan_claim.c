/*
 * test_db_plan_claim.c: the claim's second source, the rows of rung plans
 * due now (farol_outbox_claim_plans: a U1's forwards are planned at
 * ingest and written only when claimed), against a private PostgreSQL
 * with the latest schema and functions. The due rows go out straight as
 * claimed, once, taken out of the plan in the same statement; a claim
 * never returns more than its room (the plans of up to 32 alerts are
 * written at once, the rows beyond the room queued and taken next);
 * forwards stay before the rest, and rows due by the oldest plan before
 * it; the later rungs stay planned; both forms of plan (v18's array,
 * v21's object) are claimed alike. Left in the plan: an alert acknowledged (OK drops its plan:
 * farol_alert_stop_rungs), a plan due for longer than the stale limit
 * (the janitor writes all of it), an alert whose message came on a modem
 * another live gateway pins. The janitor's step does not take a due
 * plan of an alert that needs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster *cluster;

#define TF "FAROL {ref} U1 SV relato. Responda OK {ref}"

/* A U1's plan in v21's form: rung 1 (due now) to three authorities'
 * first numbers, with prefix P ("+23899P1" ...), rung 2 at 300 s. */
#define PLAN_V21(P) "{\"texts\": [\"" TF "\"], \"rungs\": [" \
	"{\"after_s\": 0, \"purpose\": \"forward\", \"rung\": 1, " \
	"\"text\": 0, \"to\": [\"a1\", \"+23899" P "1\", \"a2\", " \
	"\"+23899" P "2\", \"a3\", \"+23899" P "3\"]}, " \
	"{\"after_s\": 300, \"purpose\": \"escalation\", \"rung\": 2, " \
	"\"text\": 0, \"to\": [\"a1\", \"+23899" P "9\"]}]}"
/* The same in v18's form, rung 1 to two authorities. */
#define PLAN_V18(P) "[" \
	"{\"recipient\": \"+23899" P "1\", \"text\": \"" TF "\", " \
	"\"purpose\": \"forward\", \"authority\": \"a1\", \"rung\": 1, " \
	"\"after_s\": 0}, " \
	"{\"recipient\": \"+23899" P "2\", \"text\": \"" TF "\", " \
	"\"purpose\": \"forward\", \"authority\": \"a2\", \"rung\": 1, " \
	"\"after_s\": 0}, " \
	"{\"recipient\": \"+23899" P "9\", \"text\": \"" TF "\", " \
	"\"purpose\": \"escalation\", \"authority\": \"a1\", \"rung\": 2, " \
	"\"after_s\": 300}]"

/*
 * Alerts (id, ref 100 + id, message id, created s ago, plan): 1, 30 s,
 * v21 "1"; 2, 20 s, v21 "2"; 3, 10 s, v18 "3"; 4, 25 s, v21 "4"
 * (acknowledged below); 5, 700 s, v21 "5" (stale); 6, 5 s, v21 "6", its
 * message received by gateway "other" on modem "pinned", which it pins. Outbox rows: 1 a
 * receipt due 50 s ago, 2 an escalation of alert 1 due 40 s ago, 3 one
 * of alert 2 due 15 s ago.
 */
static void
make_rows(void)
{
	REQUIRE(pgcluster_exec(cluster,
	    "INSERT INTO authority (id, name) VALUES ('a1', 'A1'), "
	    "('a2', 'A2'), ('a3', 'A3');"
	    "INSERT INTO gateway (name, instance, pinned_modems) VALUES "
	    "('other', 'i1', '{pinned}');"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key, "
	    "gateway) SELECT i, CASE WHEN i = 6 THEN 'pinned' ELSE 'cv1' END, "
	    "'+2389911111', 'P' || i, 'k' || i, CASE WHEN i = 6 THEN 'other' "
	    "END FROM generate_series(1, 6) i;"
	    "INSERT INTO alert (id, ref, message_id, sender, state, "
	    "received_at, created_at, rung_plan, rung_plan_next_at) "
	    "SELECT x.id, 100 + x.id, x.id, '+2389911111', 'received', "
	    "now() - make_interval(secs => x.ago), "
	    "now() - make_interval(secs => x.ago), x.p, "
	    "now() - make_interval(secs => x.ago) FROM (VALUES "
	    "(1, 30, '" PLAN_V21("1") "'::jsonb), "
	    "(2, 20, '" PLAN_V21("2") "'), (3, 10, '" PLAN_V18("3") "'), "
	    "(4, 25, '" PLAN_V21("4") "'), (5, 700, '" PLAN_V21("5") "'), "
	    "(6, 5, '" PLAN_V21("6") "')) AS x(id, ago, p);"
	    "INSERT INTO outbox (id, alert_id, message_id, recipient, text, "
	    "purpose, authority_id, rung, state, not_before) VALUES "
	    "(1, NULL, 1, '+2389911111', 'r', 'receipt', NULL, NULL, "
	    "'queued', now() - interval '50 s'), "
	    "(2, 1, 1, '+2389900002', 'e', 'escalation', 'a2', 2, 'queued', "
	    "now() - interval '40 s'), "
	    "(3, 2, 2, '+2389900003', 'e', 'escalation', 'a3', 2, 'queued', "
	    "now() - interval '15 s');"
	    "SELECT setval(pg_get_serial_sequence('outbox', 'id'), 100)")
	    == 0, "rows");
}

/* One claim of up to n rows, stale after 600 s: what it took, each as
 * "alert:recipient's last digits" (an outbox row of the set-up as
 * "#id"), in the claim's order. */
static char *
claim(int n)
{
	char sql[512], *got;

	snprintf(sql, sizeof sql, "SELECT coalesce(string_agg(CASE WHEN "
	    "c.id <= 3 THEN '#' || c.id ELSE c.alert_id || ':' || "
	    "right(c.recipient, 2) END, ',' ORDER BY c.ord), '') FROM "
	    "farol_outbox_claim(%d, 600, 60) WITH ORDINALITY AS c(id, "
	    "recipient, text, purpose, alert_id, attempts, taken_over, ord)",
	    n);
	got = pgcluster_query_text(cluster, sql);
	REQUIRE(got != NULL, "claim(%d)", n);
	return got;
}

static void
check_claim(int n, const char *want, const char *why)
{
	char *got = claim(n);

	CHECK_STR(got, want, "%s", why);
	free(got);
}

static void
test_claim(void)
{
	char *got;

	/* OK on alert 4 before any of its forwards went. */
	CHECK(pgcluster_exec(cluster, "UPDATE alert SET state = "
	    "'acknowledged' WHERE id = 4; SELECT farol_alert_stop_rungs(4, "
	    "'acknowledged')") == 0, "ack");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM alert "
	    "WHERE id = 4 AND rung_plan IS NULL AND rung_plan_next_at IS "
	    "NULL") == 1, "OK drops rung 1 with the plan");

	/* The escalation due before every plan, then alert 1's first
	 * forward: its two others written queued. */
	check_claim(2, "#2,1:11", "the room: 2 rows");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM outbox "
	    "WHERE alert_id = 1 AND purpose = 'forward' AND ((state = "
	    "'sending' AND attempts = 1 AND lease_until > now()) OR (state = "
	    "'queued' AND attempts = 0 AND lease_until IS NULL))") == 3,
	    "alert 1's forwards: one sent, two queued");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM outbox "
	    "WHERE alert_id IN (2, 3) AND purpose = 'forward' AND state = "
	    "'queued'") == 5, "the next plans written with it, queued");
	got = pgcluster_query_text(cluster, "SELECT o.text || '|' || "
	    "extract(epoch FROM o.not_before - a.created_at) || '|' || "
	    "(o.created_at = a.created_at) || '|' || o.message_id FROM outbox "
	    "o JOIN alert a ON a.id = o.alert_id WHERE o.alert_id = 1 AND "
	    "o.purpose = 'forward' AND recipient = '+2389911'");
	CHECK_STR(got != NULL ? got : "", "FAROL 101 U1 SV relato. Responda "
	    "OK 101|0.000000|true|1", "the row the janitor would write");
	free(got);
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM alert "
	    "WHERE id = 1 AND farol_alert_plan_size(rung_plan) = 1 AND "
	    "rung_plan_next_at = created_at + interval '300 s' AND "
	    "rung_plan->'texts' IS NOT NULL") == 1,
	    "alert 1's rung 2 still planned, in its form");

	/* Alert 1's queued rows are older than alert 2's plan. */
	check_claim(3, "1:12,1:13,2:21", "queued first, then the plan");
	/* The escalation due between alert 2 and alert 3. */
	check_claim(4, "2:22,2:23,#3,3:31", "by time across sources");
	check_claim(8, "3:32,#1", "v18's plan; then the receipt");
	check_claim(8, "", "nothing due: not the stale plan, not the "
	    "pinned one, not the acknowledged one, not rung 2");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM alert "
	    "WHERE id = 3 AND jsonb_typeof(rung_plan) = 'array' AND "
	    "jsonb_array_length(rung_plan) = 1") == 1,
	    "alert 3's rung 2 still planned, as v18's array");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM outbox "
	    "WHERE state = 'sending' AND purpose IN ('forward', "
	    "'escalation')") == 10, "every due row claimed");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM (SELECT "
	    "alert_id, recipient FROM outbox GROUP BY 1, 2 HAVING count(*) "
	    "> 1) d") == 0, "none twice");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM outbox "
	    "WHERE alert_id IN (4, 5, 6)") == 0,
	    "nothing of alerts 4, 5, 6");

	/* The janitor: the stale plan written whole (the stale rule then
	 * moves on to rung 2), the pinned one left to the claims. */
	CHECK(pgcluster_query_long(cluster, "SELECT farol_alert_plan_write("
	    "60, 600)") == 4, "the stale plan written");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM outbox "
	    "WHERE alert_id = 5 AND state = 'queued'") == 4,
	    "alert 5's rows queued");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM alert "
	    "WHERE id = 6 AND rung_plan_next_at IS NOT NULL") == 1,
	    "the pinned plan waits");
	/* Its pin lapses (the gateway stops): the claim takes it. */
	CHECK(pgcluster_exec(cluster, "UPDATE gateway SET stopped_at = "
	    "now(); UPDATE outbox SET state = 'cancelled' WHERE alert_id = "
	    "5") == 0, "unpin");
	check_claim(3, "6:61,6:62,6:63", "the pin gone");
}

int
main(void)
{
	cluster = pgcluster_start("db_plan_claim");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);
	make_rows();
	test_claim();
	pgcluster_destroy(cluster);
	return check_status();
}
