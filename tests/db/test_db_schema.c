/*
 * test_db_schema.c: the schema's layout against a private PostgreSQL.
 * Every migration matches its line in db/schema/checksums (append-only);
 * a database at v5 (reconstructed: make_v5) and a fresh one end at the
 * same tables, constraints, functions and views; the function files are
 * re-applied at start-up when a function was changed by hand, skipped
 * when the database holds them unchanged, and two engines start at
 * once; the lookup columns refuse a name their table lacks, and a name
 * still used cannot leave its table; a lookup table lacking a name C
 * uses refuses the connection, and so does a statement that cannot be
 * prepared (named); and database errors are classified by
 * SQLSTATE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "check.h"
#include "db.h"
#include "dbtest.h"
#include "migrate.h"
#include "pgcluster.h"
#include "testloop.h"

#ifndef FAROL_SOURCE_ROOT
#error FAROL_SOURCE_ROOT must name the source tree
#endif

static struct event_base	*base;
static struct pgcluster		*cluster;

/* The whole file at path (caller frees); exits on error. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*s;
	long	 n;

	REQUIRE((f = fopen(path, "r")) != NULL, "cannot open %s", path);
	REQUIRE(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0, "cannot size %s", path);
	REQUIRE((s = malloc((size_t)n + 1)) != NULL, "out of memory");
	REQUIRE(fread(s, 1, (size_t)n, f) == (size_t)n, "cannot read %s",
	    path);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Every embedded migration has its line in checksums, unchanged. */
static void
test_checksums(void)
{
	char	*list, line[256];
	size_t	 i;
	int	 lines = 0;

	list = slurp(FAROL_SOURCE_ROOT "/db/schema/checksums");
	for (i = 0; i < migrate_nfiles; i++) {
		snprintf(line, sizeof line, "\n%s.sql %s\n",
		    migrate_files[i].name, migrate_files[i].checksum);
		CHECK(strstr(list, line) != NULL, "migration %s.sql (cksum "
		    "%s) does not match its line in db/schema/checksums: an "
		    "applied migration was changed, or a new one not recorded",
		    migrate_files[i].name, migrate_files[i].checksum);
	}
	for (i = 0; list[i] != '\0'; i++) {
		if (list[i] == '\n' && list[i + 1] != '#' &&
		    list[i + 1] != '\0')
			lines++;
	}
	CHECK(lines == (int)migrate_nfiles, "checksums lists %d migrations, "
	    "the build has %zu (a migration was removed?)", lines,
	    migrate_nfiles);
	/* Numbers without a gap: a database past a missing number would
	 * never apply it (db/migrate.c applies the next one above). */
	for (i = 0; i < migrate_nfiles; i++)
		CHECK(migrate_files[i].version == (int)i + 1, "migration %s "
		    "is number %d, want %zu: numbers must run 1, 2, 3... "
		    "(renumber a branch's migration when merging)",
		    migrate_files[i].name, migrate_files[i].version, i + 1);
	free(list);
}

static struct db *
start_db(struct dbtest_states *st)
{
	struct db_settings	 s;
	struct db		*db;

	memset(st, 0, sizeof *st);
	dbtest_settings(&s, pgcluster_conninfo(cluster), st);
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new failed");
	REQUIRE(db_prepare_add(db, "pid", "SELECT pg_backend_pid()", 0) == 0,
	    "prepare pid");
	REQUIRE(db_prepare_add(db, "sleep", "SELECT pg_sleep(10)", 0) == 0,
	    "prepare sleep");
	REQUIRE(db_prepare_add(db, "dup_kind",
	    "INSERT INTO message_kind VALUES ('sms')", 0) == 0,
	    "prepare dup_kind");
	REQUIRE(db_start(db) == 0, "db_start");
	return db;
}

static void
wait_ready(struct db *db, const char *what)
{
	REQUIRE(testloop_run_until(base, 20000, dbtest_ready, db) == 0,
	    "%s: engine not ready", what);
}

