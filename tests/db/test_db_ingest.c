/*
 * test_db_ingest.c: against a private PostgreSQL, the engine connects,
 * migrates to the latest schema and prepares; farol_ingest_message()
 * stores each message once (table of duplicates and near-duplicates,
 * time zones, UTF-8); migrations are idempotent across a server restart
 * and safe when two engines migrate a fresh database at the same time.
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

#define INGEST_SQL "SELECT message_id, inserted FROM " \
	"farol_ingest_message($1, $2, $3, $4, $5, $6, $7, $8, NULL)"

struct ingest_case {
	const char	*name;
	const char	*modem, *sender, *text, *smsc_time, *received_at;
	const char	*parts, *concat_ref, *kind;
	int		 same_as;	/* index of the earlier case, or -1 */
};

static const struct ingest_case cases[] = {
	{ "first", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "1", NULL, "sms", -1 },
	{ "exact repeat", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "1", NULL, "sms", 0 },
	{ "same instant, other zone", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 09:00:00-01", NULL, "1", NULL, "sms", 0 },
	{ "other modem", "cv2", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", "2024-03-01 10:00:09+00", "1", NULL,
	  "sms", 0 },
	{ "other text", "cv1", "+2389911111", "P3 SAL 3 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "1", NULL, "sms", -1 },
	{ "other sender", "cv1", "+2389922222", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "1", NULL, "sms", -1 },
	{ "one second later", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:01+00", NULL, "1", NULL, "sms", -1 },
	{ "concatenated", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "2", "17", "sms", -1 },
	{ "concatenated repeat", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "2", "17", "sms", 7 },
	{ "other concat ref", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "2", "18", "sms", -1 },
	{ "utf-8", "cv1", "+2389911111",
	  "A\xc3\xa7\xc3\xa3o: crian\xc3\xa7" "a \xe2\x80\x94 S\xc3\xa3o Vicente",
	  "2024-03-01 11:00:00+00", NULL, "1", NULL, "sms", -1 },
	{ "utf-8 repeat", "cv1", "+2389911111",
	  "A\xc3\xa7\xc3\xa3o: crian\xc3\xa7" "a \xe2\x80\x94 S\xc3\xa3o Vicente",
	  "2024-03-01 12:00:00+01", NULL, "1", NULL, "sms", 10 },
	{ "ussd", "cv1", "+2389911111", "*123*3*2#", NULL,
	  "2024-03-01 10:00:05+00", "1", NULL, "ussd", -1 },
	{ "ussd replayed", "cv1", "+2389911111", "*123*3*2#", NULL,
	  "2024-03-01 10:00:05+00", "1", NULL, "ussd", 12 },
	{ "ussd again later", "cv1", "+2389911111", "*123*3*2#", NULL,
	  "2024-03-01 10:07:00+00", "1", NULL, "ussd", -1 },
	{ "same fields as ussd", "cv1", "+2389911111", "P3 SAL 2 MENOR",
	  "2024-03-01 10:00:00+00", NULL, "1", NULL, "ussd", -1 },
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* The daemon's form (gateway/inbox.c): epoch received_at, "" and -1. */
#define INGEST9_SQL "SELECT message_id, inserted FROM farol_ingest_message(" \
	"$1, $2, $3, NULLIF($4, '')::timestamptz, to_timestamp($5), " \
	"$6::int, NULLIF($7, '-1')::int, $8, $9::int)"

struct ingest9_case {
	const char	*name;
	const char	*v[9];
	int		 same_as;	/* -1 new, -2 same as cases[0] */
	const char	*want_expected;	/* parts_expected stored */
};

static const struct ingest9_case cases9[] = {
	{ "9 args, repeat of first", { "cv1", "+2389911111",
	  "P3 SAL 2 MENOR", "2024-03-01 10:00:00+00", "1709287200", "1",
	  "-1", "sms", "1" }, -2, "1" },
	{ "incomplete 2 of 3", { "cv1", "+2389933333", "P1 ROUBO",
	  "2024-03-02 08:00:00+00", "1709366400", "2", "5", "sms", "3" },
	  -1, "3" },
	{ "incomplete repeat", { "cv1", "+2389933333", "P1 ROUBO",
	  "2024-03-02 08:00:00+00", "1709366400", "2", "5", "sms", "3" },
	  1, "3" },
	{ "binary", { "cv1", "+2389933333", "", "2024-03-02 08:00:00+00",
	  "1709366400", "1", "-1", "binary", "1" }, -1, "1" },
	{ "status report", { "cv1", "+2389933333", "delivered",
	  "2024-03-02 08:00:05+00", "1709366405", "1", "-1",
	  "status_report", "0" }, -1, "1" },
};
#define NCASES9 ((int)(sizeof cases9 / sizeof cases9[0]))

static struct event_base	*base;
static struct pgcluster		*cluster;

static struct db *
start_db(const char *conninfo, struct dbtest_states *st)
{
	struct db_settings	 s;
	struct db		*db;

	dbtest_settings(&s, conninfo, st);
	db = db_new(base, &s);
	REQUIRE(db != NULL, "db_new failed");
	REQUIRE(db_prepare_add(db, "ingest", INGEST_SQL, 8) == 0,
	    "prepare ingest");
	REQUIRE(db_prepare_add(db, "ingest9", INGEST9_SQL, 9) == 0,
	    "prepare ingest9");
	REQUIRE(db_prepare_add(db, "expected", "SELECT parts_expected "
	    "FROM message WHERE id = $1", 1) == 0, "prepare expected");
	REQUIRE(db_prepare_add(db, "text", "SELECT text, octet_length(text) "
	    "FROM message WHERE id = $1", 1) == 0, "prepare text");
	REQUIRE(db_prepare_add(db, "versions", "SELECT count(*) FROM "
	    "schema_version", 0) == 0, "prepare versions");
	CHECK(db_prepare_add(db, "text", "SELECT 1", 0) == -1,
	    "duplicate name accepted");
	REQUIRE(db_start(db) == 0, "db_start");
	CHECK(db_prepare_add(db, "late", "SELECT 1", 0) == -1,
	    "prepare after start accepted");
	return db;
}

static void
ingest(struct db *db, const struct ingest_case *c, struct dbtest_result *r)
{
	const char	*v[8] = { c->modem, c->sender, c->text, c->smsc_time,
	    c->received_at, c->parts, c->concat_ref, c->kind };

	dbtest_result_reset(r);
	REQUIRE(db_call(db, "ingest", 8, v, dbtest_result_cb, r) == 0,
	    "db_call ingest %s", c->name);
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, r) == 0,
	    "ingest %s: no result within 10 s", c->name);
}

static void
test_ingest_table(struct db *db, long *ids)
{
	struct dbtest_result	 r = { 0 };
	int			 i, distinct = 0;

	for (i = 0; i < NCASES; i++) {
		const struct ingest_case *c = &cases[i];
		int want_new = c->same_as < 0;

		ingest(db, c, &r);
		ids[i] = -1;
		if (!CHECK(r.ok, "case %s: got error=%s want success", c->name,
		    r.error))
			continue;
		CHECK(r.calls == 1, "case %s: callback ran %d times, want 1",
		    c->name, r.calls);
		REQUIRE(r.row[0] != NULL && r.row[1] != NULL,
		    "case %s: NULL id or inserted", c->name);
		ids[i] = atol(r.row[0]);
		CHECK(strcmp(r.row[1], want_new ? "t" : "f") == 0,
		    "case %s: inserted got=%s want=%s", c->name, r.row[1],
		    want_new ? "t" : "f");
		if (want_new)
			distinct++;
		else
			CHECK(ids[i] == ids[c->same_as], "case %s: id got=%ld "
			    "want=%ld (case %s)", c->name, ids[i],
			    ids[c->same_as], cases[c->same_as].name);
	}
	dbtest_result_reset(&r);
	CHECK(pgcluster_query_long(cluster, "SELECT count(*) FROM "
	    "message") == distinct, "message rows want=%d", distinct);
}

/* Run stmt with values and wait for its result. */
static void
run(struct db *db, const char *stmt, int n, const char *const *v,
    struct dbtest_result *r)
{
	dbtest_result_reset(r);
	REQUIRE(db_call(db, stmt, n, v, dbtest_result_cb, r) == 0,
	    "db_call %s", stmt);
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, r) == 0,
	    "%s: no result within 10 s", stmt);
}

