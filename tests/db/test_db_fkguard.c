/*
 * test_db_fkguard.c: the foreign key guards (schema v22) refuse what the
 * six foreign keys they replace refused, with the same SQLSTATE and
 * constraint name. Every case runs in two databases of one cluster:
 * "fk", made by the migrations before the guards (the foreign keys), and
 * "guard", made by all of them; each must end as its table says in both:
 * a child written with a missing parent (INSERT, several rows at once,
 * UPDATE), a parent deleted, its key changed or truncated while a child
 * refers to it; and what both accept (NULL keys, NO ACTION at the end of
 * the statement, parent and child written in one statement). Then, with
 * two connections, each foreign key against a concurrent DELETE of its
 * parent, in both orders: the second waits for the first, and the one
 * that would leave a dangling key is refused (RI's FOR KEY SHARE lock).
 * The differences by design (db/database.md, "Foreign key guards") are
 * cases with a second outcome for "guard".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "dbtest.h"
#include "migrate.h"
#include "pgcluster.h"

static struct pgcluster	*cluster;

/* How a statement ended: SQLSTATE ("" when it succeeded), constraint. */
struct outcome {
	char	state[6];
	char	constraint[64];
};

/*
 * A case: the SQL (run in a transaction rolled back after it), what the
 * foreign keys did, and what the guards do when they differ by design
 * (guard_state non-NULL).
 */
struct fkcase {
	const char	*sql;
	const char	*state;
	const char	*constraint;	/* NULL: none named */
	const char	*guard_state;
	const char	*guard_constraint;
};

