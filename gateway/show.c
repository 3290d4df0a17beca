/*
 * show.c: the console's dispatcher and its database-backed table (see
 * show.h). A query's columns are read by the names the statement gives
 * them, never by a position agreed elsewhere.
 */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "db.h"
#include "show.h"
#include "table.h"

/* How long a console query may wait for the database: an administrator
 * is waiting, and the loop's real work goes first. */
#define SHOW_QUERY_TIMEOUT_MS 5000
#define SHOW_MAX_COLUMNS 16

/* PostgreSQL's type oids (pg_type.h is not a client header). */
#define SHOW_BOOLOID 16
#define SHOW_INT8OID 20
#define SHOW_INT2OID 21
#define SHOW_INT4OID 23

static const struct {
	const char *name;
	void (*fn)(const struct show_sources *, struct admin_reply *, int);
} show_commands[] = {
	{ "modems", show_modems },
	{ "inbox", show_inbox },
	{ "spool", show_spool },
	{ "outbox", show_outbox },
	{ "alerts", show_alerts },
};

void
show_prepare(struct db *db)
{
	show_outbox_prepare(db);
	show_alerts_prepare(db);
}

void
show_run(const char *args, struct admin_reply *r, void *arg)
{
	const struct show_sources *s = arg;
	char what[16] = "", format[16] = "", extra[2] = "";
	int n = sscanf(args, "%15s %15s %1s", what, format, extra);

	if (n < 1 || n > 2 || (n == 2 && strcmp(format, "json") != 0)) {
		admin_reply_done(r, "usage: show modems|inbox|spool|outbox|"
		    "alerts [json]");
		return;
	}
	for (size_t i = 0; i < sizeof show_commands / sizeof *show_commands;
	    i++) {
		if (strcmp(show_commands[i].name, what) == 0) {
			show_commands[i].fn(s, r, n == 2);
			return;
		}
	}
	admin_reply_done(r, "unknown table (modems, inbox, spool, outbox, "
	    "alerts)");
}

struct show_call {
	struct admin_reply *r;
	int json;
};

static void
show_query_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct show_call *c = arg;
	const char *columns[SHOW_MAX_COLUMNS];
	int n, rows;
	struct table t;

	if (res == NULL) {
		admin_reply_done(c->r, error != NULL ? error->message :
		    "database: no result");
		free(c);
		return;
	}
	n = PQnfields(res) < SHOW_MAX_COLUMNS ? PQnfields(res) :
	    SHOW_MAX_COLUMNS;
	for (int j = 0; j < n; j++)
		columns[j] = PQfname(res, j);
	table_begin(&t, admin_reply_buffer(c->r), c->json, columns, n);
	rows = PQntuples(res);
	for (int i = 0; i < rows; i++) {
		for (int j = 0; j < n; j++) {
			const char *v = PQgetvalue(res, i, j);

			if (PQgetisnull(res, i, j))
				table_null(&t);
			else if (PQftype(res, j) == SHOW_BOOLOID)
				table_bool(&t, v[0] == 't');
			else if (PQftype(res, j) == SHOW_INT8OID ||
			    PQftype(res, j) == SHOW_INT4OID ||
			    PQftype(res, j) == SHOW_INT2OID)
				table_int(&t, strtoll(v, NULL, 10));
			else
				table_str(&t, v);
		}
	}
	table_end(&t);
	admin_reply_done(c->r, NULL);
	free(c);
}

void
show_query(const struct show_sources *s, struct admin_reply *r, int json,
    const char *stmt)
{
	struct show_call *c;
	char why[96];

	/* Queued calls wait for a reconnect; an administrator should not. */
	if (!db_is_ready(s->db)) {
		snprintf(why, sizeof why, "database not connected (%s)",
		    db_state_name(db_get_state(s->db)));
		admin_reply_done(r, why);
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		admin_reply_done(r, "out of memory");
		return;
	}
	c->r = r;
	c->json = json;
	if (db_call_timeout(s->db, SHOW_QUERY_TIMEOUT_MS, stmt, 0, NULL,
	    show_query_cb, c) != 0) {
		free(c);
		admin_reply_done(r, "database call refused");
	}
}