/* Let a freed engine's last events run (nothing is in flight). */
static void
drain(void)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/*
 * Everything the schema defines, one sorted text: columns, constraints,
 * indexes, functions, views, sequences and the lookup tables' rows.
 */
#define SCHEMA_DUMP "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (" \
	"SELECT 'column ' || table_name || '.' || column_name || ' ' ||" \
	" data_type || ' ' || is_nullable || ' ' ||" \
	" coalesce(column_default, '') FROM information_schema.columns" \
	" WHERE table_schema = 'public' AND table_name <> 'schema_version'" \
	" UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' ||" \
	" conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint" \
	" WHERE connamespace = 'public'::regnamespace" \
	" AND conrelid <> 'schema_version'::regclass" \
	" UNION ALL SELECT 'index ' || indexdef FROM pg_indexes" \
	" WHERE schemaname = 'public' AND tablename <> 'schema_version'" \
	" UNION ALL SELECT 'function ' || pg_get_functiondef(oid)" \
	" FROM pg_proc WHERE pronamespace = 'public'::regnamespace" \
	" UNION ALL SELECT 'view ' || viewname || ' ' ||" \
	" pg_get_viewdef(viewname::regclass) FROM pg_views" \
	" WHERE schemaname = 'public'" \
	" UNION ALL SELECT 'sequence ' || sequencename FROM pg_sequences" \
	" WHERE schemaname = 'public'" \
	" UNION ALL SELECT 'alert_state ' || state || final FROM alert_state" \
	" UNION ALL SELECT 'alert_transition ' || from_state || to_state" \
	" FROM alert_transition" \
	" UNION ALL SELECT 'outbox_state ' || state FROM outbox_state" \
	" UNION ALL SELECT 'outbox_purpose ' || purpose FROM outbox_purpose" \
	" UNION ALL SELECT 'message_kind ' || kind FROM message_kind) s(x)"

/* An engine started on the database, up to READY, then freed. */
static void
start_once(const char *what)
{
	struct dbtest_states	 st;
	struct db		*db;

	db = start_db(&st);
	wait_ready(db, what);
	CHECK(db_schema_version(db) == db_schema_latest(), "%s: version %d",
	    what, db_schema_version(db));
	db_free(db);
	drain();
}

/* The first line where a and b differ, for the failure message. */
static void
first_difference(const char *a, const char *b, char *out, size_t size)
{
	size_t	i = 0, line = 0;

	while (a[i] != '\0' && a[i] == b[i]) {
		if (a[i] == '\n')
			line = i + 1;
		i++;
	}
	snprintf(out, size, "v5 upgraded: \"%.120s\" fresh: \"%.120s\"",
	    a + line, b + line);
}

/* The SQL of a NULL-terminated array of lines (caller frees). */
static char *
joined(const char *const *lines)
{
	size_t	 len = 1, i;
	char	*s;

	for (i = 0; lines[i] != NULL; i++)
		len += strlen(lines[i]);
	REQUIRE((s = malloc(len)) != NULL, "out of memory");
	s[0] = '\0';
	for (i = 0; lines[i] != NULL; i++)
		strcat(s, lines[i]);
	return s;
}

/*
 * A database as v5 left it, reconstructed: migrations 1-5 (their tables
 * are those of the files at v5, which this test checked against the v5
 * files themselves when the functions left them), every function file,
 * and the two overloads v5 had that v6 drops (bodies do not matter).
 */
