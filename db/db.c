/*
 * db.c: the asynchronous PostgreSQL engine (API in db.h). One libpq
 * connection driven by libevent: connect, migrate, prepare, then run
 * queued calls one at a time; on any error drop the connection, wait a
 * capped exponential backoff and start again.
 *
 * The daemon's loop calls into it; nothing in this file may block: libpq
 * only through PQconnectStart/PQconnectPoll, PQsendQuery*, PQflush,
 * PQconsumeInput, PQisBusy and PQgetResult on a non-blocking connection.
 * db_set_state() is the only function that changes db->state; user
 * callbacks may re-enter the API, so after each one the caller checks that
 * the state is still the one it expected.
 *
 * Pipelining (libpq's pipeline mode) would turn db->inflight into a list
 * of sent calls; the queue, deadlines and failure paths already treat the
 * in-flight call separately from the waiting ones.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db.h"
#include "lookup.h"
#include "migrate.h"

#define DB_DEFAULT_CONNECT_MS	5000
#define DB_DEFAULT_SETUP_MS	60000
#define DB_DEFAULT_BACKOFF_MIN	200
#define DB_DEFAULT_BACKOFF_MAX	30000
#define DB_DEFAULT_CALL_MS	30000
#define DB_DEFAULT_CLOSE_MS	5000

struct db_stmt {
	char	*name;
	char	*sql;
	int	 nparams;
};

struct db_call {
	TAILQ_ENTRY(db_call)	 entry;
	const struct db_stmt	*stmt;
	int			 nparams;
	char			**values;	/* copies, in the same block */
	long long		 deadline;	/* monotonic ms */
	int			 timeout_ms;
	db_result_cb		 cb;
	void			*arg;
};
TAILQ_HEAD(db_calls, db_call);

/* What the command on the wire is, while MIGRATING. */
enum db_mig_step {
	DB_MIG_SETUP,		/* session settings */
	DB_MIG_LOCK,		/* BEGIN, advisory lock, current version */
	DB_MIG_APPLY,		/* one pending migration */
	DB_MIG_FUNCS,		/* are the functions this build's? */
	DB_MIG_COMMIT,		/* the functions (unless newer), COMMIT */
	DB_MIG_LOOKUP,		/* the lookup tables, checked against C */
	DB_MIG_CHECK,		/* check_schema_only: the version, no change */
};

struct db {
	struct event_base	*base;
	struct db_settings	 s;		/* conninfo is our copy */
	char			*setup_sql;	/* session setup, ours */
	enum db_state		 state;
	int			 started;

	PGconn			*conn;
	struct event		*ev_io;		/* socket, read (+write) */
	short			 io_what;
	struct event		*ev_timer;	/* the current state's timer */
	struct event		*ev_deadline;	/* earliest call deadline */
	int			 flush_pending;
	int			 cmd_active;	/* a command awaits results */
	PGresult		*result;	/* last result of the command */
	char			 cmd_error[512];
	char			 cmd_sqlstate[6];
	int			 cmd_results;	/* statements done (pipeline) */
	int			 cmd_error_at;	/* cmd_results at cmd_error */

	struct db_stmt		*stmts;
	int			 nstmts;
	int			 prep_next;
	int			 prep_first;	/* of the pipeline on the wire */
	int			 pipelined;	/* PREPARING's pipeline is */

	enum db_mig_step	 mig_step;
	int			 mig_version;	/* being applied */
	int			 schema_version;
	int			 functions_current; /* DB_MIG_FUNCS said so */

	struct db_calls		 queue;		/* waiting, FIFO */
	struct db_call		*inflight;	/* sent, awaiting its result */

	int			 attempt;	/* failures since READY */
	int			 was_ready;	/* connected since last backoff */
	int			 in_cb;		/* depth of user callbacks */
	int			 freeing;	/* finalize has begun */
	char			 reason[512];
	int			 reason_lost;	/* reason says "connection lost" */
};

static void	db_set_state(struct db *, enum db_state, const char *);
static void	db_io_cb(evutil_socket_t, short, void *);
static void	db_timer_cb(evutil_socket_t, short, void *);
static void	db_deadline_cb(evutil_socket_t, short, void *);
static void	db_finalize(struct db *);
static void	db_dispatch(struct db *);

static const char *const db_state_names[] = {
	[DB_DISCONNECTED] = "disconnected",
	[DB_CONNECTING] = "connecting",
	[DB_MIGRATING] = "migrating",
	[DB_PREPARING] = "preparing",
	[DB_READY] = "ready",
	[DB_BUSY] = "busy",
	[DB_BACKOFF] = "backoff",
	[DB_CLOSING] = "closing",
};

