/*
 * test_failover.c: the database's primary dies and its standby is promoted
 * in the middle of a stream of reports and acknowledgements (suites
 * `integration` and `faults`).
 *
 * Two real PostgreSQL clusters: a primary and a streaming standby made by
 * pg_basebackup, with synchronous replication (what the deployment guide
 * asks for: a commit farold was told of is on both). Two gateways,
 * farol-a and farol-b, each with its own modem, name both hosts with
 * target_session_attrs=read-write. While U1 reports and `OK N`
 * acknowledgements arrive at both, the primary is stopped with
 * `pg_ctl stop -m immediate` and the standby promoted. Asked of the new
 * primary afterwards: both gateways back and one janitor, every report
 * stored once, one alert each, every acknowledgement taken, no outgoing
 * SMS queued twice, and every SMS the modems took is an outbox row marked
 * sent.
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

#define WAIT_MS 60000
#define LEASE_S 3
#define MARIA "+2389912345"	/* fp-sv-01, SV */
#define PN_SV_1 "+2389920001"	/* the SV police duty phone, rung 1 */
#define DESK_1 "+2389990001"	/* the national desk's, rung 1 (a U1) */

enum {
	BEFORE = 20,		/* reports stored before the stream */
	STREAM = 40,		/* reports during the stream */
	FAIL_AT = 12		/* step of the stream when the primary dies */
};

static struct pgcluster *primary, *standby;

static void
drop_report(struct gateway_proc *g, int i)
{
	char text[96];

	snprintf(text, sizeof text, "ALERTA SV SX U1 V2 relato %04d", i);
	CHECK(gateway_proc_drop_sms(g, MARIA, text, NULL) == 0, "drop %d", i);
}

static void
drop_ack(struct gateway_proc *g, long ref)
{
	char text[32];

	snprintf(text, sizeof text, "OK %ld", ref);
	CHECK(gateway_proc_drop_sms(g, PN_SV_1, text, NULL) == 0, "drop OK "
	    "%ld", ref);
}

static int
inbox_and_spool_empty(void *arg)
{
	return gateway_proc_inbox_count(arg) == 0 &&
	    gateway_proc_spool_count(arg) == 0;
}

/* Both clusters, in the order a deployment lists them. */
static char *
failover_conninfo(void)
{
	char *s;

	if (asprintf(&s, "host=%s,%s port=5432,5432 dbname=farol user=farol "
	    "target_session_attrs=read-write connect_timeout=2",
	    pgcluster_dir(primary), pgcluster_dir(standby)) == -1)
		return NULL;
	return s;
}

/* SMS recorded as sent (or delivered) on the new primary. */
static long
outbox_sent(void)
{
	return stored_q(standby, "SELECT count(*) FROM outbox WHERE state IN "
	    "('submitted', 'delivered')");
}

static int
sent_matches(void *arg)
{
	struct gateway_proc *g = arg;

	return gateway_proc_sent_count(&g[0]) + gateway_proc_sent_count(&g[1])
	    == outbox_sent();
}

static void
start_gateway(struct gateway_proc *g, const char *conninfo, const char *name)
{
	REQUIRE(gateway_proc_init(g, conninfo) == 0, "init %s", name);
	REQUIRE(gateway_proc_set_name(g, name, LEASE_S) == 0, "name %s", name);
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(g) == 0, "no flood limit");
	CHECK(gateway_proc_start(g) == 0, "start %s", name);
	CHECK(console_wait_db_ready(g, WAIT_MS) == 0, "%s: db ready", name);
}

static int
both_empty(void *arg)
{
	struct gateway_proc *g = arg;

	return inbox_and_spool_empty(&g[0]) && inbox_and_spool_empty(&g[1]);
}

