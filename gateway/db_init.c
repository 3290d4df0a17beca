/*
 * db_init.c: `farolctl db init' (see db_init.h). Blocking libpq: a tool
 * run once by an administrator, never the daemon.
 *
 * Least privilege: the owner (NOLOGIN) owns every table and function and
 * is the only role that changes the schema; the daemon's role (farold
 * with database.migrate = false) reads the tables and executes the
 * functions, which run as the owner (SECURITY DEFINER, a fixed
 * search_path), so it can write only what they write; the Observatory's
 * role reads the view alert_report (no phone number, and not its free
 * text column) and executes the
 * export's two functions (counts, and the export's own record), nothing
 * else.
 * Must never happen here: a grant of a table's INSERT, UPDATE or DELETE
 * to anyone but the owner.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "cause.h"
#include "db_init.h"
#include "migrate.h"

static const char db_init_roles_sql[] =
    "DO $$ BEGIN\n"
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
    DB_ROLE_OWNER "') THEN\n"
    "    CREATE ROLE " DB_ROLE_OWNER " NOLOGIN;\n"
    "  END IF;\n"
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
    DB_ROLE_DAEMON "') THEN\n"
    "    CREATE ROLE " DB_ROLE_DAEMON " LOGIN;\n"
    "  END IF;\n"
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
    DB_ROLE_OBSERVATORY "') THEN\n"
    "    CREATE ROLE " DB_ROLE_OBSERVATORY " LOGIN;\n"
    "  END IF;\n"
    "END $$;\n"
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n"
    "GRANT USAGE, CREATE ON SCHEMA public TO " DB_ROLE_OWNER ";\n"
    "GRANT USAGE ON SCHEMA public TO " DB_ROLE_DAEMON ", "
    DB_ROLE_OBSERVATORY ";\n";

/* After the functions: each runs with the owner's rights, on a search
 * path nobody else can put objects in. */
static const char db_init_definer_sql[] =
    "DO $$ DECLARE f regprocedure; BEGIN\n"
    "  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p\n"
    "      WHERE p.pronamespace = 'public'::regnamespace\n"
    "        AND p.proname LIKE 'farol\\_%' LOOP\n"
    "    EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER"
    " SET search_path = public, pg_temp', f);\n"
    "  END LOOP;\n"
    "END $$;\n";

static const char db_init_grants_sql[] =
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;\n"
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;\n"
    "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;\n"
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " DB_ROLE_DAEMON ";\n"
    "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO " DB_ROLE_DAEMON
    ";\n"
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "
    DB_ROLE_OBSERVATORY ";\n"
    /* Every column of alert_report but its free text, which may name
     * victims: the Observatory counts, it does not read reports. A
     * column added to the view later is not granted until listed. */
    "REVOKE ALL ON alert_report FROM " DB_ROLE_OBSERVATORY ";\n"
    "GRANT SELECT (ref, received_at, area, forms, urgency, victims, "
    "females, males, minor, state, acknowledged_at, acknowledged_by, "
    "focal_point, verified, held_reason) ON alert_report TO "
    DB_ROLE_OBSERVATORY ";\n"
    /* `farolctl export`: counts only, and its own record */
    "GRANT EXECUTE ON FUNCTION farol_export_alerts(timestamptz, "
    "timestamptz), farol_export_record(text, timestamptz, timestamptz, "
    "text, numeric, numeric, text) TO " DB_ROLE_OBSERVATORY ";\n"
    "ALTER DEFAULT PRIVILEGES FOR ROLE " DB_ROLE_OWNER
    " REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n";

/* Run sql; its last result's first value in *first (may be NULL). */
static int
db_init_exec(PGconn *conn, const char *sql, const char *what, int *first,
    char **cause)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		cause_set(cause, "%s: %s", what, PQerrorMessage(conn));
		rc = -1;
	} else if (first != NULL)
		*first = st == PGRES_TUPLES_OK && PQntuples(res) == 1 ?
		    atoi(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return rc;
}

/* The pending migrations and the functions, in one transaction. */
static int
db_init_migrate(PGconn *conn, FILE *out, char **cause)
{
	char *sql, what[64];
	int version, next, rc;

	if (db_init_exec(conn, migrate_setup_sql(), "session", NULL,
	    cause) != 0 || db_init_exec(conn, migrate_lock_sql(),
	    "migration lock", &version, cause) != 0)
		return -1;
	while ((rc = migrate_next_sql(version, &sql, &next, cause)) == 1) {
		snprintf(what, sizeof what, "migration %d", next);
		fprintf(out, "applying schema migration %d\n", next);
		rc = db_init_exec(conn, sql, what, NULL, cause);
		free(sql);
		if (rc != 0)
			return -1;
		version = next;
	}
	if (rc == -1)
		return -1;
	if (version > migrate_latest()) {
		cause_set(cause, "schema version %d is newer than this "
		    "build's %d", version, migrate_latest());
		return -1;
	}
	if ((sql = migrate_functions_sql(cause)) == NULL)
		return -1;
	rc = db_init_exec(conn, sql, "functions", NULL, cause);
	free(sql);
	return rc;
}

int
db_init_run(const char *conninfo, FILE *out, char **cause)
{
	PGconn *conn = PQconnectdb(conninfo);
	int rc = -1;

	if (PQstatus(conn) != CONNECTION_OK) {
		cause_set(cause, "cannot connect: %s", PQerrorMessage(conn));
		goto out;
	}
	if (db_init_exec(conn, db_init_roles_sql, "roles", NULL, cause) != 0)
		goto out;
	fprintf(out, "roles: %s (owner), %s (farold), %s (read-only)\n",
	    DB_ROLE_OWNER, DB_ROLE_DAEMON, DB_ROLE_OBSERVATORY);
	if (db_init_exec(conn, "SET ROLE " DB_ROLE_OWNER ";", "set role",
	    NULL, cause) != 0 || db_init_migrate(conn, out, cause) != 0 ||
	    db_init_exec(conn, db_init_definer_sql, "security definer", NULL,
	    cause) != 0 || db_init_exec(conn, db_init_grants_sql, "grants",
	    NULL, cause) != 0 || db_init_exec(conn, "RESET ROLE;",
	    "reset role", NULL, cause) != 0)
		goto out;
	fprintf(out, "schema version %d, owned by %s; grants made\n",
	    migrate_latest(), DB_ROLE_OWNER);
	rc = 0;
out:
	PQfinish(conn);
	return rc;
}