static void
make_v5(void)
{
	char	*sql, *body, rec[256];
	size_t	 i;

	REQUIRE(pgcluster_exec(cluster, "CREATE TABLE schema_version ("
	    "version int PRIMARY KEY, name text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())") == 0,
	    "v5: schema_version");
	for (i = 0; i < migrate_nfiles && migrate_files[i].version <= 5;
	    i++) {
		/* The record is the statement of the versions left empty. */
		snprintf(rec, sizeof rec, "INSERT INTO schema_version "
		    "(version, name) VALUES (%d, '%s')",
		    migrate_files[i].version, migrate_files[i].name);
		body = joined(migrate_files[i].lines);
		sql = joined((const char *const []){ body, rec, NULL });
		REQUIRE(pgcluster_exec(cluster, sql) == 0, "v5: %s",
		    migrate_files[i].name);
		free(body);
		free(sql);
	}
	REQUIRE(i == 5, "migrations 1-5 not first");
	for (i = 0; i < migrate_nfunction_files; i++) {
		sql = joined(migrate_function_files[i].lines);
		REQUIRE(pgcluster_exec(cluster, sql) == 0, "v5: %s",
		    migrate_function_files[i].name);
		free(sql);
	}
	REQUIRE(pgcluster_exec(cluster, "CREATE FUNCTION "
	    "farol_outbox_claim(p_limit int) RETURNS TABLE (id bigint, "
	    "recipient text, text text, purpose text, alert_id bigint, "
	    "attempts int) LANGUAGE sql AS $$ SELECT NULL::bigint, "
	    "'', '', '', NULL::bigint, 0 WHERE false $$; "
	    "CREATE FUNCTION farol_ingest_message(p_modem text, "
	    "p_sender text, p_text text, p_smsc_time timestamptz, "
	    "p_received_at timestamptz, p_parts int, p_concat_ref int, "
	    "p_kind text) RETURNS TABLE (message_id bigint, "
	    "inserted boolean) LANGUAGE sql AS $$ SELECT 0::bigint, "
	    "false $$") == 0, "v5: overloads");
}

/* v5 upgraded == fresh. */
static void
test_upgrade_equals_fresh(void)
{
	char	 diff[400];
	char	*upgraded, *fresh;

	make_v5();
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM pg_proc "
	    "WHERE proname = 'farol_outbox_claim'") == 2,
	    "v5 should have both claims");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "pg_constraint WHERE conname = 'outbox_state_check'") == 1,
	    "v5 should have the outbox's CHECKs");
	start_once("v5 upgrade");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM pg_proc "
	    "WHERE proname IN ('farol_outbox_claim', 'farol_ingest_message')")
	    == 2, "obsolete overloads left after the upgrade");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "schema_version WHERE checksum IS NOT NULL") ==
	    (long)migrate_nfiles - 5, "checksums recorded for v6 on");
	upgraded = pgcluster_query_text(cluster, SCHEMA_DUMP);
	REQUIRE(upgraded != NULL, "dump of the upgraded schema");

	REQUIRE(pgcluster_exec(cluster, "DROP SCHEMA public CASCADE; "
	    "CREATE SCHEMA public") == 0, "empty the database");
	start_once("fresh");
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "schema_version WHERE checksum IS NULL") == 0,
	    "fresh: a version without its checksum");
	fresh = pgcluster_query_text(cluster, SCHEMA_DUMP);
	REQUIRE(fresh != NULL, "dump of the fresh schema");
	first_difference(upgraded, fresh, diff, sizeof diff);
	CHECK(strcmp(upgraded, fresh) == 0, "schemas differ: %s", diff);
	CHECK(strstr(fresh, "function CREATE OR REPLACE FUNCTION "
	    "public.farol_outbox_claim(p_limit integer, p_stale_s integer, "
	    "p_lease_s integer)")
	    != NULL, "no claim in the dump");
	free(upgraded);
	free(fresh);
}

/* Functions changed by hand are re-applied at the next start, unchanged
 * ones are not. */
