/*
 * test_plan_forwards.c: a U1's forwards are planned with the alert (its
 * rung_plan, due at once), not written at ingest, and written by the
 * claim straight as sent (farol_outbox_claim_plans), with a real farold
 * (dummy modem) on a private PostgreSQL (suite `integration`).
 *
 * Cases:
 * - a U1 is forwarded at once, each duty phone once, every SMS the modem
 *   took a row; nothing of rung 1 is left in its plan, rung 2 is;
 * - while no modem can send (paused), the forwards of two more alerts
 *   wait in their plans, and an operator sees them: `show outbox' counts
 *   them as queued forwards, `show alerts' as waiting, /metrics as the
 *   forwards' queue depth;
 * - ANULAR of one of them before any modem took its forwards drops them
 *   with its plan: resumed, the modem sends the other's forwards, once
 *   each, and never the cancelled alert's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "http_client.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01, SV */

static struct pgcluster *pg;
static struct gateway_proc g;
static int port;

#define q(...) stored_q(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)

/* Outbox rows of alert ref, purpose forward, matching where. */
static long
forwards(long ref, const char *where)
{
	return q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND o.purpose = 'forward' AND %s",
	    ref, where);
}

/* Rows of alert ref's plan with purpose. */
static long
planned(long ref, const char *purpose)
{
	return q("SELECT count(*) FROM alert a, farol_alert_plan_rows("
	    "a.rung_plan) p WHERE a.ref = %ld AND p.purpose = '%s'", ref,
	    purpose);
}

static long
alert_of(const char *text)
{
	long m = stored_send_sms(pg, &g, MARIA, text, WAIT_MS);

	return stored_alert_ref(pg, m, WAIT_MS);
}

/* The value of /metrics' series written exactly so; -1 if absent. */
static long
metric(const char *want)
{
	char *body = NULL, *p;
	long v = -1;
	size_t len = strlen(want);

	if (http_client_request(port, "GET", "/metrics", &body) != 200 ||
	    body == NULL) {
		free(body);
		return -1;
	}
	for (p = body; p != NULL && *p != '\0';
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, want, len) == 0 && p[len] == ' ') {
			v = strtol(p + len + 1, NULL, 10);
			break;
		}
	free(body);
	return v;
}

/* Returns how many forwards a U1 of MARIA's gets (rung 1). */
static long
test_forwarded_at_once(void)
{
	long ref, n, sent, rows;

	REQUIRE((ref = alert_of("ALERTA SV SX U1 plano agora")) > 0,
	    "alert made");
	n = wait_q(1, "SELECT (count(*) > 0 AND count(*) = count(*) FILTER "
	    "(WHERE o.state IN ('submitted', 'delivered')))::int FROM outbox "
	    "o JOIN alert a ON a.id = o.alert_id WHERE a.ref = %ld AND "
	    "o.purpose = 'forward'", ref);
	CHECK(n == 1, "its forwards sent");
	n = forwards(ref, "true");
	CHECK(n >= 2, "a forward to each authority got=%ld", n);
	CHECK(forwards(ref, "o.attempts = 1 AND o.rung = 1 AND o.text LIKE "
	    "'%%' || a.ref || '%%' AND o.not_before = a.created_at AND "
	    "o.created_at = a.created_at") == n, "written as the ingest would "
	    "have, claimed once");
	CHECK(q("SELECT count(DISTINCT o.recipient) FROM outbox o JOIN alert "
	    "a ON a.id = o.alert_id WHERE a.ref = %ld AND o.purpose = "
	    "'forward'", ref) == n, "each duty phone once");
	CHECK(planned(ref, "forward") == 0, "rung 1 left the plan");
	CHECK(planned(ref, "escalation") > 0, "rung 2 still planned");
	CHECK(console_wait_sent_matches_outbox(&g, pg, WAIT_MS, &sent, &rows)
	    == 0, "every SMS sent has its row: sent=%ld rows=%ld", sent, rows);
	return n;
}

static void
test_backlog_seen_then_sent(long n)
{
	long wait, cancelled, sent, rows;
	char text[64], key[32];

	REQUIRE(console_run(&g, NULL, "pause", "cv1", NULL) == 0, "pause");
	REQUIRE((wait = alert_of("ALERTA SV SX U1 plano espera")) > 0,
	    "second alert");
	REQUIRE((cancelled = alert_of("ALERTA SV TF U1 plano anulado")) > 0,
	    "third alert");
	CHECK(planned(wait, "forward") == n && planned(cancelled, "forward")
	    == n, "their forwards planned");
	CHECK(forwards(wait, "true") == 0 && forwards(cancelled, "true") == 0,
	    "no forward row yet");

	/* What an operator sees. */
	CHECK(console_sum(&g, "outbox", "rows", "purpose", "forward") ==
	    3 * n, "show outbox: %ld sent and %ld waiting got=%ld", n, 2 * n,
	    console_sum(&g, "outbox", "rows", "purpose", "forward"));
	snprintf(key, sizeof key, "%ld", wait);
	CHECK(console_value(&g, "alerts", "waiting", "ref", key) ==
	    q("SELECT farol_alert_plan_size(rung_plan) FROM alert WHERE ref "
	    "= %ld", wait) && planned(wait, "escalation") > 0,
	    "show alerts: its forwards and rungs waiting");
	CHECK(metric("farol_outbox_depth{purpose=\"forward\"}") == 2 * n,
	    "/metrics: the forwards' queue depth got=%ld want=%ld",
	    metric("farol_outbox_depth{purpose=\"forward\"}"), 2 * n);

	/* Cancelled before a modem took its forwards. */
	snprintf(text, sizeof text, "ANULAR %ld", cancelled);
	stored_send_sms(pg, &g, MARIA, text, WAIT_MS);
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'cancelled' AND rung_plan IS NULL", cancelled) == 1,
	    "cancelled, its plan dropped");

	REQUIRE(console_run(&g, NULL, "resume", "cv1", NULL) == 0, "resume");
	CHECK(wait_q(n, "SELECT count(*) FROM outbox o JOIN alert a ON a.id "
	    "= o.alert_id WHERE a.ref = %ld AND o.purpose = 'forward' AND "
	    "o.state IN ('submitted', 'delivered')", wait) == n,
	    "the waiting alert forwarded");
	CHECK(console_wait_sent_matches_outbox(&g, pg, WAIT_MS, &sent, &rows)
	    == 0, "every SMS sent has its row: sent=%ld rows=%ld", sent, rows);
	CHECK(forwards(wait, "true") == n, "each forward once");
	CHECK(forwards(cancelled, "true") == 0,
	    "the cancelled alert's never written");
	CHECK(q("SELECT count(*) FROM (SELECT 1 FROM outbox WHERE purpose = "
	    "'forward' GROUP BY alert_id, recipient HAVING count(*) > 1) d")
	    == 0, "no forward doubled");
	CHECK(console_sum(&g, "outbox", "rows", "purpose", "forward") == 2 * n,
	    "show outbox: the sent forwards only");
}

int
main(void)
{
	long n;

	REQUIRE((pg = pgcluster_start("plan forwards")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE((port = http_client_enable(&g)) > 0, "http on");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database");
	REQUIRE(http_client_wait(port, "/healthz", 200, WAIT_MS) == 200,
	    "ready");
	n = test_forwarded_at_once();
	test_backlog_seen_then_sent(n);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
