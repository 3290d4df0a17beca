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
 * again and is forwarded from the spool; PostgreSQL starts again. Every
 * SMS the modem took must then be an outbox row marked sent.
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
