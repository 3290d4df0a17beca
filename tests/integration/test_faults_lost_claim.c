/*
 * test_faults_lost_claim.c: a claim PostgreSQL committed whose answer
 * never reached farold (suites `integration` and `faults`; issue 20).
 * The real farold, a private PostgreSQL and gammu's dummy driver.
 *
 * When the connection drops after the claim's commit, its rows stay
 * `sending', claimed by this gateway, and the gateway's heartbeat keeps
 * their leases alive: no other gateway takes them over, and the start-up
 * recovery does not run again. The test makes that state directly: with
 * the modem paused, 4 U1 reports queue their receipts and plan their
 * forwards; a claim for this gateway is then made in SQL, its answer
 * never read (`sending', this gateway's, a live lease); the modem is
 * resumed and PostgreSQL restarted. Each such SMS must go exactly once within 15 s of the
 * database's return. Then farold is restarted looking for lost claims
 * every second (FAROL_TEST_LOST_TICKS, 60 in service), so that it looks
 * while sends and results are in flight, and 6 more reports arrive
 * around two more restarts of PostgreSQL: none of all these SMS may go
 * twice (a row a modem holds, or whose result is not yet recorded, is
 * never queued again).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01: SV, routed to pn-sv */
#define LOST 4
#define MORE 6

static struct pgcluster *pg;
static struct gateway_proc g;

/* The rows marked as a lost claim leaves them that are not yet sent. */
#define UNSENT "SELECT count(*) FROM outbox o JOIN lost_claim l ON " \
    "l.id = o.id WHERE o.state NOT IN ('submitted', 'delivered')"

static void
test_lost_claim(void)
{
	long marked, t0, taken_ms;
	char text[64];

	REQUIRE(console_run(&g, NULL, "pause", "cv1", NULL) == 0,
	    "pause the modem");
	for (int i = 0; i < LOST; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 lost %02d", i);
		CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0,
		    "drop %d", i);
	}
	REQUIRE(stored_wait_q(pg, WAIT_MS, LOST, "SELECT count(*) FROM "
	    "alert") == LOST, "%d alerts stored", LOST);
	/* A claim of this gateway's (farol_outbox_claim, the forwards
	 * from the alerts' plans, the receipts from the outbox), its
	 * answer never read. */
	REQUIRE(pgcluster_exec(pg, "SELECT set_config('farol.gateway', "
	    "(SELECT name FROM gateway), false); CREATE TABLE lost_claim AS "
	    "SELECT id FROM farol_outbox_claim(1000, 0, 60)") == 0,
	    "mark claimed");
	marked = stored_q(pg, "SELECT count(*) FROM lost_claim");
	REQUIRE(marked >= 2 * LOST, "a forward and a receipt per report "
	    "marked got=%ld", marked);
	REQUIRE(console_run(&g, NULL, "resume", "cv1", NULL) == 0,
	    "resume the modem");

	/* The connection lost (its claim's answer with it) and back. */
	CHECK(pgcluster_stop(pg, 1) == 0, "stop PostgreSQL (immediate)");
	CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
	t0 = test_now_ms();
	CHECK(stored_wait_q(pg, WAIT_MS, 0, UNSENT) == 0, "every SMS of the "
	    "lost claim sent: got=%ld unsent of %ld", stored_q(pg, UNSENT),
	    marked);
	taken_ms = test_now_ms() - t0;
	printf("lost claim: %ld SMS sent %ld ms after the database was back\n",
	    marked, taken_ms);
	CHECK(taken_ms <= 15000, "within got=%ld ms want<=15000", taken_ms);
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE state = "
	    "'forwarded'") == LOST, "the %d alerts forwarded", LOST);

	/* Sends and results in flight when it looks: none goes twice. */
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0 &&
	    gateway_proc_wait_exit(&g, WAIT_MS) == 0, "farold stopped");
	setenv("FAROL_TEST_LOST_TICKS", "1", 1);
	REQUIRE(gateway_proc_start(&g) == 0, "start farold again");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	for (int i = 0; i < MORE; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 more %02d", i);
		CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0,
		    "drop %d", i);
		if (i % 3 == 2) {
			CHECK(pgcluster_stop(pg, i % 2) == 0, "stop");
			CHECK(pgcluster_restart(pg) == 0, "start");
		}
	}
	CHECK(stored_wait_q(pg, WAIT_MS, LOST + MORE, "SELECT count(*) FROM "
	    "alert WHERE state = 'forwarded'") == LOST + MORE, "all %d alerts "
	    "forwarded", LOST + MORE);
	faults_check_reports(pg, "lost claim", "ALERTA SV SX U1 %", LOST + MORE,
	    1);
	faults_check_sms_once(pg, &g, "lost claim", WAIT_MS);
}

int
main(void)
{
	REQUIRE((pg = pgcluster_start("faults_lost_claim")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	REQUIRE(console_wait_modem(&g, "cv1", WAIT_MS) == 0, "modem");
	test_lost_claim();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