static const struct fkcase cases[] = {
	/* A child with no parent: INSERT, one row and several. */
	{ "INSERT INTO outbox (alert_id, recipient, text, purpose) "
	    "VALUES (99, '+9', 't', 'forward')",
	    "23503", "outbox_alert_id_fkey", NULL, NULL },
	{ "INSERT INTO outbox (message_id, recipient, text, purpose) "
	    "VALUES (99, '+9', 't', 'forward')",
	    "23503", "outbox_message_id_fkey", NULL, NULL },
	{ "INSERT INTO outbox (authority_id, recipient, text, purpose) "
	    "VALUES ('nobody', '+9', 't', 'forward')",
	    "23503", "outbox_authority_id_fkey", NULL, NULL },
	{ "INSERT INTO alert (message_id, sender, state, received_at) "
	    "VALUES (99, '+1', 'received', now())",
	    "23503", "alert_message_id_fkey", NULL, NULL },
	{ "INSERT INTO alert (message_id, focal_point, sender, state, "
	    "received_at) VALUES (2, 'nobody', '+1', 'received', now())",
	    "23503", "alert_focal_point_fkey", NULL, NULL },
	{ "INSERT INTO alert_event (alert_id, to_state, actor) "
	    "VALUES (99, 'received', 'farold')",
	    "23503", "alert_event_alert_id_fkey", NULL, NULL },
	{ "INSERT INTO outbox (alert_id, message_id, authority_id, "
	    "recipient, text, purpose) SELECT 10, 1, a, '+9', 't', "
	    "'forward' FROM unnest(ARRAY['a1', 'a2', 'nobody', 'a1']) a",
	    "23503", "outbox_authority_id_fkey", NULL, NULL },
	{ "INSERT INTO alert_event (alert_id, to_state, actor) "
	    "SELECT a, 'received', 'farold' FROM unnest(ARRAY[10, 11, 99]) a",
	    "23503", "alert_event_alert_id_fkey", NULL, NULL },
	/* The same in 20 rows (a batch's way: each key once). */
	{ "INSERT INTO outbox (alert_id, message_id, authority_id, "
	    "recipient, text, purpose) SELECT CASE WHEN i = 17 THEN 99 "
	    "ELSE 10 END, 1, 'a1', '+9', 't', 'forward' "
	    "FROM generate_series(1, 20) i",
	    "23503", "outbox_alert_id_fkey", NULL, NULL },
	{ "INSERT INTO outbox (alert_id, message_id, authority_id, "
	    "recipient, text, purpose) SELECT 10, CASE WHEN i = 17 THEN 99 "
	    "ELSE 1 END, 'a1', '+9', 't', 'forward' "
	    "FROM generate_series(1, 20) i",
	    "23503", "outbox_message_id_fkey", NULL, NULL },
	{ "INSERT INTO outbox (alert_id, message_id, authority_id, "
	    "recipient, text, purpose) SELECT 10, 1, CASE WHEN i = 17 THEN "
	    "'nobody' ELSE 'a1' END, '+9', 't', 'forward' "
	    "FROM generate_series(1, 20) i",
	    "23503", "outbox_authority_id_fkey", NULL, NULL },
	{ "INSERT INTO alert_event (alert_id, to_state, actor) "
	    "SELECT CASE WHEN i = 17 THEN 99 ELSE 10 END, 'received', "
	    "'farold' FROM generate_series(1, 20) i",
	    "23503", "alert_event_alert_id_fkey", NULL, NULL },
	{ "WITH m AS (INSERT INTO message (id, modem, sender, text, "
	    "dedupe_key) SELECT 100 + i, 'm', '+1', 'x', 'b' || i "
	    "FROM generate_series(1, 20) i RETURNING id) "
	    "INSERT INTO alert (message_id, focal_point, sender, state, "
	    "received_at) SELECT CASE WHEN id = 117 THEN 99 ELSE id END, "
	    "'f1', '+1', 'received', now() FROM m",
	    "23503", "alert_message_id_fkey", NULL, NULL },
	{ "WITH m AS (INSERT INTO message (id, modem, sender, text, "
	    "dedupe_key) SELECT 100 + i, 'm', '+1', 'x', 'b' || i "
	    "FROM generate_series(1, 20) i RETURNING id) "
	    "INSERT INTO alert (message_id, focal_point, sender, state, "
	    "received_at) SELECT id, CASE WHEN id = 117 THEN 'nobody' "
	    "ELSE 'f1' END, '+1', 'received', now() FROM m",
	    "23503", "alert_focal_point_fkey", NULL, NULL },
	/* A child's key changed to one with no parent. */
	{ "UPDATE outbox SET alert_id = 99 WHERE alert_id = 12",
	    "23503", "outbox_alert_id_fkey", NULL, NULL },
	{ "UPDATE outbox SET message_id = 99 WHERE message_id = 2",
	    "23503", "outbox_message_id_fkey", NULL, NULL },
	{ "UPDATE outbox SET authority_id = 'nobody' "
	    "WHERE authority_id = 'a1'",
	    "23503", "outbox_authority_id_fkey", NULL, NULL },
	{ "UPDATE alert SET message_id = 99 WHERE id = 11",
	    "23503", "alert_message_id_fkey", NULL, NULL },
	{ "UPDATE alert SET focal_point = 'nobody' WHERE id = 11",
	    "23503", "alert_focal_point_fkey", NULL, NULL },
	{ "UPDATE alert_event SET alert_id = 99",
	    "23503", "alert_event_alert_id_fkey", NULL, NULL },
	/* A parent still referred to: deleted, its key changed. */
	{ "DELETE FROM message WHERE id = 1",
	    "23503", "alert_message_id_fkey", NULL, NULL },
	{ "DELETE FROM message WHERE id = 2",
	    "23503", "outbox_message_id_fkey", NULL, NULL },
	{ "DELETE FROM alert WHERE id = 10",
	    "23503", "alert_event_alert_id_fkey", NULL, NULL },
	{ "DELETE FROM alert WHERE id >= 11",
	    "23503", "outbox_alert_id_fkey", NULL, NULL },
	{ "DELETE FROM authority WHERE id = 'a1'",
	    "23503", "outbox_authority_id_fkey", NULL, NULL },
	{ "DELETE FROM focal_point WHERE id = 'f1'",
	    "23503", "alert_focal_point_fkey", NULL, NULL },
	{ "UPDATE message SET id = 100 WHERE id = 1",
	    "23503", "alert_message_id_fkey", NULL, NULL },
	{ "UPDATE alert SET id = 100 WHERE id = 12",
	    "23503", "outbox_alert_id_fkey", NULL, NULL },
	{ "UPDATE authority SET id = 'a9' WHERE id = 'a1'",
	    "23503", "outbox_authority_id_fkey", NULL, NULL },
	{ "UPDATE focal_point SET id = 'f9' WHERE id = 'f1'",
	    "23503", "alert_focal_point_fkey", NULL, NULL },
	/* TRUNCATE of a parent alone. */
	{ "TRUNCATE focal_point", "0A000", NULL, NULL, NULL },
	{ "TRUNCATE message", "0A000", NULL, NULL, NULL },
	/* Accepted by both. */
	{ "INSERT INTO outbox (alert_id, message_id, authority_id, "
	    "recipient, text, purpose) SELECT 10, 1, CASE WHEN i = 17 THEN "
	    "NULL ELSE 'a1' END, '+9', 't', 'forward' "
	    "FROM generate_series(1, 20) i", "", NULL, NULL, NULL },
	{ "WITH m AS (INSERT INTO message (id, modem, sender, text, "
	    "dedupe_key) SELECT 100 + i, 'm', '+1', 'x', 'b' || i "
	    "FROM generate_series(1, 20) i RETURNING id) "
	    "INSERT INTO alert (message_id, focal_point, sender, state, "
	    "received_at) SELECT id, 'f1', '+1', 'received', now() FROM m",
	    "", NULL, NULL, NULL },
	{ "INSERT INTO outbox (alert_id, message_id, authority_id, "
	    "recipient, text, purpose) SELECT 10, 1, a, '+9', 't', "
	    "'forward' FROM unnest(ARRAY['a1', 'a2', NULL]) a",
	    "", NULL, NULL, NULL },
	{ "INSERT INTO alert (message_id, sender, state, received_at) "
	    "VALUES (2, '+1', 'received', now())", "", NULL, NULL, NULL },
	{ "DELETE FROM alert WHERE id = 11; DELETE FROM message "
	    "WHERE id = 3; DELETE FROM authority WHERE id = 'a2'; "
	    "DELETE FROM focal_point WHERE id = 'f2'", "", NULL, NULL, NULL },
	{ "UPDATE message SET id = 300 WHERE id = 5; "
	    "UPDATE authority SET id = 'a8' WHERE id = 'a2'",
	    "", NULL, NULL, NULL },
	{ "WITH d AS (DELETE FROM outbox WHERE authority_id = 'a1') "
	    "DELETE FROM authority WHERE id = 'a1'", "", NULL, NULL, NULL },
	{ "WITH a AS (INSERT INTO alert (message_id, focal_point, sender, "
	    "state, received_at) VALUES (2, 'f2', '+1', 'received', now()) "
	    "RETURNING id) INSERT INTO outbox (alert_id, recipient, text, "
	    "purpose) SELECT id, '+9', 't', 'receipt' FROM a",
	    "", NULL, NULL, NULL },
	{ "UPDATE outbox SET state = 'sending'; UPDATE alert SET state = "
	    "'forwarded' WHERE id = 10; UPDATE authority SET name = 'x'; "
	    "UPDATE outbox SET authority_id = 'a2' WHERE authority_id = 'a1'",
	    "", NULL, NULL, NULL },
	{ "TRUNCATE focal_point, alert, alert_event, outbox, digest_item, "
	    "message", "", NULL, NULL, NULL },
	/* Different by design: TRUNCATE ... CASCADE no longer reaches the
	 * children (refused instead), a parent whose children are empty
	 * may be truncated, and a parent's DELETE needs READ COMMITTED. */
	{ "TRUNCATE message CASCADE", "", NULL, "0A000", NULL },
	{ "TRUNCATE alert_event, digest_item, outbox, alert; "
	    "TRUNCATE focal_point", "0A000", NULL, "", NULL },
	{ "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; "
	    "DELETE FROM authority WHERE id = 'a2'", "", NULL,
	    "0A000", NULL },
};

