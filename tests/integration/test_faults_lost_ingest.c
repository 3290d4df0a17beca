/*
 * test_faults_lost_ingest.c: a report PostgreSQL stored whose answer
 * never reached farold (suites `integration` and `faults`).
 *
 * When the database dies between an ingest's commit and its answer (a
 * failover: the commit reached the synchronous standby), farold spools
 * the report and, the database being down, forwards it from the spool
 * (db/fwdq.c). At replay the report is found already stored, with its
 * own outbox rows. The test makes that state directly: with the modem
 * paused, a U1 report is stored (its rows queued, none sent); PostgreSQL
 * is stopped; the modem resumed; the same SMS (same SMSC time) arrives
 * again and is forwarded from the spool, under a number reserved for
 * the outage (R'; the alert is stored as R); PostgreSQL starts again.
 * Every SMS the modem took must then be an outbox row marked sent, each
 * duty phone must have got the alert once (the stored alert's own
 * forward, still queued, is not sent: farol_ingest_sent_again), and
 * `OK R'' from the duty phone must acknowledge alert R (R' is an alias
 * of R).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01: SV, routed to pn-sv */
#define TEXT "ALERTA SV SX U1 lost ingest"
#define PN_SV_1 "+2389920001"	/* pn-sv's duty phone, rung 1 */
#define DESK_1 "+2389990001"	/* national-desk's, rung 1 (a U1) */

static struct pgcluster *pg;
static struct gateway_proc g;

static int
spool_empty(void *arg)
{
	return gateway_proc_spool_count(arg) == 0 &&
	    gateway_proc_inbox_count(arg) == 0;
}

static int
sent_at_least(void *arg)
{
	return gateway_proc_sent_count(arg) >= 2;
}

static int
acknowledged(void *arg)
{
	return stored_q(arg, "SELECT count(*) FROM alert WHERE state = "
	    "'acknowledged'") == 1;
}

/* The number the duty phone read in the forward the spool sent it
 * ("FAROL <number> ..."), -1 if none. */
static long
spool_number(void)
{
	char *t = stored_qt(pg, "SELECT text FROM outbox WHERE purpose = "
	    "'forward' AND recipient = '" PN_SV_1 "' AND rung IS NULL");
	long n = -1;

	if (t != NULL && sscanf(t, "FAROL %ld", &n) != 1)
		n = -1;
	free(t);
	return n;
}

/* `farolctl alert R'' shows alert R: the number the duty phone got is
 * the one an administrator is told. */
static void
test_alert_by_alias(long ref, long alias)
{
	char key[32], *out = NULL, *sql = NULL, *got = NULL;

	snprintf(key, sizeof key, "%ld", alias);
	CHECK(console_run(&g, &out, "alert", "--json", key, NULL) == 0 &&
	    out != NULL, "farolctl alert %ld", alias);
	if (out != NULL && asprintf(&sql, "SELECT (j->'alert'->0->>'ref') "
	    "|| ' ' || (j->'alert'->0->>'state') FROM (SELECT "
	    "$j$%s$j$::jsonb AS j) x", out) >= 0)
		got = pgcluster_query_text(pg, sql);
	snprintf(key, sizeof key, "%ld acknowledged", ref);
	CHECK(got != NULL && strcmp(got, key) == 0, "alert %ld by its alias: "
	    "got=%s want=%s", alias, got != NULL ? got : "(none)", key);
	free(got);
	free(sql);
	free(out);
	out = NULL;
	/* Its full read too, recorded under the alert's own number. */
	snprintf(key, sizeof key, "%ld", alias);
	CHECK(console_run(&g, &out, "alert", key, "--full", "--reason",
	    "alias check", NULL) == 0 && out != NULL && strstr(out,
	    "events:") != NULL, "alert %ld --full: %s", alias, out);
	free(out);
	CHECK(stored_q(pg, "SELECT count(*) FROM access_audit WHERE "
	    "alert_ref = %ld AND reason = 'alias check'", ref) == 1,
	    "the read is recorded under alert %ld", ref);
}

