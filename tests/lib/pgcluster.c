/*
 * pgcluster.c: private PostgreSQL clusters for tests, through
 * scripts/pgcluster.sh run with fork/exec (never a shell string). Keeps a
 * list of live clusters and destroys them at exit and on fatal signals, so
 * a failing test never leaves a server or a directory behind.
 *
 * The signal handler only uses fork, execv, waitpid, sigaction and raise,
 * on argument vectors built before the signal could arrive.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pgcluster.h"
#include "testproc.h"

#ifndef PGCLUSTER_SCRIPT
#define PGCLUSTER_SCRIPT "scripts/pgcluster.sh"
#endif

struct pgcluster {
	char			*dir;
	char			*conninfo;
	char			*why;
	pid_t			 owner;		/* only this process cleans up */
	const char		*destroy_argv[4];
	struct pgcluster	*next;
};

static struct pgcluster	*pgcluster_list;
static int		 pgcluster_hooked;

static const int pgcluster_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGABRT, SIGSEGV, SIGBUS
};

static const char *
pgcluster_script(void)
{
	const char	*s = getenv("FAROL_PGCLUSTER");

	return (s != NULL && *s != '\0') ? s : PGCLUSTER_SCRIPT;
}

/* Async-signal-safe: fork, exec the destroy vector, wait. */
static void
pgcluster_destroy_raw(struct pgcluster *c)
{
	pid_t	pid;
	int	status;

	if (c->owner != getpid())
		return;
	pid = fork();
	if (pid == 0) {
		execv(c->destroy_argv[0], (char *const *)c->destroy_argv);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
}

static void
pgcluster_atexit(void)
{
	struct pgcluster	*c;

	for (c = pgcluster_list; c != NULL; c = c->next)
		pgcluster_destroy_raw(c);
}

static void
pgcluster_signal(int sig)
{
	struct pgcluster	*c;
	struct sigaction	 sa;

	for (c = pgcluster_list; c != NULL; c = c->next)
		pgcluster_destroy_raw(c);
	pgcluster_list = NULL;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	raise(sig);
}

static void
pgcluster_hook(void)
{
	struct sigaction	sa;
	size_t			i;

	if (pgcluster_hooked)
		return;
	pgcluster_hooked = 1;
	atexit(pgcluster_atexit);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pgcluster_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof pgcluster_signals / sizeof pgcluster_signals[0];
	    i++)
		sigaction(pgcluster_signals[i], &sa, NULL);
}

static void
pgcluster_unlink(struct pgcluster *c)
{
	struct pgcluster	**pp;

	for (pp = &pgcluster_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

static void
pgcluster_free(struct pgcluster *c)
{
	free(c->dir);
	free(c->conninfo);
	free(c->why);
	free(c);
}

/* Run the script with verb and optional argument; capture stdout if out. */
static int
pgcluster_script_run(struct pgcluster *c, const char *verb, const char *arg,
    char **out)
{
	const char	*argv[5];
	int		 status;

	argv[0] = pgcluster_script();
	argv[1] = verb;
	argv[2] = c->dir;
	argv[3] = arg;
	argv[4] = NULL;
	if (testproc_run(argv, out, &status) == -1) {
		fprintf(stderr, "pgcluster %s: cannot run %s: %s\n", c->why,
		    argv[0], strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pgcluster %s: %s %s failed (status %d)\n",
		    c->why, argv[0], verb, status);
		return -1;
	}
	return 0;
}

/* Run verb (start, or standby with the primary's directory) and keep the
 * conninfo it prints. */
static int
pgcluster_script_start(struct pgcluster *c, const char *verb, const char *arg)
{
	char	*out = NULL;
	size_t	 len;

	if (pgcluster_script_run(c, verb, arg, &out) == -1) {
		free(out);
		return -1;
	}
	len = strcspn(out, "\n");
	out[len] = '\0';
	if (len == 0) {
		fprintf(stderr, "pgcluster %s: %s printed no conninfo\n",
		    c->why, verb);
		free(out);
		return -1;
	}
	free(c->conninfo);
	c->conninfo = out;
	return 0;
}

/* A fresh directory under $TMPDIR, registered for clean-up, then verb. */
static struct pgcluster *
pgcluster_create(const char *why, const char *verb, const char *arg)
{
	struct pgcluster	*c;
	const char		*tmp = getenv("TMPDIR");
	char			*dir;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&dir, "%s/farol-pg-XXXXXX", tmp) == -1)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "pgcluster %s: mkdtemp %s: %s\n", why, dir,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		rmdir(dir);
		free(dir);
		return NULL;
	}
	c->dir = dir;
	c->why = strdup(why != NULL ? why : "test");
	c->owner = getpid();
	c->destroy_argv[0] = pgcluster_script();
	c->destroy_argv[1] = "destroy";
	c->destroy_argv[2] = c->dir;
	c->destroy_argv[3] = NULL;
	pgcluster_hook();
	c->next = pgcluster_list;
	pgcluster_list = c;

	fprintf(stderr, "pgcluster %s: %s in %s\n", c->why, verb, c->dir);
	if (pgcluster_script_start(c, verb, arg) == -1) {
		pgcluster_destroy(c);
		return NULL;
	}
	return c;
}

