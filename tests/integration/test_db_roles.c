/*
 * test_db_roles.c: least privilege in PostgreSQL (suite `integration`):
 *   - `farolctl db init' on a fresh database, as the cluster's superuser,
 *     creates farol_owner, farol_daemon and farol_observatory, and is
 *     idempotent (run twice);
 *   - connected as each role: the daemon reads the tables and executes
 *     the functions but cannot write a table, create or drop one; the
 *     Observatory reads alert_report and nothing else (no table with a
 *     phone number, no function but the export's two); the owner
 *     cannot log in;
 *   - the real farold runs as farol_daemon (database.migrate = false):
 *     an alert is stored, forwarded and acknowledged from the console;
 *   - a config whose conninfo holds a password is refused while others
 *     may read the file, accepted once they may not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define DB "farol_roles"

static struct pgcluster *pg;
static struct gateway_proc g;

static char *
conninfo_as(const char *role)
{
	char *ci;

	if (asprintf(&ci, "%s dbname=" DB " user=%s", pgcluster_conninfo(pg),
	    role) < 0)
		return NULL;
	return ci;
}

/* Whether role may run sql (1), is refused (0), or cannot connect (-1). */
static int
may(const char *role, const char *sql)
{
	char *ci = conninfo_as(role);
	PGconn *conn = PQconnectdb(ci);
	PGresult *res;
	int ok;

	free(ci);
	if (PQstatus(conn) != CONNECTION_OK) {
		PQfinish(conn);
		return -1;
	}
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	PQfinish(conn);
	return ok;
}

static void
test_init(void)
{
	char *ci = conninfo_as("farol"), *out = NULL;
	int rc;

	REQUIRE(pgcluster_exec(pg, "CREATE DATABASE " DB) == 0, "database");
	rc = console_run(&g, &out, "db", "init", "--conninfo", ci, NULL);
	CHECK(rc == 0, "db init: rc=%d %s", rc, out);
	free(out);
	out = NULL;
	rc = console_run(&g, &out, "db", "init", "--conninfo", ci, NULL);
	CHECK(rc == 0, "db init again: rc=%d %s", rc, out);
	free(out);
	free(ci);
}

static void
test_privileges(void)
{
	static const char *const tables[] = { "alert", "message", "outbox",
	    "focal_point", "authority_contact", "alert_event", "access_audit",
	    "purge_log" };
	char sql[256];

	CHECK(may("farol_owner", "SELECT 1") == -1, "the owner cannot log "
	    "in");
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s",
		    tables[i]);
		CHECK(may("farol_daemon", sql) == 1, "daemon reads %s",
		    tables[i]);
		CHECK(may("farol_observatory", sql) == 0, "observatory may "
		    "not read %s", tables[i]);
		snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
		CHECK(may("farol_daemon", sql) == 0, "daemon may not delete "
		    "from %s", tables[i]);
	}
	CHECK(may("farol_daemon", "INSERT INTO authority (id, name) VALUES "
	    "('x', 'x')") == 0, "daemon may not insert");
	CHECK(may("farol_daemon", "UPDATE alert SET state = 'closed'") == 0,
	    "daemon may not update");
	CHECK(may("farol_daemon", "CREATE TABLE t (i int)") == 0,
	    "daemon may not create a table");
	CHECK(may("farol_daemon", "DROP TABLE alert_event") == 0,
	    "daemon may not drop a table");
	CHECK(may("farol_daemon", "SELECT farol_outbox_recover()") == 1,
	    "daemon executes a function that writes (as the owner)");
	CHECK(may("farol_daemon", "SELECT * FROM farol_purge(now(), now(), "
	    "'test', false, 0, 10)") == 1, "daemon runs the purge");
	CHECK(may("farol_daemon", "INSERT INTO access_audit (who, channel, "
	    "alert_ref, what, reason) VALUES ('x', 'console', 1, 'x', 'x')")
	    == 0, "daemon may not write the audit but through its function");
	CHECK(may("farol_daemon", "SELECT * FROM alert_report") == 1,
	    "daemon reads alert_report");
	CHECK(may("farol_observatory", "SELECT ref, received_at, area, "
	    "forms, urgency, victims, females, males, minor, state, "
	    "acknowledged_at, acknowledged_by, focal_point, verified, "
	    "held_reason FROM alert_report") == 1, "observatory reads "
	    "alert_report's codes and counts");
	CHECK(may("farol_observatory", "SELECT text FROM alert_report") == 0 &&
	    may("farol_observatory", "SELECT * FROM alert_report") == 0,
	    "observatory may not read the reports' free text");
	CHECK(may("farol_observatory", "SELECT farol_outbox_recover()") == 0,
	    "observatory may not execute a function");
	CHECK(may("farol_observatory", "SELECT * FROM farol_export_alerts("
	    "now() - interval '1 year', now())") == 1, "observatory runs "
	    "the export's counts");
	CHECK(may("farol_observatory", "SELECT count(*) FROM export_log") ==
	    0 && may("farol_observatory", "DELETE FROM export_budget") == 0,
	    "observatory may not read or change the export's record but "
	    "through its function");
	CHECK(may("farol_observatory", "CREATE TABLE t (i int)") == 0,
	    "observatory may not create a table");
}

