/*
 * dbtest.h: small helpers shared by the db engine tests: a result
 * recorder for db_call() callbacks, a state recorder for the state
 * callback, a stderr logger, predicates for testloop_run_until(), and
 * the schema made in a private cluster.
 */
#ifndef FAROL_TESTS_DBTEST_H
#define FAROL_TESTS_DBTEST_H

#include "db.h"

#define DBTEST_MAXF	8

struct dbtest_result {
	int		 calls;		/* times the callback ran */
	int		 ok;
	char		 error[512];
	int		 transient;	/* of the error */
	int		 ntuples;
	char		*row[DBTEST_MAXF];	/* first row, NULL = SQL NULL */
	long		 at_ms;		/* when the callback ran */
};

struct dbtest_states {
	int		 count[DB_CLOSING + 1];
	enum db_state	 last;
	char		 reason[512];
	long		 at_ms[64];	/* when each BACKOFF was entered */
	int		 nbackoff;
};

void	dbtest_result_cb(const PGresult *res, const struct db_error *error,
	    void *arg);
void	dbtest_result_reset(struct dbtest_result *r);
int	dbtest_result_done(void *arg);

void	dbtest_state_cb(enum db_state state, const char *reason,
	    void *arg);

void	dbtest_log(void *arg, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Predicate: db_is_ready(arg). */
int	dbtest_ready(void *db);

/* Settings with the test logger and recorder, short timeouts. */
void	dbtest_settings(struct db_settings *s, const char *conninfo,
	    struct dbtest_states *st);

struct pgcluster;

/* One schema file's lines joined into one allocated SQL string (the
 * caller frees it), as dbtest_schema sends each file. */
char	*dbtest_file_sql(const char *const *lines);
/* Every migration, then every function file, as db/migrate.c does,
 * straight into the cluster's database (no engine). */
void	dbtest_schema(struct pgcluster *cluster);
/* A blocking connection to database dbname of the cluster (warnings
 * only), or the test stops. */
PGconn	*dbtest_connect(struct pgcluster *cluster, const char *dbname);
/* Run sql (one or more statements); it must succeed, or the test stops. */
void	dbtest_exec_ok(PGconn *c, const char *sql);

#endif
