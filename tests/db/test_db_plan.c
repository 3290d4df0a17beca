/*
 * test_db_plan.c: an alert's rung plan (alert.rung_plan) in either of its
 * forms, against a private PostgreSQL with the latest schema and
 * functions: schema v18's array of rows, which plans stored before v21
 * keep, and farold's since v21, each text once (db/database.md, "The rung
 * plan"). Two alerts plan the same rows, one in each form: the janitor's
 * step (farol_alert_plan_write) writes the same outbox rows for both, in
 * the plan's order, and keeps the rest of each in its own form; the rows
 * and their count read the same (farol_alert_plan_rows, _size), and an
 * erasure finds a number in either. A plan already due is the claim's
 * (test_db_plan_claim.c): the janitor writes it only when no claim took
 * it before it would be stale.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster *cluster;

#define T1 "FAROL {ref} U1 SV relato. Responda OK {ref}"
#define T2 "FAROL {ref} SEM RESPOSTA. U1 SV relato"

/* The same four rows: rung 2 to two authorities, rung 3, the notice. */
#define PLAN_V18 "[" \
	"{\"recipient\": \"+2389920002\", \"text\": \"" T1 "\", " \
	"\"purpose\": \"escalation\", \"authority\": \"pn-sv\", \"rung\": 2, " \
	"\"after_s\": 300}, " \
	"{\"recipient\": \"+2389980002\", \"text\": \"" T1 "\", " \
	"\"purpose\": \"escalation\", \"authority\": \"icca\", \"rung\": 2, " \
	"\"after_s\": 300}, " \
	"{\"recipient\": \"+2389920003\", \"text\": \"" T1 "\", " \
	"\"purpose\": \"escalation\", \"authority\": \"pn-sv\", \"rung\": 3, " \
	"\"after_s\": 600}, " \
	"{\"recipient\": \"+2389999001\", \"text\": \"" T2 "\", " \
	"\"purpose\": \"escalation\", \"after_s\": 900}]"
#define PLAN_V21 "{\"texts\": [\"" T1 "\", \"" T2 "\"], \"rungs\": [" \
	"{\"after_s\": 300, \"purpose\": \"escalation\", \"rung\": 2, " \
	"\"text\": 0, \"to\": [\"pn-sv\", \"+2389920002\", \"icca\", " \
	"\"+2389980002\"]}, " \
	"{\"after_s\": 600, \"purpose\": \"escalation\", \"rung\": 3, " \
	"\"text\": 0, \"to\": [\"pn-sv\", \"+2389920003\"]}, " \
	"{\"after_s\": 900, \"purpose\": \"escalation\", \"text\": 1, " \
	"\"to\": [null, \"+2389999001\"]}]}"

/* Alerts 1 (ref 101, the v18 plan) and 2 (ref 102, the v21 plan),
 * received 290 s ago: rung 2 is due in 10 s. */
static void
make_rows(void)
{
	REQUIRE(pgcluster_exec(cluster,
	    "INSERT INTO authority (id, name) VALUES ('pn-sv', 'PN SV'), "
	    "('icca', 'ICCA');"
	    "INSERT INTO focal_point (id, number, name) VALUES "
	    "('fp-1', '+2389920003', 'On a ladder');"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (1, 'cv1', '+2389911111', 'P1', 'k1'), "
	    "(2, 'cv1', '+2389911111', 'P2', 'k2');"
	    "INSERT INTO alert (id, ref, message_id, sender, state, "
	    "received_at, created_at, rung_plan, rung_plan_next_at) "
	    "SELECT x.id, 100 + x.id, x.id, '+2389911111', 'forwarded', "
	    "now() - interval '290 s', now() - interval '290 s', x.p, "
	    "now() + interval '10 s' FROM (VALUES (1, '" PLAN_V18 "'::jsonb), "
	    "(2, '" PLAN_V21 "')) AS x(id, p)") == 0, "rows");
}

/* The one value of the query, as text. */
static char *
text_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
text_of(const char *fmt, ...)
{
	char buf[512], *got;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	got = pgcluster_query_text(cluster, buf);
	REQUIRE(got != NULL, "%s", buf);
	return got;
}

