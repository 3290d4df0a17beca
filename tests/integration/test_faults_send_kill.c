/*
 * test_faults_send_kill.c: farold killed with SIGKILL in the middle of a
 * send burst, while the loop is slow to make the modem's answers durable
 * (suites `integration` and `faults`; issue 20). The real farold, a
 * private PostgreSQL and gammu's dummy driver (one modem).
 *
 * An SMS the modem took whose answer was not yet on disk (spool/results)
 * when farold died is sent again after the restart: at-least-once, never
 * lost. The worker submits a message only once the previous one's answer
 * is durable (gateway/modems.md, "Sending"), so at any moment at most one
 * such SMS per modem is in doubt, however slow the loop. The test-only
 * FAROL_TEST_RESULT_DELAY_MS (db/sendlog.c) makes each answer's fsync
 * take 300 ms, three times the modem's 100 ms between submissions: a
 * worker that did not wait would have taken several more by then.
 *
 * 10 U1 reports; farold is killed once the modem has taken 8 SMS (plus a
 * random 0-300 ms), started again without the delay, and everything due
 * is sent. Then: SMS the modem took minus outbox rows recorded sent is at
 * most 1 (the number of modems); every report stored once, one alert
 * each.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01: SV, routed to pn-sv */
#define MODEMS 1		/* in the test's config */

enum { N = 10, KILL_AT = 8 };

static struct pgcluster *pg;
static struct gateway_proc g;

static int
burst_under_way(void *arg)
{
	(void)arg;
	return gateway_proc_sent_count(&g) >= KILL_AT;
}

/* Every row due is recorded (sent, or cancelled by the reply limit). */
static int
all_due_done(void *arg)
{
	(void)arg;
	return stored_q(pg, "SELECT count(*) FROM outbox WHERE not_before <= "
	    "now() AND state NOT IN ('submitted', 'delivered', "
	    "'cancelled')") == 0;
}

static void
test_kill_during_sends(unsigned seed)
{
	char text[64];
	long sent, rows;

	srand(seed);
	setenv("FAROL_TEST_RESULT_DELAY_MS", "300", 1);
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 sk %02d", i);
		CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0,
		    "drop %d", i);
	}
	CHECK(test_wait_until(WAIT_MS, burst_under_way, NULL) == 0,
	    "the modem took got=%d want>=%d", gateway_proc_sent_count(&g),
	    KILL_AT);
	test_sleep_ms(rand() % 300);
	CHECK(gateway_proc_signal(&g, SIGKILL) == 0, "kill -9");
	sent = gateway_proc_sent_count(&g);
	rows = stored_q(pg, "SELECT count(*) FROM outbox WHERE state IN "
	    "('submitted', 'delivered')");
	printf("send-kill: killed with %ld SMS taken by the modem, %ld "
	    "recorded sent\n", sent, rows);

	unsetenv("FAROL_TEST_RESULT_DELAY_MS");
	REQUIRE(gateway_proc_start(&g) == 0, "start again");
	CHECK(test_wait_until(WAIT_MS, all_due_done, NULL) == 0,
	    "every due row sent");
	test_sleep_ms(2000);		/* what would go again has had time to */

	sent = gateway_proc_sent_count(&g);
	rows = stored_q(pg, "SELECT count(*) FROM outbox WHERE state IN "
	    "('submitted', 'delivered')");
	printf("send-kill: the modem took %ld SMS, the outbox records %ld "
	    "sent (%ld twice)\n", sent, rows, sent - rows);
	CHECK(rows > KILL_AT && sent >= rows && sent - rows <= MODEMS,
	    "SMS the modem took got=%ld, outbox rows sent %ld: at most %d "
	    "more (one per modem)", sent, rows, MODEMS);
	faults_check_reports(pg, "send-kill", "ALERTA SV SX U1 sk %", N, 1);
}

int
main(void)
{
	const char *env = getenv("FAROL_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) :
	    (unsigned)time(NULL);

	printf("faults-send-kill: seed %u (FAROL_SEED=%u replays it)\n", seed,
	    seed);
	REQUIRE((pg = pgcluster_start("faults_send_kill")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "flood limit");
	test_kill_during_sends(seed);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
