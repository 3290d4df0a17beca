/*
 * test_faults_ack.c: PostgreSQL restarted in cycles while acknowledgements
 * arrive (suites `integration` and `faults`; issue 20). The real farold,
 * a private PostgreSQL and gammu's dummy driver.
 *
 * 24 U1 alerts are forwarded; then Policia SV's duty phone answers `OK N'
 * to each while PostgreSQL is restarted 8 times (stopped with -m immediate
 * or fast): one OK arrives while the database is up, one while it is
 * down (spooled), one the moment it is back. No OK is lost: each alert is
 * acknowledged exactly once in the database (one event), each OK is
 * answered once, the focal point told once, no rung goes after the OK,
 * and the modems send nothing twice. Every OK is taken within 15 s of the
 * last restart.
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
#define PN_SV_1 "+2389920001"	/* pn-sv's first rung */

enum { CYCLES = 8, PER_CYCLE = 3, N = CYCLES * PER_CYCLE };

static struct pgcluster *pg;
static struct gateway_proc g;

static void
drop_ok(const long *refs, int *next)
{
	char text[32];

	snprintf(text, sizeof text, "OK %ld", refs[*next]);
	CHECK(gateway_proc_drop_sms(&g, PN_SV_1, text, NULL) == 0, "drop %s",
	    text);
	(*next)++;
}

static void
test_acks_across_restarts(unsigned seed)
{
	long refs[N], t0, taken_ms;
	char text[64];
	int next = 0;

	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 ok %02d", i);
		CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0,
		    "drop %d", i);
	}
	REQUIRE(stored_wait_q(pg, WAIT_MS, N, "SELECT count(*) FROM alert "
	    "WHERE state = 'forwarded'") == N, "%d alerts forwarded", N);
	for (int i = 0; i < N; i++)
		refs[i] = stored_q(pg, "SELECT ref FROM alert ORDER BY ref "
		    "OFFSET %d LIMIT 1", i);

	srand(seed);
	for (int c = 0; c < CYCLES; c++) {
		drop_ok(refs, &next);		/* the database up */
		test_sleep_ms(rand() % 300);
		CHECK(pgcluster_stop(pg, c % 2) == 0, "stop PostgreSQL (%s)",
		    c % 2 ? "immediate" : "fast");
		drop_ok(refs, &next);		/* down: spooled */
		test_sleep_ms(200 + rand() % 300);
		CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
		drop_ok(refs, &next);		/* just back */
		test_sleep_ms(rand() % 300);
	}
	t0 = test_now_ms();
	CHECK(stored_wait_q(pg, WAIT_MS, N, "SELECT count(*) FROM alert "
	    "WHERE state = 'acknowledged'") == N, "acknowledged got=%ld "
	    "want=%d", stored_q(pg, "SELECT count(*) FROM alert WHERE state = "
	    "'acknowledged'"), N);
	taken_ms = test_now_ms() - t0;
	printf("acks: %d restarts, every OK taken %ld ms after the last\n",
	    CYCLES, taken_ms);
	CHECK(taken_ms <= 15000, "every OK taken within got=%ld ms "
	    "want<=15000", taken_ms);

	faults_check_reports(pg, "acks", "OK %", N, 0);
	faults_check_reports(pg, "acks", "ALERTA SV SX U1 ok %", N, 1);
	CHECK(stored_q(pg, "SELECT count(*) FROM alert_event WHERE to_state "
	    "= 'acknowledged'") == N && stored_q(pg, "SELECT count(DISTINCT "
	    "alert_id) FROM alert_event WHERE to_state = 'acknowledged'") ==
	    N, "each alert acknowledged exactly once (one event)");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE acknowledged_by "
	    "= 'pn-sv'") == N, "acknowledged by pn-sv");
	/* Each OK answered once, the focal point told once per alert. */
	CHECK(stored_wait_q(pg, WAIT_MS, N, "SELECT count(*) FROM outbox o "
	    "JOIN message m ON m.id = o.message_id WHERE m.text LIKE 'OK %%' "
	    "AND o.purpose = 'reply' AND o.recipient = '" PN_SV_1 "' AND "
	    "o.state = 'submitted'") == N && stored_q(pg, "SELECT count(*) "
	    "FROM outbox WHERE purpose = 'reply' AND recipient = '" PN_SV_1
	    "'") == N, "one reply per OK, sent");
	CHECK(stored_wait_q(pg, WAIT_MS, N, "SELECT count(*) FROM outbox "
	    "WHERE purpose = 'ack_notice' AND recipient = '" MARIA "' AND "
	    "state = 'submitted'") == N && stored_q(pg, "SELECT count(DISTINCT "
	    "alert_id) FROM outbox WHERE purpose = 'ack_notice'") == N,
	    "the focal point told once per alert");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE o.purpose = 'escalation' AND "
	    "o.submitted_at > a.acknowledged_at") == 0 && stored_q(pg,
	    "SELECT count(*) FROM outbox WHERE state = 'queued' AND purpose "
	    "IN ('forward', 'escalation')") == 0, "no rung after the OK, "
	    "none left queued");
	faults_check_sms_once(pg, &g, "acks", WAIT_MS);
}

int
main(void)
{
	const char *env = getenv("FAROL_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) :
	    (unsigned)time(NULL);

	printf("faults-ack: seed %u (FAROL_SEED=%u replays it)\n", seed, seed);
	REQUIRE((pg = pgcluster_start("faults_ack")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "flood limit");
	REQUIRE(gateway_proc_edit_config(&g, "reply_limit = { max = 20; "
	    "per_s = 3600; };", "reply_limit = { max = 1000; per_s = 1; };")
	    == 0, "reply limit");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	test_acks_across_restarts(seed);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
