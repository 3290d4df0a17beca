/*
 * test_rung_plan.c: the rungs due after escalation.rung_horizon are kept
 * as the alert's plan (alert.rung_plan) and written into the outbox by
 * the janitor shortly before they are due (farol_alert_plan_write), with
 * two real farold processes on one private PostgreSQL (suite
 * `integration`). The horizon is 5 s here; U1's rungs wait 300 s, so the
 * test moves an alert's plan earlier (as test_alerts.c's advance) instead
 * of waiting.
 *
 * Cases:
 * - a U1's rung 2 is not in the outbox after ingest but in the plan (the
 *   alert is at work for the retention purge while it has one); the
 *   janitor writes it before it is due, as the row it would have been
 *   (the alert's number in its text, due at receipt + 300 s), and it is
 *   sent once, not before its time; written again by nobody (a second
 *   call of the janitor's step writes nothing);
 * - the janitor's gateway stops: the other gateway becomes the janitor
 *   and writes rung 3, once;
 * - an OK before rung 2: it is never written nor sent; an alert closed
 *   behind the plan's back has its plan dropped by the janitor, unwritten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define HORIZON_S 5
/* The rung is made due this far ahead: beyond the horizon, so that the
 * janitor must write it, and soon. */
#define DUE_IN_S (HORIZON_S + 3)

#define MARIA "+2389912345"	/* fp-sv-01, SV */
#define PN_SV_1 "+2389920001"
#define PN_SV_2 "+2389920002"
#define PN_SV_3 "+2389920003"

static struct pgcluster *pg;
static struct gateway_proc a, b;

#define q(...) stored_q(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)
#define alert_ref(m) stored_alert_ref(pg, m, WAIT_MS)

/* s seconds pass for alert ref's plan (counted from its created_at). */
static void
advance(long ref, int s)
{
	CHECK(q("WITH u AS (UPDATE alert SET created_at = created_at - "
	    "make_interval(secs => %d), rung_plan_next_at = rung_plan_next_at "
	    "- make_interval(secs => %d) WHERE ref = %ld RETURNING 1) "
	    "SELECT count(*) FROM u", s, s, ref) == 1, "advance %ld", ref);
}

/* Outbox rows of alert ref to recipient matching where. */
static long
rows_to(long ref, const char *recipient, const char *where)
{
	return q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND o.recipient = '%s' AND %s", ref,
	    recipient, where);
}

static long
wait_rows_to(long want, long ref, const char *recipient, const char *where)
{
	return wait_q(want, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.ref = %ld AND o.recipient = '%s' AND %s",
	    ref, recipient, where);
}

/* Rows alert ref's plan keeps for recipient, due after_s after ingest. */
static long
planned(long ref, const char *recipient, int after_s)
{
	return q("SELECT count(*) FROM alert a, farol_alert_plan_rows("
	    "a.rung_plan) AS p "
	    "WHERE a.ref = %ld AND p.recipient = '%s' AND p.after_s = %d AND "
	    "p.purpose = 'escalation'", ref, recipient, after_s);
}

static int
janitor_is(const struct gateway_proc *g, const char *name)
{
	char *v = console_text(g, "gateways", "janitor", "name", name);
	int yes = v != NULL && strcmp(v, "yes") == 0;

	free(v);
	return yes;
}