static void db_log(struct db *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
db_log(struct db *db, int level, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	if (db->s.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	db->s.log(db->s.log_arg, level, "%s", buf);
}

static long long
db_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval
db_tv(long long ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

/*
 * Copy prefix and a libpq message into buf as one line: runs of white
 * space (libpq's messages span lines) become one space, none trails.
 */
static void
db_copy_message(char *buf, size_t size, const char *prefix, const char *msg)
{
	char	tmp[1024];
	size_t	i, n = 0;
	int	space = 0;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	snprintf(tmp, sizeof tmp, "%s%s", prefix, msg);
	for (i = 0; tmp[i] != '\0' && n + 1 < size; i++) {
		if (tmp[i] == ' ' || tmp[i] == '\n' || tmp[i] == '\t' ||
		    tmp[i] == '\r') {
			space = 1;
			continue;
		}
		if (space && n > 0 && n + 2 < size)
			buf[n++] = ' ';
		space = 0;
		buf[n++] = tmp[i];
	}
	if (size > 0)
		buf[n] = '\0';
}

/* libpq notices (e.g. "relation already exists, skipping"): debug only. */
static void
db_notice_cb(void *arg, const char *message)
{
	struct db	*db = arg;
	char		 line[512];

	db_copy_message(line, sizeof line, "notice: ", message);
	db_log(db, DB_LOG_DEBUG, "%s", line);
}

/* Call a user result callback; the caller rechecks db's state after. */
static void
db_call_finish(struct db *db, struct db_call *call, const PGresult *res,
    const struct db_error *error)
{
	db->in_cb++;
	call->cb(res, error, call->arg);
	db->in_cb--;
	free(call);
}

static void
db_call_fail(struct db *db, struct db_call *call, const char *message,
    int transient)
{
	struct db_error error = { message, transient, 0 };

	db_log(db, DB_LOG_DEBUG, "call %s failed: %s", call->stmt->name,
	    message);
	db_call_finish(db, call, NULL, &error);
}

/* Arm ev_deadline for the earliest deadline among the calls. */
static void
db_arm_deadline(struct db *db)
{
	struct db_call	*call;
	long long	 first = -1;
	struct timeval	 tv;

	if (db->freeing)
		return;
	if (db->inflight != NULL)
		first = db->inflight->deadline;
	TAILQ_FOREACH(call, &db->queue, entry) {
		if (first == -1 || call->deadline < first)
			first = call->deadline;
	}
	if (first == -1) {
		evtimer_del(db->ev_deadline);
		return;
	}
	tv = db_tv(first - db_now_ms());
	evtimer_add(db->ev_deadline, &tv);
}

static void
db_arm_timer(struct db *db, long long ms)
{
	struct timeval	tv = db_tv(ms);

	evtimer_add(db->ev_timer, &tv);
}

/* Watch the connection's socket for what (EV_READ, EV_WRITE or both). */
static int
db_watch(struct db *db, short what, int persist)
{
	evutil_socket_t	fd = PQsocket(db->conn);

	if (db->ev_io != NULL) {
		event_free(db->ev_io);
		db->ev_io = NULL;
	}
	if (fd < 0)
		return -1;
	db->ev_io = event_new(db->base, fd, what | (persist ? EV_PERSIST : 0),
	    db_io_cb, db);
	if (db->ev_io == NULL || event_add(db->ev_io, NULL) == -1)
		return -1;
	db->io_what = what;
	return 0;
}

/* Drop the connection and everything tied to it. */
static void
db_close_conn(struct db *db)
{
	if (db->ev_io != NULL) {
		event_free(db->ev_io);
		db->ev_io = NULL;
	}
	if (db->result != NULL) {
		PQclear(db->result);
		db->result = NULL;
	}
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->flush_pending = 0;
	db->cmd_active = 0;
	db->pipelined = 0;
	db->cmd_error[0] = '\0';
	db->cmd_sqlstate[0] = '\0';
}

/* Connection-level failure: back off (or finish closing). */
static void
db_lost(struct db *db, const char *why)
{
	char	reason[512];

	db_copy_message(reason, sizeof reason, "", why);
	if (db->state == DB_CLOSING) {
		db->reason_lost = 0;
		db_log(db, DB_LOG_WARNING, "closing: %s", reason);
		db_finalize(db);
		return;
	}
	db_set_state(db, DB_BACKOFF, reason);
}

/* A working connection went away (libpq says why): db_lost(), and a call
 * in flight fails with this same reason. */
static void
db_conn_lost(struct db *db)
{
	char	buf[512];

	db_copy_message(buf, sizeof buf, "connection lost: ",
	    PQerrorMessage(db->conn));
	db->reason_lost = 1;
	db_lost(db, buf);
}

/* After PQsend*: push the query out, or wait for the socket. */
static int
db_flush(struct db *db)
{
	switch (PQflush(db->conn)) {
	case 0:
		if (db->flush_pending) {
			db->flush_pending = 0;
			if (db_watch(db, EV_READ, 1) == -1)
				return -1;
		}
		return 0;
	case 1:
		if (!db->flush_pending) {
			db->flush_pending = 1;
			if (db_watch(db, EV_READ | EV_WRITE, 1) == -1)
				return -1;
		}
		return 0;
	default:
		return -1;
	}
}

/* Start a command sent with a PQsend* function that returned ok. */
static void
db_sent(struct db *db, int ok, const char *what)
{
	char	buf[512];

	if (!ok || db_flush(db) == -1) {
		snprintf(buf, sizeof buf, "%s: %s", what,
		    PQerrorMessage(db->conn));
		db_lost(db, buf);
		return;
	}
	db->cmd_active = 1;
	db->cmd_error[0] = '\0';
	db->cmd_sqlstate[0] = '\0';
	db->cmd_results = 0;
	db->cmd_error_at = 0;
}

static void
db_send_simple(struct db *db, const char *sql, const char *what)
{
	db_sent(db, PQsendQuery(db->conn, sql), what);
}

/*
 * MIGRATING: the next step of session setup and migrations. The pending
 * migrations and the function files are one transaction under the
 * advisory lock; then the lookup tables are checked (db_command_done).
 */
static void
db_migrate_next(struct db *db)
{
	char	*sql, *cause = NULL;
	char	 what[64];
	int	 version, rc;

	switch (db->mig_step) {
	case DB_MIG_SETUP:
		if (db->s.skip_migrations) {
			db_set_state(db, DB_PREPARING, NULL);
			return;
		}
		if (db->s.check_schema_only) {
			db->mig_step = DB_MIG_CHECK;
			db_send_simple(db, "SELECT coalesce(max(version), 0) "
			    "FROM schema_version;", "schema version");
			return;
		}
		db->mig_step = DB_MIG_LOCK;
		db_send_simple(db, migrate_lock_sql(), "migration lock");
		return;
	case DB_MIG_APPLY:
		db->schema_version = db->mig_version;
		/* FALLTHROUGH */
	case DB_MIG_LOCK:
		rc = migrate_next_sql(db->schema_version, &sql, &version,
		    &cause);
		if (rc == -1) {
			db_lost(db, cause);
			free(cause);
			return;
		}
		if (rc == 1) {
			db->mig_step = DB_MIG_APPLY;
			db->mig_version = version;
			db_log(db, DB_LOG_INFO, "applying schema migration %d",
			    version);
			snprintf(what, sizeof what, "migration %d", version);
			db_send_simple(db, sql, what);
			free(sql);
			return;
		}
		if (db->schema_version > migrate_latest()) {
			/* Its functions may be newer than ours: keep them. */
			db->mig_step = DB_MIG_COMMIT;
			db_log(db, DB_LOG_WARNING, "schema version %d is newer "
			    "than this build's %d; functions left as they are",
			    db->schema_version, migrate_latest());
			db_send_simple(db, migrate_commit_sql(),
			    "migration commit");
			return;
		}
		/* Applying every file costs more than the rest of the start. */
		if ((sql = migrate_functions_current_sql(&cause)) == NULL) {
			db_lost(db, cause);
			free(cause);
			return;
		}
		db->mig_step = DB_MIG_FUNCS;
		db_send_simple(db, sql, "functions check");
		free(sql);
		return;
	case DB_MIG_FUNCS:
		db->mig_step = DB_MIG_COMMIT;
		if (db->functions_current) {
			db_log(db, DB_LOG_DEBUG, "functions unchanged "
			    "(checksum %s)", migrate_functions_checksum);
			db_send_simple(db, migrate_commit_sql(),
			    "migration commit");
			return;
		}
		if ((sql = migrate_functions_sql(&cause)) == NULL) {
			db_lost(db, cause);
			free(cause);
			return;
		}
		db_send_simple(db, sql, "functions");
		free(sql);
		return;
	case DB_MIG_CHECK:
	case DB_MIG_COMMIT:
		db->mig_step = DB_MIG_LOOKUP;
		db_send_simple(db, lookup_sql(), "lookup tables");
		return;
	case DB_MIG_LOOKUP:
		db_set_state(db, DB_PREPARING, NULL);
		return;
	}
}

/*
 * PREPARING: every registered statement at once, in libpq's pipeline
 * mode (one round trip; one each cost more than the rest of PREPARING),
 * then READY. db_read() counts the statements done, so a failure names
 * its statement; after it the server skips the rest (PIPELINE_ABORTED)
 * up to the sync, which ends the command.
 */
static void
db_prepare_next(struct db *db)
{
	const struct db_stmt	*st;
	int			 ok;

	if (db->prep_next >= db->nstmts) {
		db_set_state(db, DB_READY, NULL);
		return;
	}
	ok = PQenterPipelineMode(db->conn);
	db->prep_first = db->prep_next;
	while (ok && db->prep_next < db->nstmts) {
		st = &db->stmts[db->prep_next++];
		ok = PQsendPrepare(db->conn, st->name, st->sql, st->nparams,
		    NULL);
	}
	ok = ok && PQpipelineSync(db->conn);
	db->pipelined = ok;
	db_sent(db, ok, "prepare");
}

/*
 * The command failed because the session is going away: the connection is
 * bad, or the server said so (SQLSTATE class 08, or 57P01..57P05 such as
 * "terminating connection due to administrator command").
 */
static int
db_conn_gone(struct db *db)
{
	const char	*st = db->cmd_sqlstate;

	if (PQstatus(db->conn) == CONNECTION_BAD)
		return 1;
	return strncmp(st, "08", 2) == 0 || (strncmp(st, "57P0", 4) == 0 &&
	    st[4] >= '1' && st[4] <= '5');
}

/*
 * The lookup tables lack a name C uses: refuse the connection (backoff,
 * and again at every attempt) rather than write values the schema
 * rejects. Returns 1 when refused.
 */
static int
db_lookup_refused(struct db *db, const PGresult *res)
{
	char	*cause = NULL;
	int	 extra = 0;

	if (lookup_check(res, &extra, &cause) == 0) {
		if (extra > 0)
			db_log(db, DB_LOG_WARNING, "the lookup tables hold %d "
			    "value%s this build does not know", extra,
			    extra == 1 ? "" : "s");
		return 0;
	}
	db_lost(db, cause);
	free(cause);
	return 1;
}

/* A command finished (PQgetResult gave NULL): act on it by state. */
static void
db_command_done(struct db *db)
{
	struct db_call	*call;
	PGresult	*res = db->result;
	char		 buf[768];
	int		 i;

	db->cmd_active = 0;
	db->result = NULL;

	switch (db->state) {
	case DB_MIGRATING:
		if (db->cmd_error[0] != '\0') {
			if (db->mig_step == DB_MIG_APPLY)
				snprintf(buf, sizeof buf, "migration %d: %s",
				    db->mig_version, db->cmd_error);
			else if (db->mig_step == DB_MIG_COMMIT ||
			    db->mig_step == DB_MIG_FUNCS)
				snprintf(buf, sizeof buf, "functions: %s",
				    db->cmd_error);
			else if (db->mig_step == DB_MIG_LOOKUP)
				snprintf(buf, sizeof buf, "lookup tables: %s",
				    db->cmd_error);
			else
				snprintf(buf, sizeof buf, "migration: %s",
				    db->cmd_error);
			PQclear(res);
			db_lost(db, buf);
			return;
		}
		if (db->mig_step == DB_MIG_LOOKUP &&
		    db_lookup_refused(db, res)) {
			PQclear(res);
			return;
		}
		if (db->mig_step == DB_MIG_CHECK) {
			/* A role that may not migrate: the owner must have. */
			db->schema_version = res != NULL && PQntuples(res) == 1 ?
			    atoi(PQgetvalue(res, 0, 0)) : -1;
			if (db->schema_version != migrate_latest()) {
				snprintf(buf, sizeof buf, "schema version %d, "
				    "this build needs %d: run farolctl db init "
				    "(database.migrate is false)",
				    db->schema_version, migrate_latest());
				PQclear(res);
				db_lost(db, buf);
				return;
			}
		}
		if (db->mig_step == DB_MIG_FUNCS)
			db->functions_current = res != NULL &&
			    PQntuples(res) == 1 &&
			    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		if (db->mig_step == DB_MIG_LOCK) {
			if (res == NULL || PQntuples(res) != 1) {
				PQclear(res);
				db_lost(db, "migration: no schema version");
				return;
			}
			db->schema_version = atoi(PQgetvalue(res, 0, 0));
		}
		PQclear(res);
		db_migrate_next(db);
		return;
	case DB_PREPARING:
		PQclear(res);
		if (db->cmd_error[0] != '\0') {
			/* cmd_error_at statements were done before it. */
			i = db->prep_first + db->cmd_error_at;
			snprintf(buf, sizeof buf, "prepare %s: %s",
			    i < db->nstmts ? db->stmts[i].name : "?",
			    db->cmd_error);
			db_lost(db, buf);
			return;
		}
		db_prepare_next(db);
		return;
	case DB_BUSY:
	case DB_CLOSING:
		call = db->inflight;
		db->inflight = NULL;
		if (call != NULL) {
			if (db->cmd_error[0] != '\0' && db_conn_gone(db)) {
				snprintf(buf, sizeof buf, "connection lost: %s",
				    db->cmd_error);
				db_call_fail(db, call, buf, 1);
			} else if (db->cmd_error[0] != '\0') {
				struct db_error error = { db->cmd_error,
				    db_sqlstate_is_transient(db->cmd_sqlstate),
				    db_sqlstate_is_conflict(db->cmd_sqlstate) };

				db_log(db, DB_LOG_DEBUG, "call %s failed: %s",
				    call->stmt->name, db->cmd_error);
				db_call_finish(db, call, NULL, &error);
			} else
				db_call_finish(db, call, res, NULL);
		}
		PQclear(res);
		if (db->state == DB_CLOSING) {
			db_finalize(db);
			return;
		}
		if (db->state != DB_BUSY)
			return;		/* the callback changed things */
		db_set_state(db, DB_READY, NULL);
		return;
	default:
		PQclear(res);
		return;
	}
}

/* Record the error of one result (the first one wins). */
static void
db_result_error(struct db *db, const PGresult *r)
{
	const char	*state, *msg;
	char		 prefix[64];

	if (db->cmd_error[0] != '\0')
		return;
	db->cmd_error_at = db->cmd_results;
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		return;
	case PGRES_FATAL_ERROR:
	case PGRES_NONFATAL_ERROR:
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		if (msg == NULL)
			msg = PQresultErrorMessage(r);
		if (state == NULL)
			state = "?????";
		snprintf(db->cmd_sqlstate, sizeof db->cmd_sqlstate, "%s",
		    state);
		snprintf(prefix, sizeof prefix, "server error %s: ", state);
		db_copy_message(db->cmd_error, sizeof db->cmd_error, prefix,
		    msg);
		return;
	default:
		snprintf(db->cmd_error, sizeof db->cmd_error,
		    "unexpected result status %s",
		    PQresStatus(PQresultStatus(r)));
		return;
	}
}

/* Readable socket on an established connection. */
static void
db_read(struct db *db)
{
	PGresult	*r;
	PGnotify	*n;

	if (!PQconsumeInput(db->conn)) {
		db_conn_lost(db);
		return;
	}
	while ((n = PQnotifies(db->conn)) != NULL)
		PQfreemem(n);
	if (db->flush_pending && db_flush(db) == -1) {
		db_conn_lost(db);
		return;
	}
	while (db->cmd_active && !PQisBusy(db->conn)) {
		r = PQgetResult(db->conn);
		if (r == NULL && db->pipelined) {
			db->cmd_results++;	/* one statement done */
			continue;
		}
		if (r != NULL && db->pipelined &&
		    PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			db->pipelined = 0;
			if (!PQexitPipelineMode(db->conn)) {
				db_conn_lost(db);
				return;
			}
			db_command_done(db);
			return;
		}
		if (r == NULL) {
			db_command_done(db);
			return;
		}
		db_result_error(db, r);
		if (db->result != NULL)
			PQclear(db->result);
		db->result = r;
	}
	if (!db->cmd_active && PQstatus(db->conn) == CONNECTION_BAD) {
		db_conn_lost(db);
	}
}

/* CONNECTING: one PQconnectPoll step, re-arming on the (new) socket. */
static void
db_connect_poll(struct db *db, PostgresPollingStatusType st)
{
	char	buf[512];

	switch (st) {
	case PGRES_POLLING_READING:
		if (db_watch(db, EV_READ, 0) == -1)
			goto fail;
		return;
	case PGRES_POLLING_WRITING:
		if (db_watch(db, EV_WRITE, 0) == -1)
			goto fail;
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(db->conn, 1) == -1 ||
		    db_watch(db, EV_READ, 1) == -1)
			goto fail;
		db_set_state(db, DB_MIGRATING, NULL);
		return;
	default:
		goto fail;
	}
fail:
	db_copy_message(buf, sizeof buf, "connect: ",
	    PQerrorMessage(db->conn));
	db_lost(db, buf);
}

static void
db_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db	*db = arg;

	switch (db->state) {
	case DB_CONNECTING:
		db_connect_poll(db, PQconnectPoll(db->conn));
		return;
	case DB_MIGRATING:
	case DB_PREPARING:
	case DB_READY:
	case DB_BUSY:
	case DB_CLOSING:
		if ((what & EV_WRITE) && !(what & EV_READ)) {
			if (db_flush(db) == -1) {
				db_conn_lost(db);
			}
			return;
		}
		db_read(db);
		return;
	default:
		return;
	}
}

