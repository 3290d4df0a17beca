/*
 * test_gateways.c: two gateways on one database (gateway/deployment.md):
 * two real farold processes, each with its own dummy modem and spool, on
 * one private PostgreSQL (suite `integration`).
 *
 * Cases:
 * - identity: each message and alert event says which gateway stored it,
 *   each claimed row which gateway claimed it; a third farold under a
 *   name a live one holds is refused it, and sends nothing;
 * - kill -9 of a gateway with forwards queued and claimed: the other
 *   sends the queued ones at once, leaves the claimed ones alone while
 *   the first lives (its heartbeat renews their lease), and after the
 *   kill sends each of them exactly once, within the lease (3 s here)
 *   plus one poll, with the alert's number unchanged;
 * - the janitor moves to the surviving gateway within a bounded time;
 * - a pinned modem's rows wait for their gateway (its modem paused
 *   here), and go from another after gateway.pin_fallback;
 * - the alert numbers a gateway's spool holds are checked at start: one
 *   an alert carries, one another gateway reserved, one never reserved
 *   are dropped; one reserved for it and unused is kept.
 *
 * Gateway a's modem sends one SMS a minute, so that after its first
 * forward the rows it claimed wait in its modem's queue, leased to it;
 * b's modem is paused until a is killed.
 */
#include <signal.h>
#include <sys/stat.h>
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
#define LEASE_S 3
/* Lease plus one poll of the claim (1 s), with room for a loaded
 * machine: a bound, not a measure (bench_gateways measures). */
#define TAKEOVER_MS ((LEASE_S + 1) * 1000 + 6000)
#define JANITOR_MS 5000

#define MARIA "+2389912345"	/* fp-sv-01, SV: three forwards a U1 */

static struct pgcluster *pg;
static struct gateway_proc a, b;

