/*
 * purge.c: the retention job (see purge.h).
 *
 * Called by farold: the janitor's job (janitor.h, in the one gateway
 * holding the janitor's lock, once a day), and the console's `purge
 * [dry]'. One run removes the spool's set-aside
 * files past the limit, then calls farol_purge (each call one
 * transaction, recorded in purge_log; the first with the count of files
 * removed) until no column fills its batch.
 * Files waiting for the database (the spool's *.msg, forwards' *.fwd)
 * are never removed: they are reports not yet stored. Never logs a phone
 * number or a text: counts.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "admin.h"
#include "console_act.h"
#include "log.h"
#include "purge.h"
#include "show.h"
#include "table.h"

/* Rows per column and call: a call holds farold's one connection, so
 * the first purge of a database kept for years goes in many short
 * batches, with the gateway's own calls in between (db/retention.md). */
#define PURGE_BATCH 500
#define PURGE_CALL_TIMEOUT_MS 30000
#define PURGE_MAX_WHAT 16
#define PURGE_EVERY_S 86400

struct purge {
	struct db *db;
	struct config *const *cfgp;
	time_t last_run;	/* the janitor's last start; 0: never */
	int running;		/* a janitor's run is in flight */
	int batch;		/* PURGE_BATCH, or FAROL_TEST_PURGE_BATCH */
	int stopped;
};

void
purge_prepare(struct db *db)
{
	db_prepare_add(db, "purge_run", "SELECT what, rows FROM farol_purge("
	    "to_timestamp($1::double precision), "
	    "to_timestamp($2::double precision), $3, $4::boolean, "
	    "$5::int, $6::int)", 6);
}

/* The limit of days: now minus days, as epoch seconds. */
static time_t
purge_limit(time_t now, int days)
{
	return now - (time_t)days * 86400;
}

/* The same as the database's timestamp, to the microsecond: with 0 days
 * what came a moment ago is past it too. */
static void
purge_limit_text(char *buf, size_t size, const struct timespec *now,
    int days)
{
	snprintf(buf, size, "%lld.%06ld", (long long)purge_limit(now->tv_sec,
	    days), now->tv_nsec / 1000);
}

/* In spool_dir/sub, the files last changed before `before' (only those
 * ending with suffix, when given): removed, or counted when dry. */
static int
purge_spool_sub(const char *spool_dir, const char *sub, const char *suffix,
    time_t before, int dry)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	size_t len, slen = suffix != NULL ? strlen(suffix) : 0;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof path, "%s/%s", spool_dir, sub);
	if ((dir = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(de->d_name);
		if (suffix != NULL && (len < slen ||
		    strcmp(de->d_name + len - slen, suffix) != 0))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_mtime >= before)
			continue;
		if (dry || unlinkat(dirfd(dir), de->d_name, 0) == 0)
			n++;
		else
			log_warn("purge: %s/%s: cannot remove it", sub,
			    de->d_name);
	}
	if (!dry && n > 0)
		fsync(dirfd(dir));
	closedir(dir);
	return n;
}

/* The set-aside files hold a sender and a text (corrupt/) or may
 * (*.bad): the shorter limit applies. */
static int
purge_spool(const struct config *cfg, time_t now, int dry)
{
	int days = cfg->retain_text_days < cfg->retain_numbers_days ?
	    cfg->retain_text_days : cfg->retain_numbers_days;
	time_t before = purge_limit(now, days);

	return purge_spool_sub(cfg->spool_dir, "corrupt", NULL, before, dry) +
	    purge_spool_sub(cfg->spool_dir, "results", ".bad", before, dry) +
	    purge_spool_sub(cfg->spool_dir, "forwards", ".bad", before, dry);
}

/* One run: batches of farol_purge until none is full and no walk was
 * cut short (db/retention.md). */
struct purge_call {
	struct purge *p;
	struct admin_reply *r;	/* the console's, or NULL: the janitor */
	int dry;
	char by[80], tb[40], nb[40], files[16];
	char what[PURGE_MAX_WHAT][32];
	long long rows[PURGE_MAX_WHAT];
	int n, batches;
};

static int purge_call_next(struct purge_call *c);

/* The run is over: the console's table, or the janitor's log line. */
static void
purge_call_done(struct purge_call *c, const char *error)
{
	long long total = 0;
	struct table t;
	static const char *const columns[] = { "what", "rows" };

	for (int i = 0; i < c->n; i++)
		total += c->rows[i];
	if (c->r != NULL) {
		if (error == NULL) {
			table_begin(&t, admin_reply_buffer(c->r), 0, columns,
			    2);
			for (int i = 0; i < c->n; i++) {
				table_str(&t, c->what[i]);
				table_int(&t, c->rows[i]);
			}
			table_end(&t);
		}
		admin_reply_done(c->r, error);
	} else if (error != NULL) {
		log_error("purge: the daily purge failed after %lld value(s) "
		    "replaced: %s (it runs again at the next connection or "
		    "tomorrow)", total, error);
		c->p->last_run = 0;
	} else
		log_info("purge: %lld value(s) and file(s) past their "
		    "retention replaced or removed in %d batch(es) (see "
		    "farolctl show purges)", total, c->batches);
	if (c->r == NULL)
		c->p->running = 0;
	free(c);
}