/* The state timer: what it means depends on the state. */
static void
db_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db	*db = arg;
	char		 buf[128];

	switch (db->state) {
	case DB_CONNECTING:
		snprintf(buf, sizeof buf, "connect timed out after %d ms",
		    db->s.connect_timeout_ms);
		db_lost(db, buf);
		return;
	case DB_MIGRATING:
	case DB_PREPARING:
		snprintf(buf, sizeof buf, "%s timed out after %d ms",
		    db_state_names[db->state], db->s.setup_timeout_ms);
		db_lost(db, buf);
		return;
	case DB_BACKOFF:
		db_set_state(db, DB_CONNECTING, NULL);
		return;
	case DB_CLOSING:
		db_finalize(db);
		return;
	default:
		return;
	}
}

/* Fail calls whose deadline passed; a late in-flight call drops the link. */
static void
db_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db	*db = arg;
	struct db_call	*call, *next;
	long long	 now = db_now_ms();
	char		 buf[128];
	int		 drop = 0;
	struct db_calls	 expired;

	/* Detach first: callbacks may queue new calls. */
	TAILQ_INIT(&expired);
	for (call = TAILQ_FIRST(&db->queue); call != NULL; call = next) {
		next = TAILQ_NEXT(call, entry);
		if (call->deadline <= now) {
			TAILQ_REMOVE(&db->queue, call, entry);
			TAILQ_INSERT_TAIL(&expired, call, entry);
		}
	}
	if (db->inflight != NULL && db->inflight->deadline <= now &&
	    db->state == DB_BUSY) {
		call = db->inflight;
		db->inflight = NULL;
		snprintf(buf, sizeof buf, "timed out after %d ms",
		    call->timeout_ms);
		db_call_fail(db, call, buf, 1);
		drop = 1;
	}
	while ((call = TAILQ_FIRST(&expired)) != NULL) {
		TAILQ_REMOVE(&expired, call, entry);
		snprintf(buf, sizeof buf, "timed out after %d ms waiting for "
		    "the database", call->timeout_ms);
		db_call_fail(db, call, buf, 1);
	}
	if (db->freeing)
		return;
	/*
	 * PQcancel() blocks (it opens a connection), so a call past its
	 * deadline is abandoned by dropping the connection; the server
	 * notices (client_connection_check_interval) and aborts it.
	 */
	if (drop && db->state == DB_BUSY)
		db_lost(db, "dropped the connection: a call timed out");
	else
		db_arm_deadline(db);
}

