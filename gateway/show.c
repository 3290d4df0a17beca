/*
 * show.c: the console's dispatcher and its database-backed table (see
 * show.h). A query's columns are read by the names the statement gives
 * them, never by a position agreed elsewhere.
 */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "audit.h"
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
	{ "lanes", show_lanes },
	{ "spool", show_spool },
	{ "outbox", show_outbox },
	{ "alerts", show_alerts },
	{ "audit", show_audit },
	{ "purges", show_purges },
	{ "gateways", show_gateways },
};

void
show_prepare(struct db *db)
{
	show_outbox_prepare(db);
	show_alerts_prepare(db);
	show_gateways_prepare(db);
}

void
show_run(const char *args, struct admin_reply *r, void *arg)
{
	const struct show_sources *s = arg;
	char what[16] = "", format[16] = "", extra[2] = "";
	int n = sscanf(args, "%15s %15s %1s", what, format, extra);

	if (n < 1 || n > 2 || (n == 2 && strcmp(format, "json") != 0)) {
		admin_reply_done(r, "usage: show modems|inbox|lanes|spool|"
		    "outbox|alerts|gateways|audit|purges [json]");
		return;
	}
	for (size_t i = 0; i < sizeof show_commands / sizeof *show_commands;
	    i++) {
		if (strcmp(show_commands[i].name, what) == 0) {
			show_commands[i].fn(s, r, n == 2);
			return;
		}
	}
	admin_reply_done(r, "unknown table (modems, inbox, lanes, spool, "
	    "outbox, alerts, gateways, audit, purges)");
}

/* One console answer from the database: up to SHOW_MAX_STEPS statements
 * with the same parameters, each one table. With more than one, each
 * table is named (a "name:" line before it as text; one JSON object
 * keyed by the names with --json). */
#define SHOW_MAX_STEPS 2
#define SHOW_MAX_PARAMS 5

struct show_call {
	struct db *db;
	struct admin_reply *r;
	int json;
	int step, n_steps;
	const char *stmts[SHOW_MAX_STEPS];
	const char *names[SHOW_MAX_STEPS];
	const char *empty_error;	/* the first table has no row: ERR */
	int nparams;
	char *params[SHOW_MAX_PARAMS];
	int timeout_ms;
};

static void
show_call_free(struct show_call *c)
{
	for (int i = 0; i < c->nparams; i++)
		free(c->params[i]);
	free(c);
}

static void
show_table(const PGresult *res, struct evbuffer *out, int json)
{
	const char *columns[SHOW_MAX_COLUMNS];
	int n, rows;
	struct table t;

	n = PQnfields(res) < SHOW_MAX_COLUMNS ? PQnfields(res) :
	    SHOW_MAX_COLUMNS;
	for (int j = 0; j < n; j++)
		columns[j] = PQfname(res, j);
	table_begin(&t, out, json, columns, n);
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
}

static int show_call_next(struct show_call *c);

static void
show_query_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct show_call *c = arg;
	struct evbuffer *out = admin_reply_buffer(c->r), *tmp;
	size_t len;

	if (res == NULL) {
		admin_reply_done(c->r, error != NULL ? error->message :
		    "database: no result");
		show_call_free(c);
		return;
	}
	if (c->step == 0 && c->empty_error != NULL && PQntuples(res) == 0) {
		admin_reply_done(c->r, c->empty_error);
		show_call_free(c);
		return;
	}
	if (c->n_steps == 1)
		show_table(res, out, c->json);
	else if (!c->json) {
		evbuffer_add_printf(out, "%s%s:\n", c->step > 0 ? "\n" : "",
		    c->names[c->step]);
		show_table(res, out, 0);
	} else if ((tmp = evbuffer_new()) != NULL) {
		/* The table's one line, without its newline, as a member. */
		show_table(res, tmp, 1);
		len = evbuffer_get_length(tmp);
		evbuffer_add_printf(out, "%s\"%s\":", c->step > 0 ? "," : "{",
		    c->names[c->step]);
		evbuffer_add(out, evbuffer_pullup(tmp, -1), len - 1);
		if (c->step == c->n_steps - 1)
			evbuffer_add_printf(out, "}\n");
		evbuffer_free(tmp);
	}
	if (++c->step < c->n_steps && show_call_next(c) == 0)
		return;
	admin_reply_done(c->r, c->step < c->n_steps ? "database call "
	    "refused" : NULL);
	show_call_free(c);
}

static int
show_call_next(struct show_call *c)
{
	return db_call_timeout(c->db, c->timeout_ms,
	    c->stmts[c->step], c->nparams, (const char *const *)c->params,
	    show_query_cb, c);
}

int
show_db_ready(struct db *db, struct admin_reply *r)
{
	char why[96];

	/* Queued calls wait for a reconnect; an administrator should not. */
	if (db_is_ready(db))
		return 1;
	snprintf(why, sizeof why, "database not connected (%s)",
	    db_state_name(db_get_state(db)));
	admin_reply_done(r, why);
	return 0;
}

void
show_query_steps(const struct show_sources *s, struct admin_reply *r,
    const struct show_steps *q)
{
	struct show_call *c;

	if (!show_db_ready(s->db, r))
		return;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		admin_reply_done(r, "out of memory");
		return;
	}
	c->db = s->db;
	c->r = r;
	c->json = q->json;
	c->empty_error = q->empty_error;
	c->timeout_ms = q->timeout_ms > 0 ? q->timeout_ms :
	    SHOW_QUERY_TIMEOUT_MS;
	for (c->n_steps = 0; c->n_steps < SHOW_MAX_STEPS &&
	    q->stmts[c->n_steps] != NULL; c->n_steps++) {
		c->stmts[c->n_steps] = q->stmts[c->n_steps];
		c->names[c->n_steps] = q->names[c->n_steps];
	}
	for (; c->nparams < q->nparams && c->nparams < SHOW_MAX_PARAMS;
	    c->nparams++) {
		if (q->params[c->nparams] == NULL)
			continue;	/* NULL stays NULL (calloc) */
		if ((c->params[c->nparams] = strdup(q->params[c->nparams]))
		    == NULL) {
			admin_reply_done(r, "out of memory");
			show_call_free(c);
			return;
		}
	}
	if (show_call_next(c) != 0) {
		admin_reply_done(r, "database call refused");
		show_call_free(c);
	}
}

void
show_query(const struct show_sources *s, struct admin_reply *r, int json,
    const char *stmt)
{
	show_query_steps(s, r, &(struct show_steps){ .json = json,
	    .stmts = { stmt } });
}