static int
wait_janitor(const struct gateway_proc *g, const char *name)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	for (int i = 0; i < WAIT_MS / 100; i++) {
		if (janitor_is(g, name))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void
start(struct gateway_proc *g, const char *name)
{
	REQUIRE(gateway_proc_init(g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_set_name(g, name, 0) == 0, "name %s", name);
	REQUIRE(gateway_proc_edit_config(g, "stale_after = 600;",
	    "stale_after = 600; rung_horizon = 5;") == 0, "horizon");
	REQUIRE(gateway_proc_start(g) == 0, "start %s", name);
	REQUIRE(console_wait_db_ready(g, WAIT_MS) == 0, "%s: database", name);
}

/* A rung is written by the janitor before it is due, as the row it would
 * have been, and sent once at its time. */
static void
test_rung_written_when_due(long ref)
{
	char like[64];

	CHECK(rows_to(ref, PN_SV_2, "true") == 0,
	    "rung 2 is not in the outbox after ingest");
	CHECK(planned(ref, PN_SV_2, 300) == 1, "rung 2 is in the plan");
	CHECK(planned(ref, PN_SV_3, 600) == 1, "rung 3 is in the plan");
	/* Nothing of it queued, but its plan: still at work, so the
	 * retention purge and an erasure leave its words alone. */
	CHECK(wait_q(0, "SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND o.state IN ('queued', "
	    "'sending')", ref) == 0, "its forwards and receipt sent");
	CHECK(q("SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "farol_alert_live(id)", ref) == 1, "an alert with a plan is at "
	    "work");

	advance(ref, 300 - DUE_IN_S);
	CHECK(wait_rows_to(1, ref, PN_SV_2, "true") == 1,
	    "the janitor wrote rung 2");
	CHECK(rows_to(ref, PN_SV_2, "o.state = 'queued' AND o.not_before > "
	    "now()") == 1, "written before it is due");
	snprintf(like, sizeof like, "FAROL %ld %%", ref);
	CHECK(rows_to(ref, PN_SV_2, "o.purpose = 'escalation' AND "
	    "o.authority_id = 'pn-sv' AND o.rung = 2 AND o.message_id = "
	    "a.message_id AND o.created_at = a.created_at AND o.not_before = "
	    "a.created_at + interval '300 seconds'") == 1,
	    "the row it would have been");
	CHECK(q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref = %ld AND o.recipient = '" PN_SV_2 "' AND "
	    "o.text LIKE '%s'", ref, like) == 1, "its text names the alert");
	CHECK(planned(ref, PN_SV_2, 300) == 0, "rung 2 left the plan");
	CHECK(planned(ref, PN_SV_3, 600) == 1, "rung 3 is still planned");
	CHECK(q("SELECT farol_alert_plan_write(%d, 600)", HORIZON_S) == 0,
	    "the janitor's step again writes nothing");
	CHECK(wait_rows_to(1, ref, PN_SV_2, "o.state = 'submitted'") == 1,
	    "rung 2 sent");
	CHECK(rows_to(ref, PN_SV_2, "o.submitted_at >= o.not_before") == 1,
	    "not before its time");
	CHECK(rows_to(ref, PN_SV_2, "true") == 1, "rung 2 written once");
}

/* The janitor moves to the other gateway, which writes rung 3 once. */
static void
test_janitor_moves(long ref)
{
	gateway_proc_finish(&a, WAIT_MS);
	CHECK(wait_janitor(&b, "farol-b") == 0, "b is the janitor");
	advance(ref, 300);
	CHECK(wait_rows_to(1, ref, PN_SV_3, "o.state = 'submitted'") == 1,
	    "rung 3 sent");
	CHECK(rows_to(ref, PN_SV_3, "true") == 1, "rung 3 written once");
	CHECK(q("SELECT count(*) FROM (SELECT 1 FROM outbox o JOIN alert a "
	    "ON a.id = o.alert_id WHERE a.ref = %ld GROUP BY o.recipient, "
	    "o.purpose, o.rung, o.not_before HAVING count(*) > 1) x", ref) == 0,
	    "no row of the alert doubled");
}

/* OK before rung 2: never written, never sent; a plan whose alert no
 * longer needs it is dropped by the janitor, unwritten. */
static void
test_ok_before_the_rung(void)
{
	long m, ok, closed;
	char text[64];

	m = stored_send_sms(pg, &b, MARIA, "ALERTA SV TF U1 ok cedo", WAIT_MS);
	CHECK((ok = alert_ref(m)) > 0, "alert made");
	m = stored_send_sms(pg, &b, MARIA, "ALERTA SV TF U1 fechado",
	    WAIT_MS);
	CHECK((closed = alert_ref(m)) > 0, "second alert made");
	CHECK(wait_rows_to(1, ok, PN_SV_1, "o.state = 'submitted'") == 1,
	    "forwarded");
	snprintf(text, sizeof text, "OK %ld", ok);
	stored_send_sms(pg, &b, PN_SV_1, text, WAIT_MS);
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'acknowledged'", ok) == 1, "acknowledged");
	CHECK(planned(ok, PN_SV_2, 300) == 0, "its plan dropped by the OK");
	/* Closed without farol_alert_stop_rungs: the plan stays, for the
	 * janitor to drop. */
	CHECK(q("SELECT count(*) FROM alert a WHERE a.ref = %ld AND "
	    "farol_alert_transition(a.id, 'closed', 'test', NULL)", closed) ==
	    1, "closed behind the plan's back");
	CHECK(planned(closed, PN_SV_2, 300) == 1, "its plan is still there");

	advance(ok, 300 - 1);
	advance(closed, 300 - 1);
	CHECK(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "rung_plan IS NULL AND rung_plan_next_at IS NULL", closed) == 1,
	    "the janitor dropped the closed alert's plan");
	CHECK(rows_to(ok, PN_SV_2, "true") == 0, "OK: rung 2 never written");
	CHECK(rows_to(closed, PN_SV_2, "true") == 0,
	    "closed: rung 2 never written");
	CHECK(q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE a.ref IN (%ld, %ld) AND o.purpose = "
	    "'escalation'", ok, closed) == 0, "no rung of either written");
}

int
main(void)
{
	long m, ref;

	if ((pg = pgcluster_start("rung plan")) == NULL) {
		fprintf(stderr, "FAIL: cannot start PostgreSQL\n");
		return 1;
	}
	start(&a, "farol-a");
	REQUIRE(wait_janitor(&a, "farol-a") == 0, "a is the janitor");
	start(&b, "farol-b");

	m = stored_send_sms(pg, &a, MARIA, "ALERTA SV TF U1 plano", WAIT_MS);
	REQUIRE((ref = alert_ref(m)) > 0, "alert made");
	CHECK(wait_rows_to(1, ref, PN_SV_1, "o.state = 'submitted'") == 1,
	    "forwarded");
	test_rung_written_when_due(ref);
	test_janitor_moves(ref);
	test_ok_before_the_rung();
	gateway_proc_finish(&b, WAIT_MS);
	pgcluster_destroy(pg);
	return check_status();
}