/* The 9-argument form the daemon uses, other kinds, incomplete messages. */
static void
test_ingest9(struct db *db, long first_id)
{
	struct dbtest_result	 r = { 0 };
	long			 ids[NCASES9], want;
	char			 idbuf[32];
	const char		*idv[1] = { idbuf };
	int			 i;

	for (i = 0; i < NCASES9; i++) {
		const struct ingest9_case *c = &cases9[i];

		ids[i] = -1;
		run(db, "ingest9", 9, c->v, &r);
		if (!CHECK(r.ok && r.row[0] != NULL && r.row[1] != NULL,
		    "case %s: got error=%s want success", c->name, r.error))
			continue;
		ids[i] = atol(r.row[0]);
		CHECK(strcmp(r.row[1], c->same_as == -1 ? "t" : "f") == 0,
		    "case %s: inserted got=%s want=%s", c->name, r.row[1],
		    c->same_as == -1 ? "t" : "f");
		if (c->same_as != -1) {
			want = c->same_as == -2 ? first_id : ids[c->same_as];
			CHECK(ids[i] == want, "case %s: id got=%ld want=%ld",
			    c->name, ids[i], want);
		}
		snprintf(idbuf, sizeof idbuf, "%ld", ids[i]);
		run(db, "expected", 1, idv, &r);
		CHECK(r.ok && r.row[0] != NULL &&
		    strcmp(r.row[0], c->want_expected) == 0,
		    "case %s: parts_expected got=%s want=%s (error=%s)",
		    c->name, r.row[0], c->want_expected, r.error);
	}
	dbtest_result_reset(&r);
}

