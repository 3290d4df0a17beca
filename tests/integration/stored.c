/*
 * stored.c: what tests ask of farol's database (see stored.h).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

long
stored_count(struct pgcluster *pg, const char *where)
{
	char sql[512];
	long n;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM message%s%s",
	    where[0] ? " WHERE " : "", where);
	n = pgcluster_query_long(pg, sql);
	return n == LONG_MIN ? -1 : n;
}

struct stored_wait_arg {
	struct pgcluster *pg;
	long want;
};

static int
stored_reached(void *arg)
{
	const struct stored_wait_arg *w = arg;

	return stored_count(w->pg, "") >= w->want;
}

int
stored_wait(struct pgcluster *pg, long want, int timeout_ms)
{
	struct stored_wait_arg w = { pg, want };

	return test_wait_until(timeout_ms, stored_reached, &w);
}

long
stored_send_sms(struct pgcluster *pg, struct gateway_proc *g,
    const char *from, const char *text, int timeout_ms)
{
	long before = stored_count(pg, "");

	if (before < 0)
		before = 0;	/* no table yet */
	CHECK(gateway_proc_drop_sms(g, from, text, NULL) == 0, "drop %s",
	    text);
	CHECK(stored_wait(pg, before + 1, timeout_ms) == 0, "stored: %s",
	    text);
	return stored_q(pg, "SELECT max(id) FROM message");
}

void
stored_reset(struct pgcluster *pg)
{
	pgcluster_exec(pg, "DO $$ BEGIN IF to_regclass('message') IS NOT NULL "
	    "THEN TRUNCATE message, alert, alert_event, outbox CASCADE; "
	    "END IF; "
	    "IF to_regclass('flood_quarantine') IS NOT NULL "
	    "THEN TRUNCATE flood_quarantine; END IF; END $$");
}

long
stored_q(struct pgcluster *pg, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return pgcluster_query_long(pg, sql);
}

char *
stored_qt(struct pgcluster *pg, const char *fmt, ...)
{
	char sql[2048], *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	s = pgcluster_query_text(pg, sql);
	return s != NULL ? s : strdup("");
}

struct stored_wait_q_arg {
	struct pgcluster *pg;
	char sql[2048];
	long want;
	long got;
};

static int
stored_wait_q_reached(void *arg)
{
	struct stored_wait_q_arg *w = arg;

	w->got = pgcluster_query_long(w->pg, w->sql);
	return w->got == w->want;
}

long
stored_wait_q(struct pgcluster *pg, int timeout_ms, long want,
    const char *fmt, ...)
{
	struct stored_wait_q_arg w = { .pg = pg, .want = want };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w.sql, sizeof w.sql, fmt, ap);
	va_end(ap);
	test_wait_until(timeout_ms, stored_wait_q_reached, &w);
	return w.got;
}

long
stored_alert_ref(struct pgcluster *pg, long message_id, int timeout_ms)
{
	return stored_wait_q(pg, timeout_ms, 1, "SELECT count(*) FROM alert "
	    "WHERE message_id = %ld", message_id) == 1 ? stored_q(pg,
	    "SELECT ref FROM alert WHERE message_id = %ld", message_id) : -1;
}