/* READY: send the call at the head of the queue. */
static void
db_dispatch(struct db *db)
{
	struct db_call	*call;
	char		 what[128];

	if (db->state != DB_READY || db->inflight != NULL ||
	    (call = TAILQ_FIRST(&db->queue)) == NULL)
		return;
	TAILQ_REMOVE(&db->queue, call, entry);
	db->inflight = call;
	db_set_state(db, DB_BUSY, NULL);
	if (!PQsendQueryPrepared(db->conn, call->stmt->name, call->nparams,
	    (const char *const *)call->values, NULL, NULL, 0)) {
		/* Never sent: it goes back to the head of the queue. */
		db->inflight = NULL;
		TAILQ_INSERT_HEAD(&db->queue, call, entry);
	}
	snprintf(what, sizeof what, "send %s", call->stmt->name);
	db_sent(db, db->inflight != NULL, what);
}

/* name is made of [A-Za-z0-9._-] only (safe between quotes). */
static int
db_name_ok(const char *name)
{
	size_t	i;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (i = 0; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    strchr("._-", name[i]) == NULL)
			return 0;
	return 1;
}

/*
 * The session setup: migrate.c's settings, then, for a gateway, its name
 * (farol.gateway, which the tables' defaults and the functions read) and
 * TCP keepalives short enough that the server ends the session of a
 * gateway whose host died within about 25 s, releasing the janitor's
 * advisory lock (gateway/janitor.c); then the application_name asked
 * for (an ingest lane's, gateway/ingest.c). A name with any other
 * character than [A-Za-z0-9._-] is left out (config.c refuses it first).
 */