/* The parents and children the cases refer to: message 1 <- alert 10
 * (focal point f1) <- its event; message 2 <- an outbox row of authority
 * a1; alert 12 (message 4) <- an outbox row; alert 11 (message 3),
 * message 5, authority a2, focal point f2 unreferenced. New alerts'
 * ids start above those the cases and races give. */
static const char fixture_sql[] =
    "INSERT INTO authority (id, name) VALUES ('a1', 'A1'), ('a2', 'A2');"
    "INSERT INTO focal_point (id, number, name) VALUES ('f1', '+1', 'F1'),"
    " ('f2', '+2', 'F2');"
    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
    "SELECT i, 'm', '+1', 'x', 'k' || i FROM generate_series(1, 5) i;"
    "INSERT INTO alert (id, message_id, focal_point, sender, state, "
    "received_at) VALUES (10, 1, 'f1', '+1', 'received', now()),"
    " (11, 3, NULL, '+1', 'received', now()),"
    " (12, 4, NULL, '+1', 'received', now());"
    "SELECT setval('alert_id_seq', 1000000);"
    "INSERT INTO alert_event (alert_id, to_state, actor) "
    "VALUES (10, 'received', 'farold');"
    "INSERT INTO outbox (alert_id, message_id, authority_id, recipient, "
    "text, purpose) VALUES (NULL, 2, 'a1', '+9', 't', 'forward'),"
    " (12, NULL, NULL, '+9', 't', 'receipt')";