static void
test_reapplied(void)
{
	struct dbtest_states	 st[2];
	struct db		*db[2];
	char			*before, *after, *applied, *again;

	before = pgcluster_query_text(cluster, SCHEMA_DUMP);
	REQUIRE(before != NULL, "dump");
	REQUIRE(pgcluster_exec(cluster, "CREATE OR REPLACE FUNCTION "
	    "farol_outbox_recover() RETURNS int LANGUAGE sql AS "
	    "$$ SELECT -1 $$") == 0, "tamper with a function");
	CHECK(pgcluster_query_long(cluster, "SELECT farol_outbox_recover()")
	    == -1, "tampered function not in place");
	start_once("restart 1");
	CHECK(pgcluster_query_long(cluster, "SELECT farol_outbox_recover()")
	    == 0, "the function file was not re-applied at start-up");
	/* Unchanged since: the next start skips the files (the record of
	 * the last application stays as it was). */
	applied = pgcluster_query_text(cluster, "SELECT checksum || ' ' || "
	    "applied_at FROM schema_functions");
	REQUIRE(applied != NULL, "schema_functions");
	CHECK(strncmp(applied, migrate_functions_checksum,
	    strlen(migrate_functions_checksum)) == 0 &&
	    applied[strlen(migrate_functions_checksum)] == ' ',
	    "schema_functions holds %s, not this build's checksum %s",
	    applied, migrate_functions_checksum);
	start_once("restart 2");
	again = pgcluster_query_text(cluster, "SELECT checksum || ' ' || "
	    "applied_at FROM schema_functions");
	REQUIRE(again != NULL, "schema_functions");
	CHECK(strcmp(applied, again) == 0, "unchanged functions applied "
	    "again at start-up (%s, then %s)", applied, again);
	free(applied);
	free(again);
	after = pgcluster_query_text(cluster, SCHEMA_DUMP);
	REQUIRE(after != NULL, "dump");
	CHECK(strcmp(before, after) == 0, "schema changed by re-applying");
	free(after);

	/* Two engines at once: the advisory lock serialises them. */
	db[0] = start_db(&st[0]);
	db[1] = start_db(&st[1]);
	wait_ready(db[0], "concurrent 1");
	wait_ready(db[1], "concurrent 2");
	CHECK(st[0].count[DB_BACKOFF] == 0 && st[1].count[DB_BACKOFF] == 0,
	    "a concurrent start failed: %s / %s", st[0].reason,
	    st[1].reason);
	db_free(db[0]);
	db_free(db[1]);
	drain();
	after = pgcluster_query_text(cluster, SCHEMA_DUMP);
	REQUIRE(after != NULL, "dump");
	CHECK(strcmp(before, after) == 0, "schema changed by two starts");
	free(after);
	free(before);
}

static int
in_backoff(void *arg)
{
	struct dbtest_states	*st = arg;

	return st->count[DB_BACKOFF] > 0;
}

/*
 * The lookup columns (v19): a CHECK made from each lookup table guards
 * them as the foreign key did. A name the table lacks is refused, on
 * insert and on update; a name added to the table is usable at once;
 * one still used cannot leave the table; one removed is refused again.
 */
