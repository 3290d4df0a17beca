/*
 * stored.c: counting farol's stored messages from tests (see stored.h).
 */
#include <limits.h>
#include <stdio.h>

#include "check.h"
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

void
stored_reset(struct pgcluster *pg)
{
	pgcluster_exec(pg, "DO $$ BEGIN IF to_regclass('message') IS NOT NULL "
	    "THEN TRUNCATE message CASCADE; END IF; END $$");
}