/*
 * A race: a parent (made with key @), a child of it, the parent's DELETE.
 * "@" stands for the race's own key.
 */
static const struct race {
	const char	*constraint;
	const char	*rows;		/* "one row", "20 rows" */
	const char	*parent;
	const char	*child;
	const char	*remove;
} races[] = {
	{ "alert_message_id_fkey", "one row",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@')",
	    "INSERT INTO alert (message_id, sender, state, received_at) "
	    "VALUES (@, '+1', 'received', now())",
	    "DELETE FROM message WHERE id = @" },
	{ "outbox_message_id_fkey", "one row",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@')",
	    "INSERT INTO outbox (message_id, recipient, text, purpose) "
	    "VALUES (@, '+9', 't', 'receipt')",
	    "DELETE FROM message WHERE id = @" },
	{ "alert_focal_point_fkey", "one row",
	    "INSERT INTO focal_point (id, number, name) "
	    "VALUES ('f@', '+@', 'F')",
	    "WITH m AS (INSERT INTO message (id, modem, sender, text, "
	    "dedupe_key) VALUES (@ + 500000, 'm', '+1', 'x', 'c@') "
	    "RETURNING id) INSERT INTO alert (message_id, focal_point, "
	    "sender, state, received_at) SELECT id, 'f@', '+1', 'received', "
	    "now() FROM m",
	    "DELETE FROM focal_point WHERE id = 'f@'" },
	{ "alert_event_alert_id_fkey", "one row",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@'); INSERT INTO alert (id, "
	    "message_id, sender, state, received_at) "
	    "VALUES (@, @, '+1', 'received', now())",
	    "INSERT INTO alert_event (alert_id, to_state, actor) "
	    "VALUES (@, 'received', 'farold')",
	    "DELETE FROM alert WHERE id = @" },
	{ "outbox_alert_id_fkey", "one row",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@'); INSERT INTO alert (id, "
	    "message_id, sender, state, received_at) "
	    "VALUES (@, @, '+1', 'received', now())",
	    "INSERT INTO outbox (alert_id, recipient, text, purpose) "
	    "VALUES (@, '+9', 't', 'receipt')",
	    "DELETE FROM alert WHERE id = @" },
	{ "outbox_authority_id_fkey", "one row",
	    "INSERT INTO authority (id, name) VALUES ('a@', 'A')",
	    "INSERT INTO outbox (authority_id, recipient, text, purpose) "
	    "VALUES ('a@', '+9', 't', 'forward')",
	    "DELETE FROM authority WHERE id = 'a@'" },
	{ "alert_message_id_fkey", "20 rows",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@')",
	    "WITH m AS (INSERT INTO message (id, modem, sender, text, "
	    "dedupe_key) SELECT @ * 100 + i, 'm', '+1', 'x', 'c@-' || i "
	    "FROM generate_series(1, 19) i RETURNING id) INSERT INTO alert "
	    "(message_id, sender, state, received_at) SELECT id, '+1', "
	    "'received', now() FROM m UNION ALL SELECT @, '+1', 'received', "
	    "now()",
	    "DELETE FROM message WHERE id = @" },
	{ "outbox_message_id_fkey", "20 rows",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@')",
	    "INSERT INTO outbox (message_id, recipient, text, purpose) "
	    "SELECT @, '+9', 't', 'receipt' FROM generate_series(1, 20)",
	    "DELETE FROM message WHERE id = @" },
	{ "alert_focal_point_fkey", "20 rows",
	    "INSERT INTO focal_point (id, number, name) "
	    "VALUES ('f@', '+@', 'F')",
	    "WITH m AS (INSERT INTO message (id, modem, sender, text, "
	    "dedupe_key) SELECT @ * 100 + i, 'm', '+1', 'x', 'c@-' || i "
	    "FROM generate_series(1, 20) i RETURNING id) INSERT INTO alert "
	    "(message_id, focal_point, sender, state, received_at) "
	    "SELECT id, 'f@', '+1', 'received', now() FROM m",
	    "DELETE FROM focal_point WHERE id = 'f@'" },
	{ "alert_event_alert_id_fkey", "20 rows",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@'); INSERT INTO alert (id, "
	    "message_id, sender, state, received_at) "
	    "VALUES (@, @, '+1', 'received', now())",
	    "INSERT INTO alert_event (alert_id, to_state, actor) "
	    "SELECT @, 'received', 'farold' FROM generate_series(1, 20)",
	    "DELETE FROM alert WHERE id = @" },
	{ "outbox_alert_id_fkey", "20 rows",
	    "INSERT INTO message (id, modem, sender, text, dedupe_key) "
	    "VALUES (@, 'm', '+1', 'x', 'r@'); INSERT INTO alert (id, "
	    "message_id, sender, state, received_at) "
	    "VALUES (@, @, '+1', 'received', now())",
	    "INSERT INTO outbox (alert_id, recipient, text, purpose) "
	    "SELECT @, '+9', 't', 'receipt' FROM generate_series(1, 20)",
	    "DELETE FROM alert WHERE id = @" },
	{ "outbox_authority_id_fkey", "20 rows",
	    "INSERT INTO authority (id, name) VALUES ('a@', 'A')",
	    "INSERT INTO outbox (authority_id, recipient, text, purpose) "
	    "SELECT 'a@', '+9', 't', 'forward' FROM generate_series(1, 20)",
	    "DELETE FROM authority WHERE id = 'a@'" },
};