/* farold as the daemon's role, migrations left to the owner. */
/* Whether sql, run as the superuser, returns a row within WAIT_MS. */
static int
wait_may_read(const char *sql)
{
	char *ci = conninfo_as("farol");
	int found = 0;

	for (int i = 0; i < WAIT_MS / 100 && !found; i++) {
		PGconn *conn = PQconnectdb(ci);
		PGresult *res = PQexec(conn, sql);

		found = PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) > 0;
		PQclear(res);
		PQfinish(conn);
		if (!found)
			usleep(100 * 1000);
	}
	free(ci);
	return found;
}

static void
test_farold_as_daemon(void)
{
	char *ci = conninfo_as("farol_daemon"), key[32], *out = NULL;
	long ref;
	int ready;

	REQUIRE(gateway_proc_init(&g, ci) == 0, "init");
	free(ci);
	REQUIRE(gateway_proc_edit_config(&g, "connect_timeout",
	    "migrate = false;\n  connect_timeout") == 0, "migrate = false");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready as farol_daemon");
	/* Its block of alert numbers for an outage (nextval on the owner's
	 * sequence, through a SECURITY DEFINER function). */
	CHECK(wait_may_read("SELECT 1 FROM alert_ref_reserved WHERE gateway = "
	    "'farol-praia'"), "alert numbers reserved as farol_daemon");
	CHECK(gateway_proc_drop_sms(&g, "+2389912345", "ALERTA SV SX U1 V2 "
	    "bar", NULL) == 0, "drop");
	CHECK(console_wait(&g, WAIT_MS, 1, "inbox", "stored", NULL, NULL) ==
	    1, "stored");
	ref = console_value(&g, "alerts", "ref", NULL, NULL);
	CHECK(ref > 0, "an alert");
	snprintf(key, sizeof key, "%ld", ref);
	CHECK(console_wait(&g, WAIT_MS, 2, "alerts", "forwarded", "ref", key)
	    == 2, "forwarded");
	CHECK(console_run(&g, &out, "ack", key, NULL) == 0, "ack as the "
	    "daemon's role: %s", out);
	free(out);
	out = console_text(&g, "alerts", "state", "ref", key);
	CHECK(out != NULL && strcmp(out, "acknowledged") == 0, "state got=%s",
	    out);
	free(out);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

static void
test_password_file(void)
{
	char path[400];
	int rc;

	REQUIRE(gateway_proc_init(&g, "host=/nowhere dbname=farol "
	    "password=secret") == 0, "init");
	snprintf(path, sizeof path, "%s", g.conf);
	chmod(path, 0644);
	rc = console_run(&g, NULL, "check-config", path, NULL);
	CHECK(rc == 1, "a password readable by others: rc=%d", rc);
	chmod(path, 0640);
	rc = console_run(&g, NULL, "check-config", path, NULL);
	CHECK(rc == 0, "a password only its group reads: rc=%d", rc);
	gateway_proc_destroy(&g);
}

int
main(void)
{
	REQUIRE((pg = pgcluster_start("db_roles")) != NULL, "PostgreSQL");
	/* farolctl, before any farold: g only names the build. */
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	test_init();
	test_privileges();
	gateway_proc_destroy(&g);
	test_farold_as_daemon();
	test_password_file();
	pgcluster_destroy(pg);
	return check_status();
}