static void
test_lookup_guard(void)
{
	static const char *const refused[] = {
		"INSERT INTO outbox (recipient, text, purpose) VALUES "
		    "('+1guard', 'x', 'no_such_purpose')",
		"INSERT INTO outbox (recipient, text, purpose, state) VALUES "
		    "('+1guard', 'x', 'receipt', 'no_such_state')",
		"UPDATE outbox SET state = 'no_such_state' "
		    "WHERE recipient = '+1guard'",
		"UPDATE outbox SET purpose = 'no_such_purpose' "
		    "WHERE recipient = '+1guard'",
		"INSERT INTO message (modem, sender, text, kind, dedupe_key) "
		    "VALUES ('m', '+1guard', 'x', 'no_such_kind', 'guard2')",
		"UPDATE message SET kind = 'no_such_kind' "
		    "WHERE dedupe_key = 'guard'",
		"UPDATE alert SET state = 'no_such_state' "
		    "WHERE sender = '+1guard'",
		"DELETE FROM outbox_purpose WHERE purpose = 'receipt'",
		"DELETE FROM outbox_state WHERE state = 'queued'",
		"DELETE FROM message_kind WHERE kind = 'sms'",
		"DELETE FROM alert_state WHERE state = 'received'",
		"TRUNCATE outbox_state",
	};
	size_t	i;

	start_once("lookup guard");
	REQUIRE(pgcluster_exec(cluster, "INSERT INTO message (modem, sender, "
	    "text, dedupe_key) VALUES ('m', '+1guard', 'x', 'guard');"
	    "INSERT INTO alert (message_id, sender, state, received_at) "
	    "SELECT id, sender, 'received', now() FROM message "
	    "WHERE dedupe_key = 'guard';"
	    "INSERT INTO outbox (recipient, text, purpose) "
	    "VALUES ('+1guard', 'x', 'receipt')") == 0, "rows of each");
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		CHECK(pgcluster_exec(cluster, refused[i]) != 0,
		    "not refused: %s", refused[i]);
	REQUIRE(pgcluster_exec(cluster, "INSERT INTO outbox_state "
	    "VALUES ('from_the_future')") == 0, "add a state");
	CHECK(pgcluster_exec(cluster, "UPDATE outbox SET state = "
	    "'from_the_future' WHERE recipient = '+1guard'") == 0,
	    "a state added to its table is refused");
	CHECK(pgcluster_exec(cluster, "DELETE FROM outbox_state "
	    "WHERE state = 'from_the_future'") != 0,
	    "a state in use left its table");
	REQUIRE(pgcluster_exec(cluster, "UPDATE outbox SET state = 'queued' "
	    "WHERE recipient = '+1guard'") == 0 &&
	    pgcluster_exec(cluster, "DELETE FROM outbox_state "
	    "WHERE state = 'from_the_future'") == 0, "remove it again");
	CHECK(pgcluster_exec(cluster, "UPDATE outbox SET state = "
	    "'from_the_future' WHERE recipient = '+1guard'") != 0,
	    "a state removed from its table is still accepted");
	REQUIRE(pgcluster_exec(cluster, "DELETE FROM outbox "
	    "WHERE recipient = '+1guard'; DELETE FROM alert "
	    "WHERE sender = '+1guard'; DELETE FROM message "
	    "WHERE sender = '+1guard'") == 0, "clean up");
}

/*
 * The statements are prepared in one pipeline: one that fails (here the
 * second of three) keeps the engine from READY, and the reason names it,
 * not a neighbour; the pipeline is left, so the next attempt prepares
 * anew (statements usable once the table is there).
 */
static void
test_prepare_refused(void)
{
	struct dbtest_states	 st;
	struct db_settings	 s;
	struct dbtest_result	 r = { 0 };
	struct db		*db;

	memset(&st, 0, sizeof st);
	dbtest_settings(&s, pgcluster_conninfo(cluster), &st);
	s.backoff_min_ms = 50;
	s.backoff_max_ms = 100;
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new failed");
	REQUIRE(db_prepare_add(db, "first", "SELECT 1", 0) == 0 &&
	    db_prepare_add(db, "later_table", "SELECT count(*) FROM later",
	    0) == 0 && db_prepare_add(db, "third", "SELECT 3", 0) == 0,
	    "prepare");
	REQUIRE(db_start(db) == 0, "db_start");
	REQUIRE(testloop_run_until(base, 10000, in_backoff, &st) == 0,
	    "no backoff on a statement that cannot be prepared");
	CHECK(strstr(st.reason, "prepare later_table:") != NULL,
	    "reason does not name the statement: %s", st.reason);
	REQUIRE(pgcluster_exec(cluster, "CREATE TABLE later (x int)") == 0,
	    "create the table");
	wait_ready(db, "table there");
	REQUIRE(db_call(db, "later_table", 0, NULL, dbtest_result_cb, &r) ==
	    0, "call");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "no answer");
	CHECK(r.ok && r.row[0] != NULL && strcmp(r.row[0], "0") == 0,
	    "the statement prepared after the failure: %s", r.error);
	dbtest_result_reset(&r);
	db_free(db);
	drain();
	REQUIRE(pgcluster_exec(cluster, "DROP TABLE later") == 0, "drop");
}