/* The UTF-8 text comes back byte for byte. */
static void
test_utf8(struct db *db, long id)
{
	struct dbtest_result	 r = { 0 };
	char			 idbuf[32];
	const char		*v[1] = { idbuf };
	const char		*want = cases[10].text;
	char			 len[32];

	snprintf(idbuf, sizeof idbuf, "%ld", id);
	REQUIRE(db_call(db, "text", 1, v, dbtest_result_cb, &r) == 0,
	    "db_call text");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "text: no result");
	if (CHECK(r.ok && r.ntuples == 1, "text: got error=%s ntuples=%d",
	    r.error, r.ntuples)) {
		CHECK(r.row[0] != NULL && strcmp(r.row[0], want) == 0,
		    "text got=%s want=%s", r.row[0], want);
		snprintf(len, sizeof len, "%zu", strlen(want));
		CHECK(r.row[1] != NULL && strcmp(r.row[1], len) == 0,
		    "octet_length got=%s want=%s", r.row[1], len);
	}
	dbtest_result_reset(&r);
}

/* The key does not depend on the session's TimeZone or DateStyle. */
static void
test_key_stable(void)
{
	static const char *const sessions[] = {
		"SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY';",
		"SET TimeZone = 'Atlantic/Cape_Verde'; SET DateStyle = 'SQL, DMY';",
		"SET TimeZone = 'Asia/Kolkata'; SET DateStyle = 'German';",
	};
	char	*keys[3];
	char	 sql[512];
	size_t	 i;

	for (i = 0; i < 3; i++) {
		snprintf(sql, sizeof sql, "%s SELECT farol_message_dedupe_key("
		    "'+2389911111', 'x', '2024-03-01 10:00:00.25+00', NULL, 1,"
		    " NULL, 'sms')", sessions[i]);
		keys[i] = pgcluster_query_text(cluster, sql);
		CHECK(keys[i] != NULL && strlen(keys[i]) == 64,
		    "session %zu: key got=%s want 64 hex digits", i, keys[i]);
	}
	for (i = 1; i < 3; i++) {
		CHECK(keys[0] != NULL && keys[i] != NULL &&
		    strcmp(keys[0], keys[i]) == 0,
		    "session %zu: key got=%s want=%s", i, keys[i], keys[0]);
	}
	for (i = 0; i < 3; i++)
		free(keys[i]);
}

static void
wait_ready(struct db *db, const char *what)
{
	REQUIRE(testloop_run_until(base, 15000, dbtest_ready, db) == 0,
	    "%s: not ready within 15 s (state %s)", what,
	    db_state_name(db_get_state(db)));
}

/* After a restart nothing is applied again and old messages dedupe. */
static void
test_restart(long first_id)
{
	struct dbtest_states	 st = { 0 };
	struct dbtest_result	 r = { 0 };
	struct db		*db;
	char			*before, *after;
	const char		*q = "SELECT string_agg(version || ' ' || "
	    "applied_at, ',' ORDER BY version) FROM schema_version";

	before = pgcluster_query_text(cluster, q);
	REQUIRE(pgcluster_restart(cluster) == 0, "restart failed");
	db = start_db(pgcluster_conninfo(cluster), &st);
	wait_ready(db, "after restart");
	CHECK(db_schema_version(db) == db_schema_latest(),
	    "schema version got=%d want=%d", db_schema_version(db),
	    db_schema_latest());
	after = pgcluster_query_text(cluster, q);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0,
	    "schema_version rows got=%s want=%s", after, before);
	free(before);
	free(after);

	ingest(db, &cases[0], &r);
	if (CHECK(r.ok, "ingest after restart: error=%s", r.error)) {
		CHECK(r.row[0] != NULL && atol(r.row[0]) == first_id,
		    "id after restart got=%s want=%ld", r.row[0], first_id);
		CHECK(r.row[1] != NULL && strcmp(r.row[1], "f") == 0,
		    "inserted after restart got=%s want=f", r.row[1]);
	}
	dbtest_result_reset(&r);
	db_free(db);
}