static void
outcome_of(PGresult *res, struct outcome *o)
{
	const char	*s;

	memset(o, 0, sizeof *o);
	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		return;
	if ((s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(o->state, sizeof o->state, "%s", s);
	else
		snprintf(o->state, sizeof o->state, "?????");
	if ((s = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)) != NULL)
		snprintf(o->constraint, sizeof o->constraint, "%s", s);
}

/* The last result of a query sent with PQsendQuery (a failing statement
 * is the last one run). */
static void
outcome_wait(PGconn *c, struct outcome *o)
{
	PGresult	*res;
	int		 got = 0;

	memset(o, 0, sizeof *o);
	while ((res = PQgetResult(c)) != NULL) {
		outcome_of(res, o);
		got = 1;
		PQclear(res);
	}
	REQUIRE(got, "no result: %s", PQerrorMessage(c));
}

static int
outcome_is(const struct outcome *o, const char *state,
    const char *constraint)
{
	return strcmp(o->state, state) == 0 &&
	    strcmp(o->constraint, constraint ? constraint : "") == 0;
}

/* The database: every migration before the one named guard_name, or all
 * of them (guard_name NULL). */
static void
make_db(const char *dbname, const char *guard_name)
{
	char	 sql[128];
	PGconn	*c;
	size_t	 i;
	char	*body;

	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	REQUIRE(pgcluster_exec(cluster, sql) == 0, "%s", sql);
	c = dbtest_connect(cluster, dbname);
	for (i = 0; i < migrate_nfiles; i++) {
		if (guard_name != NULL &&
		    strcmp(migrate_files[i].name, guard_name) == 0)
			break;
		body = dbtest_file_sql(migrate_files[i].lines);
		dbtest_exec_ok(c, body);
		free(body);
	}
	REQUIRE(guard_name == NULL || i < migrate_nfiles, "no migration %s",
	    guard_name);
	dbtest_exec_ok(c, fixture_sql);
	PQfinish(c);
}

static void
test_cases(PGconn *c, const char *dbname, int guard)
{
	struct outcome	 o;
	PGresult	*res;
	const char	*state, *constraint;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		state = cases[i].state;
		constraint = cases[i].constraint;
		if (guard && cases[i].guard_state != NULL) {
			state = cases[i].guard_state;
			constraint = cases[i].guard_constraint;
		}
		dbtest_exec_ok(c, "BEGIN");
		res = PQexec(c, cases[i].sql);
		outcome_of(res, &o);
		PQclear(res);
		dbtest_exec_ok(c, "ROLLBACK");
		CHECK(outcome_is(&o, state, constraint), "%s: %s: got %s %s, "
		    "want %s %s", dbname, cases[i].sql, o.state[0] ? o.state :
		    "success", o.constraint, state[0] ? state : "success",
		    constraint ? constraint : "");
	}
}

