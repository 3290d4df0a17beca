/*
 * console.c: integration tests ask farold through farolctl (see
 * console.h). Text tables are parsed as farolctl.8 describes them: a
 * header of tab-separated column names, one row per line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "stored.h"
#include "gateway_proc.h"
#include "testproc.h"

#define CONSOLE_MAX_ARGS 16
#define CONSOLE_MAX_COLUMNS 32

static void
console_socket(const struct gateway_proc *g, char *buf, size_t len)
{
	snprintf(buf, len, "%s/farold.sock", g->dir);
}

int
console_run(const struct gateway_proc *g, char **out, ...)
{
	const char *argv[CONSOLE_MAX_ARGS + 4];
	char farolctl[512], sock[512];
	const char *a;
	va_list ap;
	int n = 0, status;

	snprintf(farolctl, sizeof farolctl, "%s/gateway/farolctl",
	    g->build_root);
	console_socket(g, sock, sizeof sock);
	argv[n++] = farolctl;
	argv[n++] = "-s";
	argv[n++] = sock;
	va_start(ap, out);
	while ((a = va_arg(ap, const char *)) != NULL &&
	    n < CONSOLE_MAX_ARGS)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	if (testproc_run(argv, out, &status) != 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
console_show(const struct gateway_proc *g, const char *what, int json,
    char **out)
{
	if (json)
		return console_run(g, out, "show", "--json", what, NULL);
	return console_run(g, out, "show", what, NULL);
}

/* Split line at tabs into at most max fields (in place); the count. */
static int
console_split(char *line, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		fields[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

/*
 * Walk the rows of `show what': for each row whose key_col is key (or
 * every row), fn gets the field of column. Returns -1 when farolctl
 * failed or a column is unknown.
 */
static int
console_rows(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key,
    int (*fn)(const char *value, void *), void *arg)
{
	char *out = NULL, *line, *next, *head[CONSOLE_MAX_COLUMNS],
	    *row[CONSOLE_MAX_COLUMNS];
	int n, c = -1, k = -1, rc = -1;

	if (console_show(g, what, 0, &out) != 0 || out == NULL)
		goto out;
	if ((next = strchr(out, '\n')) == NULL)
		goto out;
	*next++ = '\0';
	n = console_split(out, head, CONSOLE_MAX_COLUMNS);
	for (int i = 0; i < n; i++) {
		if (strcmp(head[i], column) == 0)
			c = i;
		if (key_col != NULL && strcmp(head[i], key_col) == 0)
			k = i;
	}
	if (c < 0 || (key_col != NULL && k < 0))
		goto out;
	rc = 0;
	while ((line = next) != NULL && *line != '\0') {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (console_split(line, row, CONSOLE_MAX_COLUMNS) != n)
			continue;
		if (k >= 0 && strcmp(row[k], key) != 0)
			continue;
		if (fn(row[c], arg) != 0)
			break;
	}
out:
	free(out);
	return rc;
}

static int
console_first(const char *value, void *arg)
{
	*(char **)arg = strdup(value);
	return 1;
}

char *
console_text(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key)
{
	char *v = NULL;

	console_rows(g, what, column, key_col, key, console_first, &v);
	return v;
}

long
console_value(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key)
{
	char *v = console_text(g, what, column, key_col, key), *end;
	long n = LONG_MIN;

	if (v != NULL && *v != '\0') {
		n = strtol(v, &end, 10);
		if (*end != '\0')
			n = LONG_MIN;
	}
	free(v);
	return n;
}

static int
console_add(const char *value, void *arg)
{
	long *sum = arg;

	*sum += strtol(value, NULL, 10);
	return 0;
}

long
console_sum(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key)
{
	long sum = 0;

	if (console_rows(g, what, column, key_col, key, console_add, &sum)
	    != 0)
		return LONG_MIN;
	return sum;
}

struct console_poll {
	const struct gateway_proc *g;
	const char *what, *column, *key_col, *key;
	long want, last;
};

static int
console_reached(void *arg)
{
	struct console_poll *p = arg;

	p->last = console_value(p->g, p->what, p->column, p->key_col, p->key);
	return p->last == p->want;
}

long
console_wait(const struct gateway_proc *g, int timeout_ms, long want,
    const char *what, const char *column, const char *key_col,
    const char *key)
{
	struct console_poll p = { g, what, column, key_col, key, want, 0 };

	test_wait_until(timeout_ms, console_reached, &p);
	return p.last;
}

struct console_text_poll {
	const struct gateway_proc *g;
	const char *what, *column, *key_col, *key, *want;
};

static int
console_text_reached(void *arg)
{
	struct console_text_poll *p = arg;
	char sock[512], *v;
	int ok;

	/* Not before farold made its socket: farolctl would only print
	 * "cannot reach farold" at every poll of a start-up. */
	console_socket(p->g, sock, sizeof sock);
	if (access(sock, F_OK) != 0)
		return 0;
	v = console_text(p->g, p->what, p->column, p->key_col, p->key);
	ok = v != NULL && strcmp(v, p->want) == 0;

	free(v);
	return ok;
}

int
console_wait_db_ready(const struct gateway_proc *g, int timeout_ms)
{
	struct console_text_poll p = { g, "spool", "database", NULL, NULL,
	    "ready" };

	return test_wait_until(timeout_ms, console_text_reached, &p);
}

int
console_wait_modem(const struct gateway_proc *g, const char *name,
    int timeout_ms)
{
	struct console_text_poll p = { g, "modems", "connected", "name", name,
	    "yes" };

	return test_wait_until(timeout_ms, console_text_reached, &p);
}

int
console_reload(const struct gateway_proc *g, char **out)
{
	return console_run(g, out, "reload", NULL);
}

struct console_sent_rows {
	const struct gateway_proc *g;
	struct pgcluster *pg;
	long sent, rows;
};

static int
console_sent_matches_outbox(void *arg)
{
	struct console_sent_rows *s = arg;

	s->sent = console_sum(s->g, "modems", "sent", NULL, NULL);
	s->rows = stored_q(s->pg, "SELECT count(*) FROM outbox WHERE state "
	    "IN ('submitted', 'delivered')");
	return s->sent == s->rows;
}

int
console_wait_sent_matches_outbox(const struct gateway_proc *g,
    struct pgcluster *pg, int timeout_ms, long *sent, long *rows)
{
	struct console_sent_rows s = { g, pg, -1, -1 };
	int rc;

	rc = test_wait_until(timeout_ms, console_sent_matches_outbox, &s);
	*sent = s.sent;
	*rows = s.rows;
	return rc;
}
