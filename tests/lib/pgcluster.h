/*
 * pgcluster.h: a private PostgreSQL for one test program, wrapping
 * scripts/pgcluster.sh. Every cluster started lives in a fresh temporary
 * directory and is destroyed (server stopped, directory removed) by
 * pgcluster_destroy(), at exit, or when the test dies of SIGTERM, SIGINT,
 * SIGABRT, SIGSEGV or SIGBUS.
 *
 * The query helpers open a short blocking libpq connection each: they are
 * for assertions in tests, never for code under test.
 */
#ifndef FAROL_TESTS_PGCLUSTER_H
#define FAROL_TESTS_PGCLUSTER_H

struct pgcluster;

/*
 * Create a directory under $TMPDIR (or /tmp), initdb and start a cluster
 * there. why names the test in log lines. Returns NULL (after cleaning up
 * and printing the reason) on failure.
 */
struct pgcluster	*pgcluster_start(const char *why);

/*
 * A streaming standby of primary (pg_basebackup -R), started, in its own
 * directory; read-only until pgcluster_promote(). Replication is
 * asynchronous unless the test sets synchronous_standby_names on the
 * primary. NULL on failure, as pgcluster_start().
 */
struct pgcluster	*pgcluster_start_standby(struct pgcluster *primary,
			     const char *why);
/* pg_ctl promote, waiting until the standby accepts writes. */
int			 pgcluster_promote(struct pgcluster *c);

/* "host=DIR port=5432 dbname=farol user=farol"; owned by c. */
const char		*pgcluster_conninfo(const struct pgcluster *c);
/* The cluster directory (its Unix socket lives there); owned by c. */
const char		*pgcluster_dir(const struct pgcluster *c);

/* Stop the server (fast, or immediate: a crash as far as data goes). */
int			 pgcluster_stop(struct pgcluster *c, int immediate);
/* Start it again (stopping it first, fast, if it runs). Same conninfo. */
int			 pgcluster_restart(struct pgcluster *c);
/* Stop immediately, remove the directory, free c. */
int			 pgcluster_destroy(struct pgcluster *c);

/*
 * Run sql and return the single value of its single row as a long;
 * LONG_MIN (and a message on stderr) on error, on SQL NULL or when the
 * result is not exactly one value.
 */
long			 pgcluster_query_long(struct pgcluster *c,
			     const char *sql);
/*
 * Run sql and return the single value as text (caller frees); NULL (and a
 * message on stderr unless the value is SQL NULL) otherwise.
 */
char			*pgcluster_query_text(struct pgcluster *c,
			     const char *sql);
/* Run sql (any number of statements); 0, or -1 with a message on stderr. */
int			 pgcluster_exec(struct pgcluster *c, const char *sql);

#endif
