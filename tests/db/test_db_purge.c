/*
 * test_db_purge.c: how the retention purge finds what to replace since
 * schema v23 (db/retention.md, "How the purge finds what to replace"):
 * a watermark per column over the primary key, the rows at work set
 * aside, a horizon of transactions still running. Against a private
 * PostgreSQL, calling farol_purge as gateway/purge.c does (batches, again
 * while a column fills its batch or a walk says 'more'), each case in a
 * database of its own:
 *   - rows out of order in id: a row written after a younger one is
 *     replaced on time when less than a day apart, and none is
 *     replaced early; no row is left behind once due, whatever its id;
 *   - a row written by a transaction still open while the purge passes
 *     the rows after it is replaced once it commits;
 *   - an alert at work past its limit (an SMS queued, held, a rung
 *     planned) keeps its words and numbers while the purge passes it,
 *     and loses them at the first purge after it is released;
 *   - a database upgraded to v23 with old rows (some replaced before,
 *     some not, some at work) has everything due replaced, and nothing
 *     else;
 *   - a long run of rows with nothing to replace is walked in bounded
 *     calls, the run going on until the value past it is replaced; the
 *     same in a database restored into another cluster (its horizons
 *     noted with transaction ids from the future).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "dbtest.h"
#include "migrate.h"
#include "pgcluster.h"

static struct pgcluster	*cluster;

/* The first value of a query, as text (allocated; "" for NULL). */
static char *query(PGconn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static char *
query(PGconn *c, const char *fmt, ...)
{
	char		 sql[2048], *out;
	va_list		 ap;
	PGresult	*res;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	res = PQexec(c, sql);
	REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0,
	    "%s: %s", sql, PQerrorMessage(c));
	out = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

/* A database "name" with the migrations before "stop" (NULL: all of
 * them, then the function files). */
static PGconn *
make_db(const char *name, const char *stop)
{
	char	 sql[128], *body;
	PGconn	*c;
	size_t	 i;

	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	REQUIRE(pgcluster_exec(cluster, sql) == 0, "%s", sql);
	c = dbtest_connect(cluster, name);
	for (i = 0; i < migrate_nfiles; i++) {
		if (stop != NULL && strcmp(migrate_files[i].name, stop) == 0)
			break;
		body = dbtest_file_sql(migrate_files[i].lines);
		dbtest_exec_ok(c, body);
		free(body);
	}
	REQUIRE(stop == NULL || i < migrate_nfiles, "no migration %s", stop);
	for (i = 0; stop == NULL && i < migrate_nfunction_files; i++) {
		body = dbtest_file_sql(migrate_function_files[i].lines);
		dbtest_exec_ok(c, body);
		free(body);
	}
	return c;
}

/* The migrations from "from" on, then the function files: an upgrade. */
static void
upgrade_db(PGconn *c, const char *from)
{
	char	*body;
	size_t	 i;

	for (i = 0; i < migrate_nfiles &&
	    strcmp(migrate_files[i].name, from) != 0; i++)
		;
	REQUIRE(i < migrate_nfiles, "no migration %s", from);
	dbtest_exec_ok(c, "BEGIN");
	for (; i < migrate_nfiles; i++) {
		body = dbtest_file_sql(migrate_files[i].lines);
		dbtest_exec_ok(c, body);
		free(body);
	}
	for (i = 0; i < migrate_nfunction_files; i++) {
		body = dbtest_file_sql(migrate_function_files[i].lines);
		dbtest_exec_ok(c, body);
		free(body);
	}
	dbtest_exec_ok(c, "COMMIT");
}

/*
 * One purge as farold runs it: calls of farol_purge with the limits
 * (SQL expressions) and batch, again while a column fills its batch or
 * a walk was cut short ('more'). Returns the calls made; *first_more:
 * whether the first call said 'more'.
 */
static int
purge(PGconn *c, const char *text_before, const char *numbers_before,
    int batch, int *first_more)
{
	char		 sql[512];
	PGresult	*res;
	int		 calls = 0, again = 1;

	snprintf(sql, sizeof sql, "SELECT what, rows FROM farol_purge(%s, "
	    "%s, 'test', false, 0, %d)", text_before, numbers_before, batch);
	while (again && calls < 10000) {
		res = PQexec(c, sql);
		REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
		    PQerrorMessage(c));
		again = 0;
		for (int i = 0; i < PQntuples(res); i++) {
			int more = strcmp(PQgetvalue(res, i, 0), "more") == 0;

			if (more && calls == 0 && first_more != NULL)
				*first_more = 1;
			if (more || atoi(PQgetvalue(res, i, 1)) >= batch)
				again = 1;
		}
		PQclear(res);
		calls++;
	}
	return calls;
}