static char *
db_setup_sql(const char *gateway, const char *app)
{
	char	*sql, *with;

	if (!db_name_ok(gateway))
		sql = strdup(migrate_setup_sql());
	else if (asprintf(&sql, "%sSET farol.gateway = '%s';\n"
	    "SET tcp_keepalives_idle = 10;\n"
	    "SET tcp_keepalives_interval = 5;\n"
	    "SET tcp_keepalives_count = 3;\n", migrate_setup_sql(),
	    gateway) == -1)
		sql = NULL;
	if (sql == NULL || !db_name_ok(app))
		return sql;
	if (asprintf(&with, "%sSET application_name = '%s';\n", sql,
	    app) == -1)
		with = NULL;
	free(sql);
	return with;
}

/* CONNECTING entry: start a non-blocking connection attempt. */
static void
db_connect_start(struct db *db)
{
	char	buf[512];

	db->conn = PQconnectStart(db->s.conninfo);
	if (db->conn == NULL) {
		db_lost(db, "connect: out of memory");
		return;
	}
	PQsetNoticeProcessor(db->conn, db_notice_cb, db);
	if (PQstatus(db->conn) == CONNECTION_BAD) {
		db_copy_message(buf, sizeof buf, "connect: ",
		    PQerrorMessage(db->conn));
		db_lost(db, buf);
		return;
	}
	db_arm_timer(db, db->s.connect_timeout_ms);
	/* libpq: act as if PQconnectPoll had returned PGRES_POLLING_WRITING. */
	db_connect_poll(db, PGRES_POLLING_WRITING);
}

