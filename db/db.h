/*
 * db.h: the asynchronous PostgreSQL engine. One connection driven from the
 * daemon's libevent loop through libpq's non-blocking API; it migrates the
 * schema, prepares the registered statements after every (re)connect, and
 * runs calls one at a time in FIFO order. Nothing in it blocks the loop.
 *
 * Called by the daemon (gateway/) and its use-case queries. See
 * db/database.md for the states, the timeouts and the schema.
 */
#ifndef FAROL_DB_H
#define FAROL_DB_H

#include <stddef.h>

#include <libpq-fe.h>

struct db;
struct event_base;

/* The engine's states; db/database.md has the diagram. */
enum db_state {
	DB_DISCONNECTED,	/* created, not started */
	DB_CONNECTING,		/* PQconnectStart/PQconnectPoll */
	DB_MIGRATING,		/* session setup, then schema migrations */
	DB_PREPARING,		/* PQsendPrepare of every registered statement */
	DB_READY,		/* connected, nothing in flight */
	DB_BUSY,		/* connected, one call in flight */
	DB_BACKOFF,		/* waiting before the next connection attempt */
	DB_CLOSING,		/* db_free(): finishing the call in flight */
};

/* Log levels, the syslog values. */
#define DB_LOG_ERR	3
#define DB_LOG_WARNING	4
#define DB_LOG_INFO	6
#define DB_LOG_DEBUG	7

/*
 * The result of one call, exactly once, from the loop. On success res is
 * the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK; valid only during the
 * callback) and error is NULL. On failure res is NULL and error says why
 * (valid only during the callback).
 */
struct db_error {
	/* For the log: "server error SQLSTATE: message", "connection
	 * lost: ...", "timed out after N ms ...", "db closed". */
	const char	*message;
	/* 1 when the same call may succeed later: the engine's own
	 * failures (connection lost, timed out, db closed) or a server
	 * error whose SQLSTATE db_sqlstate_is_transient() accepts. Set
	 * where the failure happens, never guessed from message. */
	int		 transient;
	/* 1 when the server rolled the call's transaction back to end a
	 * deadlock or a serialization failure (40P01, 40001): nothing of
	 * it was kept, and the same call may be sent again at once. */
	int		 rolled_back;
};
typedef void	(*db_result_cb)(const PGresult *res,
		    const struct db_error *error, void *arg);

/*
 * Every state change except READY <-> BUSY. reason is set when entering
 * DB_BACKOFF and NULL otherwise: one line saying why, "connection lost:
 * ..." when a working connection went away (time to spool), else why the
 * attempt failed ("connect: ...", "connect timed out after N ms",
 * "migration N: ...", "prepare NAME: ..."). DB_READY means connected.
 */
typedef void	(*db_state_cb)(enum db_state state, const char *reason,
		    void *arg);

/* Log sink; lines carry no "db: " prefix. Never given message text. */
typedef void	(*db_log_fn)(void *arg, int level, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Zero means the default given in brackets. */
struct db_settings {
	const char	*conninfo;		/* libpq conninfo, required */
	int		 connect_timeout_ms;	/* [5000] one connect attempt */
	int		 setup_timeout_ms;	/* [60000] migrate + prepare */
	int		 backoff_min_ms;	/* [200] first retry delay */
	int		 backoff_max_ms;	/* [30000] cap of the doubling */
	int		 call_timeout_ms;	/* [30000] db_call() deadline */
	int		 close_timeout_ms;	/* [5000] db_free() grace */
	int		 skip_migrations;	/* 1: never migrate (tools) */
	/* 1: do not migrate, but refuse a schema not at this build's
	 * version (a runtime role that may not change it; the owner
	 * migrates with farolctl db init) */
	int		 check_schema_only;
	/* This gateway's name (gateway.name), set as the session's
	 * farol.gateway at every connection: the tables' defaults and the
	 * functions read it (db/database.md, "Several gateways"). NULL or
	 * "": none. Letters, digits, '.', '_' and '-' only. */
	const char	*gateway;
	/* The session's application_name (pg_stat_activity), set at every
	 * connection after the conninfo's; NULL or "": the conninfo's.
	 * Same characters as gateway. */
	const char	*application_name;
	db_state_cb	 state_cb;
	void		*state_arg;
	db_log_fn	 log;			/* NULL: no logging */
	void		*log_arg;
};

/*
 * Create an engine on base; s is copied. Returns NULL if conninfo is
 * missing or memory is short. Nothing happens until db_start().
 */
struct db	*db_new(struct event_base *base, const struct db_settings *s);

/*
 * Register a statement to prepare on every connection, before db_start().
 * name, sql are copied. Returns 0, or -1 (reason logged: duplicate name,
 * already started, bad nparams, no memory).
 */
int		 db_prepare_add(struct db *db, const char *name,
		    const char *sql, int nparams);

/* Start connecting. Returns 0, or -1 (logged) if already started. */
int		 db_start(struct db *db);

/*
 * Stop: calls queued but not sent fail with "db closed"; a call in flight
 * is given close_timeout_ms to finish. If nothing is in flight and this is
 * not called from one of the engine's callbacks, db is freed before
 * db_free() returns; otherwise it is freed from the loop shortly after, so
 * keep the loop running until event_base_dispatch() returns. db must not
 * be used after this call.
 */
void		 db_free(struct db *db);

/* Connected and usable (DB_READY or DB_BUSY). */
int		 db_is_ready(const struct db *db);
enum db_state	 db_get_state(const struct db *db);
const char	*db_state_name(enum db_state state);
/* Calls queued or in flight (for status pages and metrics). */
size_t		 db_queue_length(const struct db *db);
/* The schema version found or reached at the last migration; 0 if none. */
int		 db_schema_version(const struct db *db);
/* The newest schema version this build knows. */
int		 db_schema_latest(void);

/*
 * Queue one execution of the prepared statement stmt with nparams text
 * parameters (a NULL entry is SQL NULL); values are copied now. cb runs
 * exactly once, from the loop, never from inside db_call(). Each call is
 * its own implicit transaction. Calls wait in the queue across reconnects
 * until their deadline (call_timeout_ms from now). A call in flight when
 * the connection drops fails with "connection lost: ..." (it may or may
 * not have committed: callers use idempotent statements and retry).
 *
 * Returns 0 when queued; -1 (cb never called, reason logged) when stmt is
 * unknown, nparams does not match, db is closing or memory is short.
 */
int		 db_call(struct db *db, const char *stmt, int nparams,
		    const char *const *values, db_result_cb cb, void *arg);

/* 1 when this SQLSTATE says the transaction was rolled back to end a
 * deadlock or a serialization failure (struct db_error's rolled_back). */
int		 db_sqlstate_is_conflict(const char *sqlstate);

/*
 * 1 when a server error with this SQLSTATE is worth retrying later:
 * class 08 (connection), 53 (resources), 57P (shutdown, crash, cannot
 * connect now), 40001 (serialization) and 40P01 (deadlock). Every other
 * SQLSTATE is permanent: the same call would fail the same way.
 */
int		 db_sqlstate_is_transient(const char *sqlstate);

/* db_call() with its own deadline of timeout_ms (> 0) from now. */
int		 db_call_timeout(struct db *db, int timeout_ms,
		    const char *stmt, int nparams, const char *const *values,
		    db_result_cb cb, void *arg);

#endif