/* The ids of table's rows whose condition holds, "1,2,..." ("" none). */
static void
check_ids(PGconn *c, const char *table, const char *cond, const char *want,
    const char *what)
{
	char	*got = query(c, "SELECT coalesce(string_agg(id::text, ',' "
	    "ORDER BY id), '') FROM %s WHERE %s", table, cond);

	CHECK_STR(got, want, "%s: %s where %s", what, table, cond);
	free(got);
}

/* Messages id, written in this order, text and sender kept, dated ago. */
static void
add_message(PGconn *c, int id, const char *ago)
{
	char	 sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO message (id, modem, sender, "
	    "text, dedupe_key, received_at) VALUES (%d, 'cv1', "
	    "'+2389911%03d', 'words %d', 'k%d', now() - interval '%s')",
	    id, id, id, id, ago);
	dbtest_exec_ok(c, sql);
}

/*
 * Rows out of order, the limit two days ago (a day's lookahead past it):
 * 1 three days old; 2 a day and an hour old (not due); 3 written after
 * 2 but two days and an hour old (due, an hour out of the walk's
 * order); 4 written now; 5 written after 4 but three days old (more
 * than a day out of order: may be late, never lost).
 */
static void
test_order(void)
{
	PGconn	*c = make_db("ord", NULL);

	add_message(c, 1, "3 days");
	add_message(c, 2, "25 hours");
	add_message(c, 3, "49 hours");
	add_message(c, 4, "0 seconds");
	add_message(c, 5, "3 days");
	purge(c, "now() - interval '2 days'", "now() - interval '2 days'", 1,
	    NULL);
	check_ids(c, "message", "text = '' AND sender = ''", "1,3",
	    "out of order: the due ones, the lookahead's included");
	check_ids(c, "message", "text <> '' AND sender <> ''", "2,4,5",
	    "out of order: nothing early");
	purge(c, "now() - interval '1 hour'", "now() - interval '1 hour'", 1,
	    NULL);
	check_ids(c, "message", "text = '' AND sender = ''", "1,2,3,5",
	    "out of order: none left behind once due");
	check_ids(c, "message", "text <> ''", "4",
	    "out of order: the young one kept");
	PQfinish(c);
}

/* Message n, three days old, its id from the sequence. */
static void
write_message(PGconn *c, int n)
{
	char	 sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO message (modem, sender, text, "
	    "dedupe_key, received_at) VALUES ('cv1', '+2389911%03d', "
	    "'words %d', 'k%d', now() - interval '3 days')", n, n, n);
	dbtest_exec_ok(c, sql);
}

/*
 * A transaction holds message 2 (taken from the sequence) while message
 * 3 commits and the purge runs: the purge must not pass 2 for good.
 */
static void
test_open_transaction(void)
{
	PGconn		*c = make_db("open", NULL), *t;
	const char	*before = "now() - interval '2 days'";

	t = dbtest_connect(cluster, "open");
	write_message(c, 1);
	purge(c, before, before, 1, NULL);
	dbtest_exec_ok(t, "BEGIN");
	write_message(t, 2);
	write_message(c, 3);
	for (int i = 0; i < 3; i++)
		purge(c, before, before, 1, NULL);
	check_ids(c, "message", "text = '' AND sender = ''", "1,3",
	    "open transaction: what is committed");
	dbtest_exec_ok(t, "COMMIT");
	purge(c, before, before, 1, NULL);
	check_ids(c, "message", "text <> '' OR sender <> ''", "",
	    "open transaction: its row once committed");
	PQfinish(t);
	PQfinish(c);
}