static long long
db_backoff_ms(struct db *db)
{
	long long	ms = db->s.backoff_min_ms;
	int		i;

	for (i = 0; i < db->attempt && ms < db->s.backoff_max_ms; i++)
		ms *= 2;
	if (ms > db->s.backoff_max_ms)
		ms = db->s.backoff_max_ms;
	return ms;
}

/*
 * The only function that changes db->state: leaves the old state, tells
 * the state callback (not for READY <-> BUSY), then enters the new one.
 */
static void
db_set_state(struct db *db, enum db_state next, const char *reason)
{
	enum db_state	 prev = db->state;
	struct db_call	*call;
	int		 quiet, lost = db->reason_lost;
	long long	 ms = 0;

	db->reason_lost = 0;

	if (db->freeing)
		return;
	evtimer_del(db->ev_timer);
	if (next == DB_BACKOFF || next == DB_DISCONNECTED ||
	    (next == DB_CLOSING && db->inflight == NULL))
		db_close_conn(db);
	db->state = next;
	if (reason != NULL)
		db_copy_message(db->reason, sizeof db->reason, "", reason);
	else
		db->reason[0] = '\0';

	quiet = (prev == DB_READY || prev == DB_BUSY) &&
	    (next == DB_READY || next == DB_BUSY);
	if (next == DB_BACKOFF) {
		ms = db_backoff_ms(db);
		db->attempt++;
		if (db->was_ready)
			db_log(db, DB_LOG_ERR, "%s", db->reason);
		else
			db_log(db, DB_LOG_WARNING, "connect failed: %s "
			    "(retry in %lld ms)", db->reason, ms);
		db->was_ready = 0;
	} else if (next == DB_READY && !quiet) {
		db->attempt = 0;
		db->was_ready = 1;
		db_log(db, DB_LOG_INFO, "connected (schema version %d)",
		    db->schema_version);
	} else if (!quiet) {
		db_log(db, DB_LOG_DEBUG, "%s -> %s", db_state_names[prev],
		    db_state_names[next]);
	}

	/* A call in flight when the connection goes is lost with it. */
	if (next == DB_BACKOFF && (call = db->inflight) != NULL) {
		char	buf[600];

		db->inflight = NULL;
		if (lost)
			snprintf(buf, sizeof buf, "%s", db->reason);
		else
			snprintf(buf, sizeof buf, "connection lost: %s",
			    db->reason);
		db_call_fail(db, call, buf, 1);
		if (db->state != next)
			return;
	}
	if (!quiet && db->s.state_cb != NULL) {
		db->in_cb++;
		db->s.state_cb(next, next == DB_BACKOFF ? db->reason : NULL,
		    db->s.state_arg);
		db->in_cb--;
		if (db->state != next || db->freeing)
			return;
	}

	switch (next) {
	case DB_CONNECTING:
		db_connect_start(db);
		break;
	case DB_MIGRATING:
		db_arm_timer(db, db->s.setup_timeout_ms);
		db->mig_step = DB_MIG_SETUP;
		db->functions_current = 0;
		db_send_simple(db, db->setup_sql, "session setup");
		break;
	case DB_PREPARING:
		db_arm_timer(db, db->s.setup_timeout_ms);
		db->prep_next = 0;
		db_prepare_next(db);
		break;
	case DB_READY:
		db_dispatch(db);
		break;
	case DB_BACKOFF:
		db_arm_timer(db, ms);
		break;
	case DB_CLOSING:
		db_arm_timer(db, db->inflight != NULL ?
		    db->s.close_timeout_ms : 0);
		break;
	case DB_BUSY:
	case DB_DISCONNECTED:
		break;
	}
	db_arm_deadline(db);
}

