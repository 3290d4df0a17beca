/*
 * show.h: the console, `farolctl show WHAT [json]' on the admin socket,
 * after pgbouncer's SHOW commands. One file per WHAT (show_modems.c,
 * show_inbox.c, show_spool.c, show_outbox.c, show_alerts.c,
 * show_gateways.c); each writes
 * one table (table.h) with stable columns, documented in farolctl.8.
 *
 * modems, inbox and spool are read from memory and answered at once.
 * outbox, alerts and gateways come from the database through the daemon's
 * asynchronous engine: while the database is not connected they answer
 * "ERR database not connected" at once instead of waiting for it. No
 * table carries message text or a full phone number.
 */
#ifndef FAROL_SHOW_H
#define FAROL_SHOW_H

#include <libpq-fe.h>

struct admin_reply;
struct db;
struct inbox;
struct modem;
struct janitor;
struct outbox;
struct presence;
struct replay;
struct spool;

/* What the console reads; the daemon owns it all. */
struct show_sources {
	struct db *db;
	struct inbox *inbox;
	struct spool *spool;
	struct replay *replay;
	struct outbox *outbox;
	struct modem *const *modems;
	const int *n_modems;
	struct presence *presence;	/* this gateway's name */
	struct janitor *janitor;	/* whether it is the janitor */
	struct ingest *ingest;		/* its lanes */
};

/* Register the database-backed commands' statements (before db_start). */
void show_prepare(struct db *db);

/* The admin command "show": args is "WHAT" or "WHAT json". */
void show_run(const char *args, struct admin_reply *r, void *arg);

/* One per file; each finishes r. */
void show_modems(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_inbox(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_spool(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_lanes(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_outbox(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_alerts(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_gateways(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_outbox_prepare(struct db *db);
void show_gateways_prepare(struct db *db);
void show_alerts_prepare(struct db *db);

/* A table of the rows of the prepared statement stmt (no parameters):
 * its columns are the statement's, in its order, typed as it types them
 * (boolean, integer, or text). */
void show_query(const struct show_sources *s, struct admin_reply *r,
    int json, const char *stmt);

/* Tables from prepared statements run one after the other with the same
 * parameters (NULL ones are SQL NULL). With two, each table is named by
 * names[]: as text a "name:" line before it, as JSON one object
 * {"name": [rows], ...}. empty_error: the first table has no row, answer
 * ERR with it instead (an unknown alert). */
struct show_steps {
	int json;
	const char *stmts[3];		/* NULL-terminated, at most 2 */
	const char *names[2];
	const char *empty_error;
	int nparams;
	const char *params[5];
	int timeout_ms;		/* per statement; 0: the console's 5 s */
};
/* Whether the database is connected; when not, r is finished with ERR
 * "database not connected" at once (queued calls would wait). */
int show_db_ready(struct db *db, struct admin_reply *r);
void show_query_steps(const struct show_sources *s, struct admin_reply *r,
    const struct show_steps *q);

#endif