/*
 * Alerts 1-6 (messages 1-6), ago old, each with an event (a phone's, a
 * note) and a forward: 1 queued, 2 held, 3 a rung planned (its forward
 * sent), 4 sent; `young' (5 or 6) queued but an hour old (not due); the
 * other of 5 and 6 sent.
 */
static void
add_alerts(PGconn *c, const char *ago, int young)
{
	char	 sql[2048];

	snprintf(sql, sizeof sql,
	    "SET session_replication_role = replica;"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key, "
	    "received_at) SELECT i, 'cv1', '+2389911' || i, 'words ' || i, "
	    "'k' || i, now() - CASE WHEN i = %d THEN interval '1 hour' ELSE "
	    "interval '%s' END FROM generate_series(1, 6) i;"
	    "INSERT INTO alert (id, message_id, sender, text, state, "
	    "received_at) SELECT id, id, sender, text, 'forwarded', "
	    "received_at FROM message WHERE id <= 6;"
	    "UPDATE alert SET rung_plan = '[]', rung_plan_next_at = "
	    "now() + interval '1 hour' WHERE id = 3;"
	    "INSERT INTO alert_event (alert_id, at, to_state, actor, note) "
	    "SELECT id, received_at, 'forwarded', sender, 'note ' || id "
	    "FROM alert ORDER BY id;"
	    "INSERT INTO outbox (alert_id, message_id, recipient, text, "
	    "purpose, state, created_at) SELECT id, id, '+238992000' || id, "
	    "'fwd ' || id, 'forward', CASE id WHEN 1 THEN 'queued' WHEN 2 "
	    "THEN 'held' WHEN %d THEN 'queued' ELSE 'submitted' END, "
	    "received_at FROM alert ORDER BY id;"
	    "RESET session_replication_role", young, ago, young);
	dbtest_exec_ok(c, sql);
}

/* The alerts (their messages, events) and the outbox rows still holding
 * words and numbers, and none holding some only. An outbox row is at
 * work while it waits itself, whatever its alert. */
static void
check_kept(PGconn *c, const char *alerts, const char *outbox,
    const char *what)
{
	check_ids(c, "alert", "text <> '' AND sender <> ''", alerts, what);
	check_ids(c, "message", "text <> '' AND sender <> ''", alerts, what);
	check_ids(c, "alert_event", "note IS NOT NULL AND actor LIKE '+%'",
	    alerts, what);
	check_ids(c, "outbox", "text <> '' AND recipient <> ''", outbox,
	    what);
	check_ids(c, "alert", "(text = '') <> (sender = '')", "", what);
	check_ids(c, "message", "(text = '') <> (sender = '')", "", what);
	check_ids(c, "alert_event", "(note IS NULL) = (actor LIKE '+%')", "",
	    what);
	check_ids(c, "outbox", "(text = '') <> (recipient = '')", "", what);
}

static void
test_at_work(void)
{
	PGconn	*c = make_db("work", NULL);
	const char *before = "now() - interval '1 day'";

	add_alerts(c, "3 days", 5);
	purge(c, before, before, 1, NULL);
	check_kept(c, "1,2,3,5", "1,2,5",
	    "at work: kept while the purge passes");
	dbtest_exec_ok(c, "UPDATE outbox SET state = 'queued' WHERE id = 2");
	dbtest_exec_ok(c, "UPDATE outbox SET state = 'submitted' WHERE id = 1");
	purge(c, before, before, 1, NULL);
	check_kept(c, "2,3,5", "2,5",
	    "at work: the one sent, at the next purge");
	dbtest_exec_ok(c, "UPDATE outbox SET state = 'submitted' "
	    "WHERE id IN (2, 5)");
	dbtest_exec_ok(c, "UPDATE alert SET rung_plan = NULL, "
	    "rung_plan_next_at = NULL WHERE id = 3");
	purge(c, before, before, 1, NULL);
	check_kept(c, "5", "5",
	    "at work: every one released, not the young one");
	PQfinish(c);
}