#define q(...) stored_q(pg, __VA_ARGS__)

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* `show gateways' on g: is name the janitor ("yes"/"no"), NULL if no
 * row. */
static int
janitor_is(const struct gateway_proc *g, const char *name)
{
	char *v = console_text(g, "gateways", "janitor", "name", name);
	int yes = v != NULL && strcmp(v, "yes") == 0;

	free(v);
	return yes;
}

static int
wait_janitor(const struct gateway_proc *g, const char *name, int ms)
{
	long until = now_ms() + ms;

	while (now_ms() < until) {
		if (janitor_is(g, name))
			return 0;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void
start_pair(void)
{
	REQUIRE(gateway_proc_init(&a, pgcluster_conninfo(pg)) == 0, "init a");
	REQUIRE(gateway_proc_init(&b, pgcluster_conninfo(pg)) == 0, "init b");
	REQUIRE(gateway_proc_set_name(&a, "farol-a", LEASE_S) == 0, "name a");
	REQUIRE(gateway_proc_set_name(&b, "farol-b", LEASE_S) == 0, "name b");
	REQUIRE(gateway_proc_edit_config(&a, "send_per_minute = 600;",
	    "send_per_minute = 1;") == 0, "a's slow modem");
	REQUIRE(gateway_proc_start(&a) == 0, "start a");
	REQUIRE(console_wait_db_ready(&a, WAIT_MS) == 0, "a: database");
	REQUIRE(wait_janitor(&a, "farol-a", WAIT_MS) == 0,
	    "a is not the janitor");
	REQUIRE(gateway_proc_start(&b) == 0, "start b");
	REQUIRE(console_wait_db_ready(&b, WAIT_MS) == 0, "b: database");
	REQUIRE(console_wait_modem(&b, "farol-b-cv1", WAIT_MS) == 0,
	    "b: modem");
	REQUIRE(console_run(&b, NULL, "pause", "farol-b-cv1", NULL) == 0,
	    "pause b's modem");
	CHECK(stored_wait_q(pg, WAIT_MS, 2, "SELECT count(*) FROM gateway "
	    "WHERE stopped_at IS NULL AND name IN ('farol-a', 'farol-b')") ==
	    2, "both gateways registered");
}

/* Names on what each gateway stores and claims; a name taken twice. */
static void
test_identity(void)
{
	struct gateway_proc c;
	char *out = NULL;
	long pid_b;

	/* The reports of the takeover test, stored by a. */
	CHECK(gateway_proc_drop_sms(&a, MARIA, "ALERTA SV SX U1 V2 MENOR "
	    "primeira", NULL) == 0, "drop 1");
	CHECK(gateway_proc_drop_sms(&a, MARIA, "ALERTA SV TF U1 V1 segunda",
	    NULL) == 0, "drop 2");
	CHECK(stored_wait_q(pg, WAIT_MS, 2, "SELECT count(*) FROM alert") == 2,
	    "two alerts");
	CHECK(q("SELECT count(*) FROM message WHERE gateway = 'farol-a'") ==
	    2, "messages not named after gateway a");
	CHECK(q("SELECT count(*) FROM alert_event WHERE gateway IS DISTINCT "
	    "FROM 'farol-a'") == 0, "an alert event not named after a");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT least(count(*), 1) FROM "
	    "outbox WHERE claimed_by = 'farol-a'") == 1, "no row claimed by a");
	CHECK(q("SELECT count(*) FROM outbox WHERE state <> 'queued' AND "
	    "claimed_by IS NULL") == 0, "a claimed row without its gateway");

	/* A second farold named farol-b while b lives: refused. */
	pid_b = q("SELECT pid FROM gateway WHERE name = 'farol-b'");
	REQUIRE(gateway_proc_init(&c, pgcluster_conninfo(pg)) == 0, "init c");
	REQUIRE(gateway_proc_set_name(&c, "farol-b", LEASE_S) == 0, "name c");
	REQUIRE(gateway_proc_start(&c) == 0, "start c");
	CHECK(console_wait_db_ready(&c, WAIT_MS) == 0, "c: database");
	CHECK(console_run(&c, &out, "status", NULL) == 0 && out != NULL &&
	    strstr(out, "farol-b, NOT REGISTERED") != NULL,
	    "c took a live gateway's name: %s", out ? out : "no answer");
	free(out);
	CHECK(q("SELECT pid FROM gateway WHERE name = 'farol-b'") == pid_b,
	    "the name farol-b moved to c");
	CHECK(gateway_proc_sent_count(&c) == 0, "c sent SMS");
	gateway_proc_finish(&c, WAIT_MS);
}

/* kill -9 a with forwards leased to it and queued: b sends each once. */
static void
test_takeover(void)
{
	long t0, rows, sent, ms, due;

	/* a: one forward out, four leased in its modem's queue, the rest
	 * queued (b paused). */
	CHECK(stored_wait_q(pg, WAIT_MS, 4, "SELECT count(*) FROM outbox "
	    "WHERE state = 'sending' AND claimed_by = 'farol-a'") == 4,
	    "a holds four leased rows");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM outbox "
	    "WHERE state IN ('submitted', 'delivered')") == 1,
	    "a's first SMS recorded");
	CHECK(gateway_proc_sent_count(&a) == 1, "a's modem took %d SMS",
	    gateway_proc_sent_count(&a));
	/* The receipts and forwards; the rungs are due in minutes. */
	due = q("SELECT count(*) FROM outbox WHERE not_before <= now()");
	CHECK(due >= 6 && q("SELECT count(*) FROM outbox WHERE not_before <= "
	    "now() AND purpose NOT IN ('forward', 'receipt')") == 0,
	    "%ld rows due, not the receipts and forwards", due);

	/* b sends the queued rows; a live a keeps its leases (its
	 * heartbeat renews them) past their first expiry. */
	CHECK(console_run(&b, NULL, "resume", "farol-b-cv1", NULL) == 0,
	    "resume b's modem");
	CHECK(stored_wait_q(pg, WAIT_MS, due - 4, "SELECT count(*) FROM "
	    "outbox WHERE state IN ('submitted', 'delivered')") == due - 4,
	    "b did not send the queued rows");
	nanosleep(&(struct timespec){ LEASE_S + 1, 0 }, NULL);
	CHECK(q("SELECT count(*) FROM outbox WHERE state = 'sending' AND "
	    "claimed_by = 'farol-a' AND lease_until > now()") == 4,
	    "a live gateway's leases expired");
	CHECK(gateway_proc_sent_count(&b) == due - 5, "b sent %d SMS, not "
	    "%ld", gateway_proc_sent_count(&b), due - 5);
	t0 = now_ms();
	CHECK(gateway_proc_signal(&a, SIGKILL) == 0, "kill -9 a");
	CHECK(stored_wait_q(pg, TAKEOVER_MS, due, "SELECT count(*) FROM "
	    "outbox WHERE state IN ('submitted', 'delivered')") == due,
	    "not every due row sent within the lease plus a poll");
	ms = now_ms() - t0;
	fprintf(stderr, "all sent %ld ms after the kill\n", ms);

	/* Exactly once: the modems took as many SMS as rows went (a
	 * second copy would show after a poll more). */
	nanosleep(&(struct timespec){ 1, 500 * 1000 * 1000 }, NULL);
	sent = gateway_proc_sent_count(&a) + gateway_proc_sent_count(&b);
	rows = q("SELECT count(*) FROM outbox WHERE state IN ('submitted', "
	    "'delivered')");
	CHECK(sent == due && rows == due, "the modems took %ld SMS for %ld "
	    "rows (%ld)", sent, rows, due);
	/* Claimed twice: by a, then, its lease expired, by b. */
	CHECK(q("SELECT count(*) FROM outbox WHERE claimed_by = 'farol-b' "
	    "AND attempts = 2") == 4, "b did not take a's four leased rows "
	    "over");
	/* Each forward carries its alert's number, taken over or not. */
	CHECK(q("SELECT count(*) FROM outbox o JOIN alert a ON a.id = "
	    "o.alert_id WHERE o.purpose = 'forward' AND o.text NOT LIKE "
	    "'FAROL ' || a.ref || ' %%'") == 0,
	    "a forward without its alert number");
	CHECK(q("SELECT count(*) FROM outbox WHERE state = 'sending'") == 0,
	    "rows left sending");
}

/* The janitor was a; after the kill, b, within a bounded time. */
static void
test_janitor_moves(void)
{
	long t0 = now_ms();
	char *out = NULL;

	CHECK(wait_janitor(&b, "farol-b", JANITOR_MS) == 0,
	    "the janitor did not move to b within %d ms", JANITOR_MS);
	fprintf(stderr, "janitor on b after %ld ms more\n", now_ms() - t0);
	CHECK(!janitor_is(&b, "farol-a"), "a still the janitor");
	CHECK(console_run(&b, &out, "status", NULL) == 0 && out != NULL &&
	    strstr(out, "farol-b, registered, the janitor") != NULL,
	    "b's status: %s", out ? out : "no answer");
	free(out);
	CHECK(q("SELECT count(*) FROM janitor WHERE holder = 'farol-b' AND "
	    "last_run_at > now() - interval '3 seconds'") == 1,
	    "b does not run the janitor");
}

/* Numbers in c's spool before its first start (restored from a backup,
 * copied from b): used[0] an alert's, used[1] b's, used[2] never
 * reserved; keep reserved for farol-c and unused. */
static long used[3], keep;

static void
refs_in_spool(struct gateway_proc *c)
{
	char path[400];
	FILE *f;

	used[0] = q("SELECT min(ref) FROM alert");
	used[1] = q("SELECT min(ref) FROM alert_ref_reserved WHERE gateway = "
	    "'farol-b'");
	used[2] = q("SELECT nextval('alert_ref_seq')");
	keep = q("INSERT INTO alert_ref_reserved (ref, gateway) SELECT "
	    "nextval('alert_ref_seq'), 'farol-c' RETURNING ref");
	CHECK(used[0] > 0 && used[1] > 0 && keep > 0, "numbers");
	snprintf(path, sizeof path, "%s/spool", c->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/spool/forwards", c->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/spool/forwards/refs", c->dir);
	REQUIRE((f = fopen(path, "w")) != NULL, "%s", path);
	fprintf(f, "farol-refs 1\n%ld\n%ld\n%ld\n%ld\nend\n", used[0],
	    used[1], used[2], keep);
	fclose(f);
}

static void
check_refs(struct gateway_proc *c)
{
	char path[400], line[64];
	int found[4] = { 0 };
	FILE *f;

	CHECK(console_wait(c, WAIT_MS, 1000, "spool", "numbers_reserved",
	    NULL, NULL) == 1000, "c's block of numbers not topped up");
	snprintf(path, sizeof path, "%s/spool/forwards/refs", c->dir);
	REQUIRE((f = fopen(path, "r")) != NULL, "%s", path);
	while (fgets(line, sizeof line, f) != NULL)
		for (int i = 0; i < 4; i++)
			found[i] += atol(line) == (i < 3 ? used[i] : keep);
	fclose(f);
	CHECK(found[0] == 0, "c kept a number an alert carries");
	CHECK(found[1] == 0, "c kept b's number");
	CHECK(found[2] == 0, "c kept a number never reserved");
	CHECK(found[3] == 1, "c dropped its own reserved number");
	CHECK(q("SELECT count(*) FROM alert_ref_reserved WHERE gateway = "
	    "'farol-c'") == 1000, "c's numbers not recorded as its own");
}

/* c pins its modem; with c's modem paused, b leaves c's rows alone for
 * pin_fallback (3 s), then sends them. c's spool held numbers before its
 * first start: checked. */
static void
test_pinned(void)
{
	struct gateway_proc c;
	long m, due;

	REQUIRE(gateway_proc_init(&c, pgcluster_conninfo(pg)) == 0, "init c");
	REQUIRE(gateway_proc_set_name(&c, "farol-c", LEASE_S) == 0, "name c");
	REQUIRE(gateway_proc_edit_config(&c, "lease = 3;", "lease = 3;\n  "
	    "pin_fallback = 3;") == 0, "pin_fallback");
	REQUIRE(gateway_proc_edit_config(&c, "balance_warn = 0;",
	    "balance_warn = 0;\n    pinned = true;") == 0, "pinned");
	refs_in_spool(&c);
	REQUIRE(gateway_proc_start(&c) == 0, "start c");
	REQUIRE(console_wait_db_ready(&c, WAIT_MS) == 0, "c: database");
	check_refs(&c);
	REQUIRE(console_wait_modem(&c, "farol-c-cv1", WAIT_MS) == 0,
	    "c: modem");
	REQUIRE(console_run(&c, NULL, "pause", "farol-c-cv1", NULL) == 0,
	    "pause c's modem");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM gateway "
	    "WHERE name = 'farol-c' AND 'farol-c-cv1' = ANY (pinned_modems)")
	    == 1, "c's pinned modem not registered");
	CHECK(gateway_proc_drop_sms(&c, MARIA, "ALERTA SV SX U1 terceira",
	    NULL) == 0, "drop 3");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM message "
	    "WHERE gateway = 'farol-c'") == 1, "c's report stored");
	m = q("SELECT id FROM message WHERE gateway = 'farol-c'");
	due = q("SELECT count(*) FROM outbox WHERE message_id = %ld AND "
	    "not_before <= now()", m);
	nanosleep(&(struct timespec){ 1, 500 * 1000 * 1000 }, NULL);
	CHECK(q("SELECT count(*) FROM outbox WHERE message_id = %ld AND "
	    "state <> 'queued' AND not_before <= now()", m) == 0,
	    "a pinned row went before gateway.pin_fallback");
	CHECK(due > 0 && stored_wait_q(pg, WAIT_MS, due, "SELECT count(*) "
	    "FROM outbox WHERE message_id = %ld AND claimed_by = 'farol-b' "
	    "AND state IN ('submitted', 'delivered')", m) == due,
	    "b did not send c's %ld pinned row(s) after the fallback", due);
	gateway_proc_finish(&c, WAIT_MS);
}

int
main(void)
{
	if ((pg = pgcluster_start("two gateways")) == NULL) {
		fprintf(stderr, "FAIL: cannot start PostgreSQL\n");
		return 1;
	}
	start_pair();
	test_identity();
	test_takeover();
	test_janitor_moves();
	test_pinned();
	gateway_proc_finish(&b, WAIT_MS);
	gateway_proc_destroy(&a);
	pgcluster_destroy(pg);
	return check_status();
}