/* The duty phone answers with the number it got: alert R is taken. */
static void
test_ok_by_alias(void)
{
	long ref, alias;
	char ok[32];

	ref = stored_q(pg, "SELECT ref FROM alert");
	alias = spool_number();
	printf("lost ingest: alert %ld, forwarded from the spool as %ld\n",
	    ref, alias);
	REQUIRE(alias > 0 && alias != ref, "a number of its own from the "
	    "spool got=%ld (the alert's %ld)", alias, ref);
	snprintf(ok, sizeof ok, "OK %ld", alias);
	CHECK(gateway_proc_drop_sms(&g, PN_SV_1, ok, NULL) == 0, "drop OK");
	CHECK(test_wait_until(WAIT_MS, acknowledged, pg) == 0, "OK %ld "
	    "acknowledges alert %ld got=%s", alias, ref, stored_qt(pg,
	    "SELECT state FROM alert"));
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "acknowledged_by = 'pn-sv'", ref) == 1, "taken by pn-sv");
	/* The console shows alert R acknowledged. */
	CHECK(console_value(&g, "alerts", "ref", "state", "acknowledged") ==
	    ref, "show alerts: %ld acknowledged", ref);
	test_alert_by_alias(ref, alias);
}

static void
test_lost_ingest(void)
{
	time_t when = time(NULL) - 60;

	REQUIRE(console_run(&g, NULL, "pause", "cv1", NULL) == 0,
	    "pause the modem");
	CHECK(gateway_proc_drop_sms_at(&g, MARIA, TEXT, NULL, when) == 0,
	    "drop");
	REQUIRE(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert")
	    == 1, "the alert stored");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE state IN "
	    "('submitted', 'delivered')") == 0, "nothing sent yet");
	CHECK(pgcluster_stop(pg, 1) == 0, "stop PostgreSQL (immediate)");
	REQUIRE(console_run(&g, NULL, "resume", "cv1", NULL) == 0,
	    "resume the modem");
	/* The same SMS again, as farold spools a report whose ingest's
	 * answer was lost. */
	CHECK(gateway_proc_drop_sms_at(&g, MARIA, TEXT, NULL, when) == 0,
	    "drop again");
	CHECK(test_wait_until(WAIT_MS, sent_at_least, &g) == 0, "forwarded "
	    "from the spool got=%d", gateway_proc_sent_count(&g));
	printf("lost ingest: %d SMS forwarded from the spool\n",
	    gateway_proc_sent_count(&g));
	CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	CHECK(test_wait_until(WAIT_MS, spool_empty, &g) == 0, "spool empty");
	faults_check_reports(pg, "lost ingest", TEXT, 1, 1);
	faults_check_sms_once(pg, &g, "lost ingest", WAIT_MS);
	/* Each duty phone got the alert once: the stored alert's own
	 * forward did not follow the spool's (counted once nothing due is
	 * left to send). */
	CHECK(stored_wait_q(pg, WAIT_MS, 0, "SELECT count(*) FROM outbox "
	    "WHERE state IN ('queued', 'sending') AND not_before <= now()")
	    == 0, "nothing due left to send");
	CHECK(gateway_proc_sent_to(&g, PN_SV_1) == 1, "SMS to pn-sv's duty "
	    "phone got=%d want=1", gateway_proc_sent_to(&g, PN_SV_1));
	CHECK(gateway_proc_sent_to(&g, DESK_1) == 1, "SMS to the national "
	    "desk got=%d want=1", gateway_proc_sent_to(&g, DESK_1));
	test_ok_by_alias();
}

int
main(void)
{
	REQUIRE((pg = pgcluster_start("faults_lost_ingest")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	REQUIRE(console_wait_modem(&g, "cv1", WAIT_MS) == 0, "modem");
	test_lost_ingest();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