/* Rows in schema_version, through the engine. */
static long
count_versions(struct db *db)
{
	struct dbtest_result	 r = { 0 };
	long			 n = -1;

	REQUIRE(db_call(db, "versions", 0, NULL, dbtest_result_cb, &r) == 0,
	    "db_call versions");
	REQUIRE(testloop_run_until(base, 10000, dbtest_result_done, &r) == 0,
	    "versions: no result");
	if (CHECK(r.ok && r.row[0] != NULL, "versions: error=%s", r.error))
		n = atol(r.row[0]);
	dbtest_result_reset(&r);
	return n;
}

static int
both_ready(void *arg)
{
	struct db	**dbs = arg;

	return db_is_ready(dbs[0]) && db_is_ready(dbs[1]);
}

/* Two engines migrating one fresh database at once apply each version once. */
static void
test_concurrent_migrate(void)
{
	struct dbtest_states	 st[2];
	struct db		*dbs[2];
	char			 conninfo[1024];
	long			 versions;
	int			 i;

	memset(st, 0, sizeof st);
	REQUIRE(pgcluster_exec(cluster, "CREATE DATABASE race") == 0,
	    "create database race");
	/* A later keyword overrides an earlier one in a conninfo string. */
	snprintf(conninfo, sizeof conninfo, "%s dbname=race",
	    pgcluster_conninfo(cluster));
	for (i = 0; i < 2; i++)
		dbs[i] = start_db(conninfo, &st[i]);
	REQUIRE(testloop_run_until(base, 15000, both_ready, dbs) == 0,
	    "race: not both ready");
	for (i = 0; i < 2; i++)
		CHECK(db_schema_version(dbs[i]) == db_schema_latest(),
		    "race engine %d: version got=%d want=%d", i,
		    db_schema_version(dbs[i]), db_schema_latest());
	versions = count_versions(dbs[0]);
	/* One row per migration (a number may be missing: reserved by a
	 * branch not merged yet). */
	CHECK(versions == (long)migrate_nfiles, "race: schema_version rows "
	    "got=%ld want=%zu", versions, migrate_nfiles);
	for (i = 0; i < 2; i++)
		db_free(dbs[i]);
}

int
main(void)
{
	struct dbtest_states	 st = { 0 };
	struct db		*db;
	long			 ids[NCASES];
	long			 n;

	cluster = pgcluster_start("test_db_ingest");
	REQUIRE(cluster != NULL, "no cluster");
	base = event_base_new();
	REQUIRE(base != NULL, "event_base_new");

	db = start_db(pgcluster_conninfo(cluster), &st);
	wait_ready(db, "first start");
	CHECK(st.count[DB_CONNECTING] == 1 && st.count[DB_MIGRATING] == 1 &&
	    st.count[DB_PREPARING] == 1 && st.count[DB_READY] == 1,
	    "states connecting=%d migrating=%d preparing=%d ready=%d, "
	    "want 1 each", st.count[DB_CONNECTING], st.count[DB_MIGRATING],
	    st.count[DB_PREPARING], st.count[DB_READY]);
	CHECK(db_schema_latest() >= 1, "latest got=%d want>=1",
	    db_schema_latest());
	CHECK(db_schema_version(db) == db_schema_latest(),
	    "schema version got=%d want=%d", db_schema_version(db),
	    db_schema_latest());
	n = pgcluster_query_long(cluster, "SELECT count(*) FROM schema_version");
	CHECK(n == (long)migrate_nfiles, "schema_version rows got=%ld "
	    "want=%zu", n, migrate_nfiles);

	test_ingest_table(db, ids);
	test_utf8(db, ids[10]);
	test_ingest9(db, ids[0]);
	test_key_stable();
	db_free(db);

	test_restart(ids[0]);
	test_concurrent_migrate();

	event_base_free(base);
	pgcluster_destroy(cluster);
	return check_status();
}