static void
purge_call_cb(const PGresult *res, const struct db_error *error, void *arg)
{
	struct purge_call *c = arg;
	int what, rows, full = 0;

	if (res == NULL) {
		purge_call_done(c, error != NULL ? error->message :
		    "database: no result");
		return;
	}
	what = PQfnumber(res, "what");
	rows = PQfnumber(res, "rows");
	for (int i = 0; what >= 0 && rows >= 0 && i < PQntuples(res); i++) {
		const char *w = PQgetvalue(res, i, what);
		long long n = strtoll(PQgetvalue(res, i, rows), NULL, 10);
		int k;

		/* A walk cut short: not a column, but call again. */
		if (strcmp(w, "more") == 0) {
			full |= n > 0;
			continue;
		}
		for (k = 0; k < c->n && strcmp(c->what[k], w) != 0; k++)
			;
		if (k == c->n && c->n < PURGE_MAX_WHAT)
			snprintf(c->what[c->n++], sizeof c->what[0], "%s", w);
		if (k < c->n)
			c->rows[k] += n;
		full |= n >= c->p->batch;
	}
	c->batches++;
	if (c->p->stopped)
		full = 0;	/* farold stops: the rest tomorrow */
	/* The spool's files were counted in the first batch. */
	snprintf(c->files, sizeof c->files, "0");
	if (!full || c->dry || purge_call_next(c) != 0)
		purge_call_done(c, full && !c->dry ? "database call refused" :
		    NULL);
}

static int
purge_call_next(struct purge_call *c)
{
	char limit[16];
	const char *values[6] = { c->tb, c->nb, c->by, c->dry ? "true" :
	    "false", c->files, limit };

	snprintf(limit, sizeof limit, "%d", c->p->batch);
	return db_call_timeout(c->p->db, PURGE_CALL_TIMEOUT_MS, "purge_run",
	    6, values, purge_call_cb, c);
}

void
purge_run(struct purge *p, const char *by, int dry, struct admin_reply *r)
{
	const struct config *cfg = *p->cfgp;
	struct purge_call *c;
	struct timespec ts;

	if (r != NULL && !show_db_ready(p->db, r))
		return;
	if (r == NULL && p->running)
		return;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		if (r != NULL)
			admin_reply_done(r, "out of memory");
		return;
	}
	c->p = p;
	c->r = r;
	c->dry = dry;
	snprintf(c->by, sizeof c->by, "%s", by);
	clock_gettime(CLOCK_REALTIME, &ts);
	purge_limit_text(c->tb, sizeof c->tb, &ts, cfg->retain_text_days);
	purge_limit_text(c->nb, sizeof c->nb, &ts, cfg->retain_numbers_days);
	snprintf(c->files, sizeof c->files, "%d", purge_spool(cfg, ts.tv_sec,
	    dry));
	if (r != NULL)
		log_info("purge: %s by %s", dry ? "dry run" : "run", by);
	else {
		p->running = 1;
		p->last_run = ts.tv_sec;
	}
	if (purge_call_next(c) != 0)
		purge_call_done(c, "database call refused");
}

struct purge *
purge_new(struct db *db, struct config *const *cfgp)
{
	struct purge *p = calloc(1, sizeof *p);
	const char *test;

	if (p == NULL)
		return NULL;
	p->db = db;
	p->cfgp = cfgp;
	/* The tests make every batch one row, to see the batches chain. */
	if ((test = getenv("FAROL_TEST_PURGE_BATCH")) == NULL ||
	    (p->batch = atoi(test)) < 1)
		p->batch = PURGE_BATCH;
	return p;
}

void
purge_janitor_job(void *arg, int acquired)
{
	struct purge *p = arg;

	if (p->stopped || (p->last_run != 0 &&
	    time(NULL) - p->last_run < PURGE_EVERY_S))
		return;
	purge_run(p, "janitor", 0, NULL);
}

/* purge [dry] */
void
purge_console_run(const char *args, struct admin_reply *r, void *arg)
{
	char buf[32], *words[3];
	int n, dry = 0;

	snprintf(buf, sizeof buf, "%s", args);
	n = console_words(buf, words, 2);
	for (int i = 0; i < n; i++) {
		if (strcmp(words[i], "dry") == 0)
			dry = 1;
		else
			n = -1;
	}
	if (n < 0) {
		admin_reply_done(r, "usage: purge [dry]");
		return;
	}
	purge_run(arg, admin_reply_user(r), dry, r);
}

void
purge_stop(struct purge *p)
{
	if (p != NULL)
		p->stopped = 1;
}

void
purge_free(struct purge *p)
{
	free(p);
}