struct pgcluster *
pgcluster_start(const char *why)
{
	return pgcluster_create(why, "start", NULL);
}

struct pgcluster *
pgcluster_start_standby(struct pgcluster *primary, const char *why)
{
	return pgcluster_create(why, "standby", primary->dir);
}

int
pgcluster_promote(struct pgcluster *c)
{
	return pgcluster_script_run(c, "promote", NULL, NULL);
}

const char *
pgcluster_conninfo(const struct pgcluster *c)
{
	return c->conninfo;
}

const char *
pgcluster_dir(const struct pgcluster *c)
{
	return c->dir;
}

int
pgcluster_stop(struct pgcluster *c, int immediate)
{
	return pgcluster_script_run(c, "stop", immediate ? "immediate" : "fast",
	    NULL);
}

int
pgcluster_restart(struct pgcluster *c)
{
	if (pgcluster_stop(c, 0) == -1)
		return -1;
	return pgcluster_script_start(c, "start", NULL);
}

int
pgcluster_destroy(struct pgcluster *c)
{
	int	rc;

	if (c == NULL)
		return 0;
	rc = pgcluster_script_run(c, "destroy", NULL, NULL);
	pgcluster_unlink(c);
	pgcluster_free(c);
	return rc;
}

/* Blocking, for assertions only. Returns the result or NULL. */
static PGresult *
pgcluster_query(struct pgcluster *c, const char *sql, PGconn **connp)
{
	PGconn		*conn;
	PGresult	*res;

	*connp = NULL;
	conn = PQconnectdb(c->conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "pgcluster %s: connect: %s", c->why,
		    PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "pgcluster %s: %s: %s", c->why, sql,
		    PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	*connp = conn;
	return res;
}

static const char *
pgcluster_single(struct pgcluster *c, const char *sql, PGresult *res)
{
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 1) {
		fprintf(stderr, "pgcluster %s: %s: want 1 value, got %d rows "
		    "of %d columns\n", c->why, sql, PQntuples(res),
		    PQnfields(res));
		return NULL;
	}
	if (PQgetisnull(res, 0, 0))
		return NULL;
	return PQgetvalue(res, 0, 0);
}

long
pgcluster_query_long(struct pgcluster *c, const char *sql)
{
	PGconn		*conn;
	PGresult	*res;
	const char	*v;
	char		*end;
	long		 n = LONG_MIN;

	if ((res = pgcluster_query(c, sql, &conn)) == NULL)
		return LONG_MIN;
	if ((v = pgcluster_single(c, sql, res)) != NULL) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v) {
			fprintf(stderr, "pgcluster %s: %s: not an integer\n",
			    c->why, sql);
			n = LONG_MIN;
		}
	}
	PQclear(res);
	PQfinish(conn);
	return n;
}

char *
pgcluster_query_text(struct pgcluster *c, const char *sql)
{
	PGconn		*conn;
	PGresult	*res;
	const char	*v;
	char		*s = NULL;

	if ((res = pgcluster_query(c, sql, &conn)) == NULL)
		return NULL;
	if ((v = pgcluster_single(c, sql, res)) != NULL)
		s = strdup(v);
	PQclear(res);
	PQfinish(conn);
	return s;
}

int
pgcluster_exec(struct pgcluster *c, const char *sql)
{
	PGconn		*conn;
	PGresult	*res;

	if ((res = pgcluster_query(c, sql, &conn)) == NULL)
		return -1;
	PQclear(res);
	PQfinish(conn);
	return 0;
}