static void
test_promote_mid_stream(void)
{
	struct gateway_proc gw[2], *g;
	char *conninfo;
	long refs[BEFORE], n, failed_at, back;
	int i;

	REQUIRE((conninfo = failover_conninfo()) != NULL, "conninfo");
	start_gateway(&gw[0], conninfo, "farol-a");
	start_gateway(&gw[1], conninfo, "farol-b");

	/* Reports and acknowledgements alternate between the two modems. */
	for (i = 0; i < BEFORE; i++)
		drop_report(&gw[i % 2], i);
	CHECK(stored_wait_q(primary, WAIT_MS, BEFORE, "SELECT count(*) FROM "
	    "alert") == BEFORE, "%d alerts before the stream", BEFORE);
	/* An OK counts from a phone the alert was sent to. */
	CHECK(stored_wait_q(primary, WAIT_MS, BEFORE, "SELECT count(*) FROM "
	    "outbox WHERE purpose = 'forward' AND recipient = '" PN_SV_1 "' "
	    "AND state = 'submitted'") == BEFORE, "%d forwards sent", BEFORE);
	for (i = 0; i < BEFORE; i++)
		refs[i] = stored_q(primary, "SELECT a.ref FROM alert a JOIN "
		    "message m ON m.id = a.message_id WHERE m.text = 'ALERTA "
		    "SV SX U1 V2 relato %04d'", i);

	/* The stream: a report and an acknowledgement every 100 ms. */
	failed_at = 0;
	for (i = 0; i < STREAM; i++) {
		drop_report(&gw[i % 2], BEFORE + i);
		if (i < BEFORE)
			drop_ack(&gw[(i + 1) % 2], refs[i]);
		if (i == FAIL_AT) {
			CHECK(pgcluster_stop(primary, 1) == 0, "pg_ctl stop -m "
			    "immediate (the primary)");
			failed_at = test_now_ms();
		}
		if (i == FAIL_AT + 20)
			CHECK(pgcluster_promote(standby) == 0, "pg_ctl promote "
			    "(the standby)");
		test_sleep_ms(100);
	}
	CHECK(gateway_proc_alive(&gw[0]) && gateway_proc_alive(&gw[1]),
	    "both farold survive the failover");

	/* Everything reaches the new primary, and the spool empties. */
	n = stored_wait_q(standby, WAIT_MS, BEFORE + STREAM, "SELECT count(*) "
	    "FROM message WHERE text LIKE 'ALERTA %%'");
	back = test_now_ms() - failed_at;
	printf("failover: %ld reports on the new primary %ld ms after the "
	    "old one died\n", n, back);
	CHECK(n == BEFORE + STREAM, "reports got=%ld want=%d", n,
	    BEFORE + STREAM);
	CHECK(stored_wait_q(standby, WAIT_MS, BEFORE, "SELECT count(*) FROM "
	    "alert WHERE state = 'acknowledged'") == BEFORE, "acknowledged "
	    "got=%ld want=%d", stored_q(standby, "SELECT count(*) FROM alert "
	    "WHERE state = 'acknowledged'"), BEFORE);
	CHECK(test_wait_until(WAIT_MS, both_empty, gw) == 0, "inbox got=%d+%d "
	    "spool got=%d+%d want=0", gateway_proc_inbox_count(&gw[0]),
	    gateway_proc_inbox_count(&gw[1]), gateway_proc_spool_count(&gw[0]),
	    gateway_proc_spool_count(&gw[1]));
	/* Both gateways registered on the new primary, one of them janitor. */
	CHECK(stored_wait_q(standby, WAIT_MS, 2, "SELECT count(*) FROM gateway "
	    "WHERE stopped_at IS NULL AND name IN ('farol-a', 'farol-b') AND "
	    "heartbeat_at > now() - interval '%d seconds'", LEASE_S) == 2,
	    "both gateways alive on the new primary");
	CHECK(stored_wait_q(standby, WAIT_MS, 1, "SELECT count(*) FROM janitor "
	    "WHERE holder IN ('farol-a', 'farol-b') AND last_run_at > now() - "
	    "interval '3 seconds'") == 1, "a janitor runs on the new primary");

	/* Nothing doubled: reports, alerts, acknowledgements, outbox rows. */
	CHECK(stored_q(standby, "SELECT count(DISTINCT text) FROM message "
	    "WHERE text LIKE 'ALERTA %%'") == BEFORE + STREAM,
	    "distinct reports");
	CHECK(stored_q(standby, "SELECT count(*) FROM message WHERE text LIKE "
	    "'OK %%'") == BEFORE, "acknowledgements stored got=%ld want=%d",
	    stored_q(standby, "SELECT count(*) FROM message WHERE text LIKE "
	    "'OK %%'"), BEFORE);
	CHECK(stored_q(standby, "SELECT count(*) FROM alert") ==
	    BEFORE + STREAM && stored_q(standby, "SELECT count(DISTINCT "
	    "message_id) FROM alert") == BEFORE + STREAM, "one alert per "
	    "report got=%ld", stored_q(standby, "SELECT count(*) FROM alert"));
	CHECK(stored_q(standby, "SELECT count(DISTINCT ref) FROM alert") ==
	    BEFORE + STREAM, "alert numbers unique");
	CHECK(stored_q(standby, "SELECT count(*) FROM (SELECT 1 FROM outbox "
	    "WHERE state <> 'held' GROUP BY message_id, alert_id, purpose, "
	    "recipient, rung, not_before - created_at HAVING count(*) > 1) "
	    "x") == 0, "no outbox row doubled");

	/* What the modems took is what the new primary says went out. */
	CHECK(stored_wait_q(standby, WAIT_MS, 0, "SELECT count(*) FROM outbox "
	    "WHERE state IN ('queued', 'sending') AND not_before <= now()")
	    == 0, "nothing due left to send");
	CHECK(test_wait_until(WAIT_MS, sent_matches, gw) == 0, "modems "
	    "submitted got=%d+%d, outbox rows sent want=%ld",
	    gateway_proc_sent_count(&gw[0]), gateway_proc_sent_count(&gw[1]),
	    outbox_sent());
	/* Each alert reached each duty phone once: one forward recorded
	 * sent per alert and number (a report whose ingest's answer was
	 * lost has its alert's own forward and the spool's, under another
	 * number: only one may go), and the SMS the modems took to each
	 * number are those rows (besides the replies to the OKs). */
	CHECK(stored_q(standby, "SELECT count(*) FROM alert a WHERE (SELECT "
	    "count(*) FROM outbox o WHERE o.alert_id = a.id AND o.purpose = "
	    "'forward' AND o.recipient = '" PN_SV_1 "' AND o.state IN "
	    "('submitted', 'delivered')) <> 1") == 0, "each alert sent once "
	    "to the duty phone: got %ld alerts otherwise", stored_q(standby,
	    "SELECT count(*) FROM alert a WHERE (SELECT count(*) FROM outbox "
	    "o WHERE o.alert_id = a.id AND o.purpose = 'forward' AND "
	    "o.recipient = '" PN_SV_1 "' AND o.state IN ('submitted', "
	    "'delivered')) <> 1"));
	CHECK(stored_q(standby, "SELECT count(*) FROM (SELECT 1 FROM outbox "
	    "WHERE purpose = 'forward' AND state IN ('submitted', "
	    "'delivered') GROUP BY alert_id, recipient HAVING count(*) > 1) "
	    "x") == 0, "no alert forwarded twice to one number");
	printf("failover: %ld report(s) stored twice (the answer lost), "
	    "%ld forward(s) from the spool\n", stored_q(standby, "SELECT "
	    "count(*) FROM alert_ref_alias"), stored_q(standby, "SELECT "
	    "count(*) FROM outbox WHERE purpose = 'forward' AND rung IS "
	    "NULL"));
	for (i = 0; i < 2; i++) {
		const char *to = i == 0 ? PN_SV_1 : DESK_1;
		long rows = stored_q(standby, "SELECT count(*) FROM outbox "
		    "WHERE recipient = '%s' AND state IN ('submitted', "
		    "'delivered')", to);
		int sms = gateway_proc_sent_to(&gw[0], to) +
		    gateway_proc_sent_to(&gw[1], to);

		CHECK(sms == rows, "SMS the modems took to %s got=%d, rows "
		    "sent want=%ld", to, sms, rows);
	}
	for (i = 0; i < 2; i++) {
		g = &gw[i];
		CHECK(console_value(g, "inbox", "spooled", NULL, NULL) > 0,
		    "gateway %d: reports went through the spool during the "
		    "gap got=%ld want>0", i, console_value(g, "inbox",
		    "spooled", NULL, NULL));
		CHECK(gateway_proc_finish(g, WAIT_MS) == 0, "exit status 0");
	}
	free(conninfo);
}

int
main(void)
{
	if ((primary = pgcluster_start("failover-primary")) == NULL)
		return 1;
	if ((standby = pgcluster_start_standby(primary, "failover-standby"))
	    == NULL)
		return 1;
	/* Synchronous: a commit is acknowledged once the standby has it. */
	REQUIRE(pgcluster_exec(primary, "ALTER SYSTEM SET "
	    "synchronous_standby_names = '*'") == 0 && pgcluster_exec(primary,
	    "SELECT pg_reload_conf()") == 0, "synchronous replication");
	REQUIRE(pgcluster_exec(primary, "CREATE TABLE replication_probe ()") ==
	    0, "a write on the primary");
	REQUIRE(stored_wait_q(standby, WAIT_MS, 1, "SELECT count(*) FROM "
	    "pg_tables WHERE tablename = 'replication_probe'") == 1,
	    "the standby follows");
	test_promote_mid_stream();
	pgcluster_destroy(standby);
	pgcluster_destroy(primary);
	return check_status();
}