/*
 * A v22 database with alerts 1-6 as above, a year old (6: an hour),
 * 1's forward sent, then 1 and 5 replaced by a purge of v22 (4 was not
 * due yet then): then v23.
 */
static void
test_upgrade(void)
{
	PGconn	*c = make_db("upg", "0023_purge_marks");

	add_alerts(c, "1 year", 6);
	/* v22's purge, as an older farold ran it. */
	dbtest_exec_ok(c, "SET session_replication_role = replica;"
	    "UPDATE outbox SET state = 'submitted' WHERE id = 1;"
	    "UPDATE message SET text = '', sender = '', dedupe_key = "
	    "'purged:' || id WHERE id IN (1, 5);"
	    "UPDATE alert SET text = '', sender = '' WHERE id IN (1, 5);"
	    "UPDATE alert_event SET note = NULL, actor = 'phone' "
	    "WHERE alert_id IN (1, 5);"
	    "UPDATE outbox SET text = '', recipient = '' "
	    "WHERE alert_id IN (1, 5);"
	    "RESET session_replication_role");
	upgrade_db(c, "0023_purge_marks");
	purge(c, "now() - interval '180 days'", "now() - interval '90 days'",
	    500, NULL);
	check_kept(c, "2,3,6", "2,6", "upgraded: every value due replaced");
	dbtest_exec_ok(c, "UPDATE outbox SET state = 'submitted' WHERE id = 2");
	dbtest_exec_ok(c, "UPDATE alert SET rung_plan = NULL, "
	    "rung_plan_next_at = NULL WHERE id = 3");
	purge(c, "now() - interval '180 days'", "now() - interval '90 days'",
	    500, NULL);
	check_kept(c, "6", "6", "upgraded: released, then replaced");
	PQfinish(c);
}

/*
 * 6,000 events with nothing to replace (no note, no phone), then one
 * with a note, due: a call walks at most its share (5,000 rows for a
 * batch of one), says so, and the run goes on to the note. Restored:
 * the horizons hold transaction ids of another cluster, far ahead (a
 * dump restored), which must not stop the watermarks for good.
 */
static void
test_long_walk(const char *name, int restored)
{
	PGconn	*c = make_db(name, NULL);
	int	 more = 0, calls;
	char	*note;

	dbtest_exec_ok(c, "SET session_replication_role = replica;"
	    "INSERT INTO message (id, modem, sender, text, dedupe_key, "
	    "received_at) VALUES (1, 'cv1', '', '', 'purged:1', now());"
	    "INSERT INTO alert (id, message_id, sender, text, state, "
	    "received_at) VALUES (1, 1, '', '', 'closed', now());"
	    "INSERT INTO alert_event (alert_id, at, to_state, actor) "
	    "SELECT 1, now() - interval '3 days', 'closed', 'farold' "
	    "FROM generate_series(1, 6000);"
	    "INSERT INTO alert_event (alert_id, at, to_state, actor, note) "
	    "VALUES (1, now() - interval '3 days', 'closed', 'farold', "
	    "'the words');"
	    "RESET session_replication_role");
	if (restored)
		dbtest_exec_ok(c, "UPDATE purge_horizon SET seen_xmax = "
		    "'4000000000000'");
	calls = purge(c, "now() - interval '1 day'", "now() - interval '1 day'",
	    1, &more);
	CHECK(more, "%s: a call walks a bounded share, and says so", name);
	CHECK(calls >= 2, "%s: the run goes on: %d call(s)", name, calls);
	note = query(c, "SELECT count(*) FROM alert_event WHERE note IS NOT "
	    "NULL");
	CHECK_STR(note, "0", "%s: the note past the long walk replaced", name);
	free(note);
	PQfinish(c);
}

int
main(void)
{
	cluster = pgcluster_start("db_purge");
	REQUIRE(cluster != NULL, "pgcluster_start");
	test_order();
	test_open_transaction();
	test_at_work();
	test_upgrade();
	test_long_walk("walk", 0);
	test_long_walk("restored", 1);
	pgcluster_destroy(cluster);
	return check_status();
}