/* The SQL of a race's template with its key. */
static char *
keyed(const char *template, long key)
{
	char	 k[32], *s, *p;
	size_t	 n = 1;

	snprintf(k, sizeof k, "%ld", key);
	for (p = (char *)template; *p != '\0'; p++)
		n += *p == '@' ? strlen(k) : 1;
	REQUIRE((s = malloc(n)) != NULL, "out of memory");
	for (p = s; *template != '\0'; template++) {
		if (*template == '@') {
			strcpy(p, k);
			p += strlen(k);
		} else
			*p++ = *template;
	}
	*p = '\0';
	return s;
}

struct waiting {
	PGconn	*watch;		/* asks pg_stat_activity */
	PGconn	*c;		/* the connection that should wait */
};

/* c waits for a lock, or has finished (the check after says which). */
static int
waits_or_done(void *arg)
{
	struct waiting	*w = arg;
	char		 sql[128];
	PGresult	*res;
	int		 waits;

	if (PQconsumeInput(w->c) == 0 || !PQisBusy(w->c))
		return 1;
	snprintf(sql, sizeof sql, "SELECT wait_event_type = 'Lock' FROM "
	    "pg_stat_activity WHERE pid = %d", PQbackendPID(w->c));
	res = PQexec(w->watch, sql);
	waits = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return waits;
}

/*
 * Each foreign key against a concurrent DELETE of its parent. The child
 * first: the DELETE waits for the child's transaction, then is refused.
 * The DELETE first: the child waits for the DELETE's transaction, then
 * is refused. Nothing is left dangling either way.
 */