struct db *
db_new(struct event_base *base, const struct db_settings *s)
{
	struct db	*db;

	if (base == NULL || s == NULL || s->conninfo == NULL)
		return NULL;
	if ((db = calloc(1, sizeof *db)) == NULL)
		return NULL;
	db->base = base;
	db->s = *s;
	db->s.conninfo = strdup(s->conninfo);
	db->s.gateway = NULL;
	db->s.application_name = NULL;
	db->setup_sql = db_setup_sql(s->gateway, s->application_name);
	db->ev_timer = evtimer_new(base, db_timer_cb, db);
	db->ev_deadline = evtimer_new(base, db_deadline_cb, db);
	if (db->s.conninfo == NULL || db->setup_sql == NULL ||
	    db->ev_timer == NULL || db->ev_deadline == NULL) {
		if (db->ev_timer != NULL)
			event_free(db->ev_timer);
		if (db->ev_deadline != NULL)
			event_free(db->ev_deadline);
		free((char *)db->s.conninfo);
		free(db->setup_sql);
		free(db);
		return NULL;
	}
#define DB_DEFAULT(f, v) do { if (db->s.f <= 0) db->s.f = (v); } while (0)
	DB_DEFAULT(connect_timeout_ms, DB_DEFAULT_CONNECT_MS);
	DB_DEFAULT(setup_timeout_ms, DB_DEFAULT_SETUP_MS);
	DB_DEFAULT(backoff_min_ms, DB_DEFAULT_BACKOFF_MIN);
	DB_DEFAULT(backoff_max_ms, DB_DEFAULT_BACKOFF_MAX);
	DB_DEFAULT(call_timeout_ms, DB_DEFAULT_CALL_MS);
	DB_DEFAULT(close_timeout_ms, DB_DEFAULT_CLOSE_MS);
#undef DB_DEFAULT
	if (db->s.backoff_max_ms < db->s.backoff_min_ms)
		db->s.backoff_max_ms = db->s.backoff_min_ms;
	db->state = DB_DISCONNECTED;
	TAILQ_INIT(&db->queue);
	return db;
}

int
db_prepare_add(struct db *db, const char *name, const char *sql,
    int nparams)
{
	struct db_stmt	*stmts;
	const char	*why = NULL;
	int		 i;

	if (db->started)
		why = "statements must be added before db_start";
	else if (name == NULL || *name == '\0' || sql == NULL ||
	    nparams < 0 || nparams > 65535)
		why = "bad statement";
	for (i = 0; why == NULL && i < db->nstmts; i++) {
		if (strcmp(db->stmts[i].name, name) == 0)
			why = "duplicate statement name";
	}
	if (why == NULL) {
		stmts = reallocarray(db->stmts, (size_t)db->nstmts + 1,
		    sizeof *stmts);
		if (stmts == NULL)
			why = "out of memory";
		else
			db->stmts = stmts;
	}
	if (why == NULL) {
		stmts[db->nstmts].name = strdup(name);
		stmts[db->nstmts].sql = strdup(sql);
		stmts[db->nstmts].nparams = nparams;
		if (stmts[db->nstmts].name == NULL ||
		    stmts[db->nstmts].sql == NULL) {
			free(stmts[db->nstmts].name);
			free(stmts[db->nstmts].sql);
			why = "out of memory";
		}
	}
	if (why != NULL) {
		db_log(db, DB_LOG_ERR, "prepare %s: %s",
		    name != NULL ? name : "(null)", why);
		return -1;
	}
	db->nstmts++;
	return 0;
}

int
db_start(struct db *db)
{
	if (db->started) {
		db_log(db, DB_LOG_ERR, "already started");
		return -1;
	}
	db->started = 1;
	db_set_state(db, DB_CONNECTING, NULL);
	return 0;
}