/* A lookup table without a value C uses: never READY, cause named. */
static void
test_lookup_refused(void)
{
	struct dbtest_states	 st;
	struct db		*db;

	REQUIRE(pgcluster_exec(cluster, "DELETE FROM outbox_purpose "
	    "WHERE purpose = 'digest'") == 0, "remove a purpose");
	db = start_db(&st);
	REQUIRE(testloop_run_until(base, 10000, in_backoff, &st) == 0,
	    "no backoff on a missing lookup value");
	CHECK(strstr(st.reason, "outbox_purpose") != NULL &&
	    strstr(st.reason, "'digest'") != NULL,
	    "reason does not name the missing value: %s", st.reason);
	CHECK(testloop_run_until(base, 1000, dbtest_ready, db) == -1,
	    "ready although a lookup value is missing");
	REQUIRE(pgcluster_exec(cluster, "INSERT INTO outbox_purpose "
	    "VALUES ('digest')") == 0, "restore the purpose");
	wait_ready(db, "lookup restored");
	db_free(db);
	drain();

	/* An extra value C does not know is only a warning. */
	REQUIRE(pgcluster_exec(cluster, "INSERT INTO outbox_purpose "
	    "VALUES ('from_the_future')") == 0, "add a purpose");
	start_once("extra lookup value");
	REQUIRE(pgcluster_exec(cluster, "DELETE FROM outbox_purpose "
	    "WHERE purpose = 'from_the_future'") == 0, "remove it again");
}

static void
test_sqlstate_table(void)
{
	static const struct {
		const char	*sqlstate;
		int		 transient;
	} cases[] = {
		{ "08006", 1 }, { "08001", 1 }, { "57P01", 1 },
		{ "57P03", 1 }, { "40001", 1 }, { "40P01", 1 },
		{ "53100", 1 }, { "53300", 1 },
		{ "23505", 0 }, { "23503", 0 }, { "42883", 0 },
		{ "57014", 0 }, { "40002", 0 }, { "22P02", 0 },
		{ "FA001", 0 }, { "0800", 0 }, { "", 0 }, { NULL, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(db_sqlstate_is_transient(cases[i].sqlstate) ==
		    cases[i].transient, "SQLSTATE %s: want %d",
		    cases[i].sqlstate ? cases[i].sqlstate : "NULL",
		    cases[i].transient);
}

/* Real errors: a unique violation is permanent, a killed backend not. */
static void
test_sqlstate_real(void)
{
	struct dbtest_states	 st;
	struct dbtest_result	 r = { 0 };
	struct db		*db;
	char			 sql[128];

	db = start_db(&st);
	wait_ready(db, "errors");
	REQUIRE(db_call(db, "dup_kind", 0, NULL, dbtest_result_cb, &r) == 0,
	    "call dup_kind");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "dup_kind never finished");
	CHECK(!r.ok && strncmp(r.error, "server error 23505", 18) == 0,
	    "unique violation: %s", r.error);
	CHECK(!r.transient, "%s taken as transient", r.error);

	dbtest_result_reset(&r);
	REQUIRE(db_call(db, "pid", 0, NULL, dbtest_result_cb, &r) == 0,
	    "call pid");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0 &&
	    r.ok && r.row[0] != NULL, "no backend pid");
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%s)::int",
	    r.row[0]);
	dbtest_result_reset(&r);
	REQUIRE(db_call(db, "sleep", 0, NULL, dbtest_result_cb, &r) == 0,
	    "call sleep");
	testloop_run_until(base, 200, dbtest_result_done, &r);
	REQUIRE(pgcluster_query_long(cluster, sql) == 1, "terminate");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "sleep never finished");
	CHECK(!r.ok && r.transient,
	    "terminated backend not transient: %s", r.error);
	dbtest_result_reset(&r);
	wait_ready(db, "after terminate");
	db_free(db);
	drain();
}

int
main(void)
{
	test_checksums();
	test_sqlstate_table();
	REQUIRE((base = event_base_new()) != NULL, "event_base_new");
	cluster = pgcluster_start("db_schema");
	REQUIRE(cluster != NULL, "pgcluster_start");
	test_upgrade_equals_fresh();
	test_reapplied();
	test_lookup_guard();
	test_lookup_refused();
	test_prepare_refused();
	test_sqlstate_real();
	pgcluster_destroy(cluster);
	event_base_free(base);
	return check_status();
}