static void
test_races(const char *dbname)
{
	PGconn		*a, *b, *watch;
	struct waiting	 w;
	struct outcome	 o;
	char		*parent, *child, *remove;
	size_t		 i;
	long		 key;
	int		 order;

	a = dbtest_connect(cluster, dbname);
	b = dbtest_connect(cluster, dbname);
	watch = dbtest_connect(cluster, dbname);
	for (i = 0; i < sizeof races / sizeof races[0]; i++) {
		for (order = 0; order < 2; order++) {
			key = 1000 + 10 * (long)i + order;
			parent = keyed(races[i].parent, key);
			child = keyed(races[i].child, key);
			remove = keyed(races[i].remove, key);
			dbtest_exec_ok(watch, parent);
			if (order == 0) {
				dbtest_exec_ok(a, "BEGIN");
				dbtest_exec_ok(a, child);
				REQUIRE(PQsendQuery(b, remove), "send: %s",
				    PQerrorMessage(b));
				w.watch = watch;
				w.c = b;
				CHECK(test_wait_until(5000, waits_or_done, &w)
				    == 0, "%s: %s: neither waits nor ends",
				    dbname, remove);
				dbtest_exec_ok(a, "COMMIT");
				outcome_wait(b, &o);
			} else {
				dbtest_exec_ok(b, "BEGIN");
				dbtest_exec_ok(b, remove);
				REQUIRE(PQsendQuery(a, child), "send: %s",
				    PQerrorMessage(a));
				w.watch = watch;
				w.c = a;
				CHECK(test_wait_until(5000, waits_or_done, &w)
				    == 0, "%s: %s: neither waits nor ends",
				    dbname, child);
				dbtest_exec_ok(b, "COMMIT");
				outcome_wait(a, &o);
			}
			CHECK(outcome_is(&o, "23503", races[i].constraint),
			    "%s: %s, %s, %s: got %s %s, want 23503 %s", dbname,
			    races[i].constraint, races[i].rows,
			    order == 0 ? "child first" :
			    "delete first", o.state[0] ? o.state : "success",
			    o.constraint, races[i].constraint);
			free(parent);
			free(child);
			free(remove);
		}
	}
	PQfinish(a);
	PQfinish(b);
	PQfinish(watch);
}

/* The comparison means something: "fk" has the six foreign keys,
 * "guard" none of them. */
static void
test_constraints(PGconn *c, const char *dbname, long want)
{
	PGresult	*res;

	res = PQexec(c, "SELECT count(*) FROM pg_constraint WHERE contype = "
	    "'f' AND conname IN ('alert_message_id_fkey', "
	    "'alert_focal_point_fkey', 'alert_event_alert_id_fkey', "
	    "'outbox_alert_id_fkey', 'outbox_message_id_fkey', "
	    "'outbox_authority_id_fkey')");
	REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK, "count: %s",
	    PQerrorMessage(c));
	CHECK(atol(PQgetvalue(res, 0, 0)) == want, "%s: %s foreign keys, "
	    "want %ld", dbname, PQgetvalue(res, 0, 0), want);
	PQclear(res);
}

int
main(void)
{
	static const char *const dbs[] = { "fk", "guard" };
	PGconn	*c;
	int	 guard;

	cluster = pgcluster_start("db_fkguard");
	REQUIRE(cluster != NULL, "pgcluster_start");
	make_db("fk", "0022_fk_guards");
	make_db("guard", NULL);
	/* A later table's own foreign key to alert (v24's alias numbers, a
	 * plain key: rarely written) would refuse the TRUNCATE cases, which
	 * compare the six keys v22 guards: dropped here. */
	c = dbtest_connect(cluster, "guard");
	dbtest_exec_ok(c, "ALTER TABLE alert_ref_alias DROP CONSTRAINT "
	    "alert_ref_alias_alert_id_fkey");
	PQfinish(c);
	for (guard = 0; guard < 2; guard++) {
		c = dbtest_connect(cluster, dbs[guard]);
		test_constraints(c, dbs[guard], guard ? 0 : 6);
		test_cases(c, dbs[guard], guard);
		PQfinish(c);
		test_races(dbs[guard]);
	}
	pgcluster_destroy(cluster);
	return check_status();
}