/* Fail every call, close, free. Called from the loop or db_free(). */
static void
db_finalize(struct db *db)
{
	struct db_call	*call;
	int		 i;

	db->freeing = 1;
	evtimer_del(db->ev_timer);
	evtimer_del(db->ev_deadline);
	db_close_conn(db);
	if ((call = db->inflight) != NULL) {
		db->inflight = NULL;
		db_call_fail(db, call, "db closed", 1);
	}
	while ((call = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, call, entry);
		db_call_fail(db, call, "db closed", 1);
	}
	event_free(db->ev_timer);
	event_free(db->ev_deadline);
	for (i = 0; i < db->nstmts; i++) {
		free(db->stmts[i].name);
		free(db->stmts[i].sql);
	}
	free(db->stmts);
	free((char *)db->s.conninfo);
	free(db->setup_sql);
	free(db);
}

void
db_free(struct db *db)
{
	if (db == NULL || db->freeing || db->state == DB_CLOSING)
		return;
	if (db->inflight == NULL && db->in_cb == 0) {
		db_log(db, DB_LOG_DEBUG, "closed");
		db_finalize(db);
		return;
	}
	/* Finish the call in flight, or get out of the callback first. */
	db_set_state(db, DB_CLOSING, NULL);
}

int
db_is_ready(const struct db *db)
{
	return db->state == DB_READY || db->state == DB_BUSY;
}

enum db_state
db_get_state(const struct db *db)
{
	return db->state;
}

const char *
db_state_name(enum db_state state)
{
	if ((unsigned)state >= sizeof db_state_names / sizeof db_state_names[0])
		return "unknown";
	return db_state_names[state];
}

size_t
db_queue_length(const struct db *db)
{
	const struct db_call	*call;
	size_t			 n = db->inflight != NULL;

	TAILQ_FOREACH(call, &db->queue, entry)
		n++;
	return n;
}

int
db_schema_version(const struct db *db)
{
	return db->schema_version;
}

int
db_schema_latest(void)
{
	return migrate_latest();
}

int
db_call_timeout(struct db *db, int timeout_ms, const char *stmt,
    int nparams, const char *const *values, db_result_cb cb, void *arg)
{
	const struct db_stmt	*st = NULL;
	struct db_call		*call;
	size_t			 size, len;
	char			*p;
	int			 i;

	if (db->freeing || db->state == DB_CLOSING) {
		db_log(db, DB_LOG_ERR, "call %s: db closing", stmt);
		return -1;
	}
	for (i = 0; i < db->nstmts; i++) {
		if (strcmp(db->stmts[i].name, stmt) == 0) {
			st = &db->stmts[i];
			break;
		}
	}
	if (st == NULL || nparams != st->nparams || cb == NULL ||
	    timeout_ms <= 0 || (nparams > 0 && values == NULL)) {
		db_log(db, DB_LOG_ERR, "call %s: %s", stmt, st == NULL ?
		    "unknown statement" : "bad arguments");
		return -1;
	}

	/* One block: the call, the value pointers, the value bytes. */
	size = sizeof *call + (size_t)nparams * sizeof(char *);
	for (i = 0; i < nparams; i++) {
		if (values[i] != NULL)
			size += strlen(values[i]) + 1;
	}
	if ((call = calloc(1, size)) == NULL) {
		db_log(db, DB_LOG_ERR, "call %s: out of memory", stmt);
		return -1;
	}
	call->values = (char **)(call + 1);
	p = (char *)(call->values + nparams);
	for (i = 0; i < nparams; i++) {
		if (values[i] == NULL)
			continue;
		len = strlen(values[i]) + 1;
		memcpy(p, values[i], len);
		call->values[i] = p;
		p += len;
	}
	call->stmt = st;
	call->nparams = nparams;
	call->timeout_ms = timeout_ms;
	call->deadline = db_now_ms() + timeout_ms;
	call->cb = cb;
	call->arg = arg;
	TAILQ_INSERT_TAIL(&db->queue, call, entry);
	db_arm_deadline(db);
	db_dispatch(db);
	return 0;
}

int
db_call(struct db *db, const char *stmt, int nparams,
    const char *const *values, db_result_cb cb, void *arg)
{
	return db_call_timeout(db, db->s.call_timeout_ms, stmt, nparams,
	    values, cb, arg);
}

int
db_sqlstate_is_conflict(const char *sqlstate)
{
	return sqlstate != NULL && (strcmp(sqlstate, "40001") == 0 ||
	    strcmp(sqlstate, "40P01") == 0);
}

int
db_sqlstate_is_transient(const char *sqlstate)
{
	static const char *const transient[] = {
		"08",		/* connection exception */
		"53",		/* insufficient resources */
		"57P",		/* shutdown, crash, cannot connect now... */
		"40001",	/* serialization failure */
		"40P01",	/* deadlock detected */
	};
	size_t	i;

	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return 0;
	for (i = 0; i < sizeof transient / sizeof transient[0]; i++) {
		if (strncmp(sqlstate, transient[i], strlen(transient[i])) == 0)
			return 1;
	}
	return 0;
}