/* What alert id's plan reads as, one line per row. */
static char *
plan_of(int id)
{
	return text_of("SELECT string_agg(concat_ws('|', r.recipient, r.text, "
	    "r.purpose, r.authority, r.rung, r.after_s, "
	    "farol_alert_plan_size(a.rung_plan)), E'\\n') FROM alert a, "
	    "farol_alert_plan_rows(a.rung_plan) r WHERE a.id = %d", id);
}

/* The outbox rows written for alert id, its ref as "R", in id order. */
static char *
written_for(int id)
{
	return text_of("SELECT coalesce(string_agg(concat_ws('|', "
	    "o.recipient, replace(o.text, a.ref::text, 'R'), o.purpose, "
	    "o.authority_id, o.rung, o.state, extract(epoch FROM o.not_before "
	    "- a.created_at), o.created_at = a.created_at, o.message_id = "
	    "a.message_id), E'\\n' ORDER BY o.id), '') FROM outbox o "
	    "JOIN alert a ON a.id = o.alert_id WHERE a.id = %d", id);
}

/* what(1), of the v18 plan, is want (when given); what(2), of the v21
 * plan, the same. */
static void
check_both(char *(*what)(int), const char *want, const char *why)
{
	char *v18 = what(1), *v21 = what(2);

	if (want != NULL)
		CHECK_STR(v18, want, "v18: %s", why);
	CHECK_STR(v21, v18, "v21 as v18: %s", why);
	free(v18);
	free(v21);
}

/* The janitor's step with a horizon of 60 s (and a rung stale after
 * stale_s, 0: never) writes n rows. */
static void
check_step_stale(int stale_s, long n, const char *why)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT farol_alert_plan_write(60, %d)",
	    stale_s);
	CHECK(pgcluster_query_long(cluster, sql) == n, "%s", why);
}

static void
check_step(long n, const char *why)
{
	check_step_stale(0, n, why);
}

static void
test_read(void)
{
	check_both(plan_of,
	    "+2389920002|" T1 "|escalation|pn-sv|2|300|4\n"
	    "+2389980002|" T1 "|escalation|icca|2|300|4\n"
	    "+2389920003|" T1 "|escalation|pn-sv|3|600|4\n"
	    "+2389999001|" T2 "|escalation|900|4", "the plan read");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "farol_erase_focal_point('fp-1', 'test') WHERE what = 'at work' "
	    "AND rows = 2") == 1, "erasure: the number is in both plans");
}

static void
test_write(void)
{
	char *v18;

	check_step(4, "rung 2 of each written");
	check_both(written_for,
	    "+2389920002|FAROL R U1 SV relato. Responda OK R|escalation|"
	    "pn-sv|2|queued|300.000000|t|t\n"
	    "+2389980002|FAROL R U1 SV relato. Responda OK R|escalation|"
	    "icca|2|queued|300.000000|t|t", "the rows of rung 2");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM alert "
	    "WHERE jsonb_typeof(rung_plan) = CASE id WHEN 1 THEN 'array' "
	    "ELSE 'object' END AND farol_alert_plan_size(rung_plan) = 2 AND "
	    "rung_plan_next_at = created_at + interval '600 s'") == 2,
	    "the rest of each plan, in its form, next due at rung 3");
	check_both(plan_of, NULL, "the rest of the plan");

	CHECK(pgcluster_exec(cluster, "UPDATE alert SET created_at = "
	    "created_at - interval '1000 s', rung_plan_next_at = "
	    "rung_plan_next_at - interval '1000 s'") == 0, "later");
	/* Due already: the claim's (farol_outbox_claim_plans), unless
	 * no claim took them before they would be stale. */
	check_step(0, "rows already due left to the claim");
	check_step_stale(600, 4, "the rest of each written");
	v18 = written_for(1);
	CHECK(strstr(v18, "+2389999001|FAROL R SEM RESPOSTA. U1 SV relato|"
	    "escalation|queued|900.000000|t|t") != NULL, "v18: the notice, "
	    "no authority: %s", v18);
	free(v18);
	check_both(written_for, NULL, "all the rows");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM alert "
	    "WHERE rung_plan IS NULL AND rung_plan_next_at IS NULL") == 2,
	    "both plans done");
	check_step(0, "nothing left to write");
}

int
main(void)
{
	cluster = pgcluster_start("db_plan");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);
	make_rows();
	test_read();
	test_write();
	pgcluster_destroy(cluster);
	return check_status();
}
