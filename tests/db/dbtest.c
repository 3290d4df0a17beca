/*
 * dbtest.c: recorders shared by the db engine tests (see dbtest.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "migrate.h"
#include "pgcluster.h"

void
dbtest_result_reset(struct dbtest_result *r)
{
	int	i;

	for (i = 0; i < DBTEST_MAXF; i++)
		free(r->row[i]);
	memset(r, 0, sizeof *r);
}

void
dbtest_result_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct dbtest_result	*r = arg;
	int			 i;

	r->calls++;
	r->at_ms = test_now_ms();
	if (error != NULL) {
		r->ok = 0;
		snprintf(r->error, sizeof r->error, "%s", error->message);
		r->transient = error->transient;
		if (res != NULL)
			snprintf(r->error, sizeof r->error, "res not NULL");
		return;
	}
	r->ok = (res != NULL);
	r->ntuples = PQntuples(res);
	if (r->ntuples > 0) {
		for (i = 0; i < PQnfields(res) && i < DBTEST_MAXF; i++) {
			free(r->row[i]);
			r->row[i] = PQgetisnull(res, 0, i) ? NULL :
			    strdup(PQgetvalue(res, 0, i));
		}
	}
}

int
dbtest_result_done(void *arg)
{
	struct dbtest_result	*r = arg;

	return r->calls > 0;
}

void
dbtest_state_cb(enum db_state state, const char *reason, void *arg)
{
	struct dbtest_states	*st = arg;

	st->count[state]++;
	st->last = state;
	snprintf(st->reason, sizeof st->reason, "%s",
	    reason != NULL ? reason : "");
	if (state == DB_BACKOFF && st->nbackoff < 64)
		st->at_ms[st->nbackoff++] = test_now_ms();
	fprintf(stderr, "  state: %s%s%s\n", db_state_name(state),
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
}

void
dbtest_log(void *arg, int level, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "  db<%d>: ", level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
dbtest_ready(void *db)
{
	return db_is_ready(db);
}

void
dbtest_settings(struct db_settings *s, const char *conninfo,
    struct dbtest_states *st)
{
	memset(s, 0, sizeof *s);
	s->conninfo = conninfo;
	s->connect_timeout_ms = 2000;
	s->backoff_min_ms = 50;
	s->backoff_max_ms = 400;
	s->call_timeout_ms = 20000;
	s->state_cb = dbtest_state_cb;
	s->state_arg = st;
	s->log = dbtest_log;
}

/* Before each file: 0003-0005 hold only comments, which libpq refuses
 * alone; the DROP ... IF EXISTS notices are noise here. */
#define EMPTY_OK "SET client_min_messages = warning;\n"

char *
dbtest_file_sql(const char *const *line)
{
	size_t len = sizeof EMPTY_OK;
	char *sql;

	for (size_t j = 0; line[j] != NULL; j++)
		len += strlen(line[j]);
	REQUIRE((sql = malloc(len)) != NULL, "out of memory");
	strcpy(sql, EMPTY_OK);
	for (size_t j = 0; line[j] != NULL; j++)
		strcat(sql, line[j]);
	return sql;
}

void
dbtest_schema(struct pgcluster *cluster)
{
	char *sql;

	for (size_t i = 0; i < migrate_nfiles + migrate_nfunction_files; i++) {
		sql = dbtest_file_sql(i < migrate_nfiles ?
		    migrate_files[i].lines :
		    migrate_function_files[i - migrate_nfiles].lines);
		REQUIRE(pgcluster_exec(cluster, sql) == 0, "schema file %zu",
		    i);
		free(sql);
	}
}

PGconn *
dbtest_connect(struct pgcluster *cluster, const char *dbname)
{
	char	 conninfo[512];
	PGconn	*c;

	snprintf(conninfo, sizeof conninfo, "%s dbname=%s "
	    "options='-c client_min_messages=warning'",
	    pgcluster_conninfo(cluster), dbname);
	c = PQconnectdb(conninfo);
	REQUIRE(PQstatus(c) == CONNECTION_OK, "connect to %s: %s", dbname,
	    PQerrorMessage(c));
	return c;
}

void
dbtest_exec_ok(PGconn *c, const char *sql)
{
	PGresult	*res = PQexec(c, sql);

	REQUIRE(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_EMPTY_QUERY, "%s: %s", sql,
	    PQerrorMessage(c));
	PQclear(res);
}
