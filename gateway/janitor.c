/*
 * janitor.c: the jobs one gateway runs for all (see janitor.h).
 *
 * Called by farold: the timer every JANITOR_TICK_MS, janitor_db_lost when
 * the connection goes. One run is one call, farol_janitor_run, which
 * takes or keeps the advisory lock and does nothing in a gateway that
 * does not hold it. Must never happen here: a job run by a gateway that
 * does not hold the lock (the lock is checked inside every run, so a
 * call queued across a reconnect finds it gone), a blocking call.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "janitor.h"
#include "log.h"
#include "presence.h"
#include "rows.h"

#define JANITOR_TICK_MS 1000
#define JANITOR_CALL_TIMEOUT_MS 10000
#define JANITOR_MAX_JOBS 8
#define JANITOR_DEFAULT_HORIZON_S 60	/* escalation.rung_horizon's */

struct janitor_job {
	void (*fn)(void *arg, int acquired);
	void *arg;
};

struct janitor {
	struct event_base *base;
	struct db *db;
	struct config *const *cfgp;
	struct presence *presence;
	void (*kick)(void *);
	void *kick_arg;
	struct event *tick;
	struct janitor_job jobs[JANITOR_MAX_JOBS];
	int n_jobs;
	int held;
	int running;
	int stopped;
};

void
janitor_prepare(struct db *db)
{
	db_prepare_add(db, "janitor_run", "SELECT held::int AS held, "
	    "stale_expired, alerts_expired, cancelled FROM "
	    "farol_janitor_run($1::int, $2::int)", 2);
}

static void
janitor_ran_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct janitor *j = arg;
	char *cause = NULL;
	int held, stale, expired, cancelled, acquired;

	j->running = 0;
	if (res == NULL) {
		log_warn("janitor: run failed: %s", error != NULL ?
		    error->message : "no result");
		return;
	}
	if (rows_one_int(res, "held", &held, &cause) == -1 ||
	    rows_one_int(res, "stale_expired", &stale, &cause) == -1 ||
	    rows_one_int(res, "alerts_expired", &expired, &cause) == -1 ||
	    rows_one_int(res, "cancelled", &cancelled, &cause) == -1) {
		log_error("janitor: unreadable run: %s", cause);
		free(cause);
		return;
	}
	acquired = held && !j->held;
	if (held != j->held)
		log_info("janitor: %s", held ? "this gateway is now the "
		    "janitor" : "another gateway is the janitor");
	j->held = held;
	if (!held || j->stopped)
		return;
	if (stale > 0)
		log_warn("janitor: %d forward(s) not taken by any modem within "
		    "%d s: the next rung goes instead", stale,
		    (*j->cfgp)->stale_after_s);
	if (stale > 0 && j->kick != NULL)
		j->kick(j->kick_arg);
	for (int i = 0; i < j->n_jobs; i++)
		j->jobs[i].fn(j->jobs[i].arg, acquired);
}

static void
janitor_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct janitor *j = arg;
	char stale[16], horizon[16];
	const char *values[2];

	if (j->running || j->stopped || !db_is_ready(j->db) ||
	    !presence_registered(j->presence))
		return;
	snprintf(stale, sizeof stale, "%d", (*j->cfgp)->stale_after_s);
	/* The alerts' plans are written this far ahead; with the plan off
	 * (0) those already kept still are. */
	snprintf(horizon, sizeof horizon, "%d", (*j->cfgp)->rung_horizon_s > 0 ?
	    (*j->cfgp)->rung_horizon_s : JANITOR_DEFAULT_HORIZON_S);
	values[0] = stale;
	values[1] = horizon;
	j->running = 1;
	if (db_call_timeout(j->db, JANITOR_CALL_TIMEOUT_MS, "janitor_run", 2,
	    values, janitor_ran_cb, j) != 0)
		j->running = 0;
}

struct janitor *
janitor_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, struct presence *p,
    void (*kick)(void *), void *kick_arg)
{
	struct janitor *j = calloc(1, sizeof *j);
	struct timeval tv = { JANITOR_TICK_MS / 1000,
	    (JANITOR_TICK_MS % 1000) * 1000 };

	if (j == NULL)
		return NULL;
	j->base = base;
	j->db = db;
	j->cfgp = cfgp;
	j->presence = p;
	j->kick = kick;
	j->kick_arg = kick_arg;
	if ((j->tick = event_new(base, -1, EV_PERSIST, janitor_tick_cb, j)) ==
	    NULL) {
		free(j);
		return NULL;
	}
	event_add(j->tick, &tv);
	return j;
}

void
janitor_add_job(struct janitor *j, void (*fn)(void *, int), void *arg)
{
	if (j->n_jobs == JANITOR_MAX_JOBS) {
		log_error("janitor: more than %d jobs", JANITOR_MAX_JOBS);
		return;
	}
	j->jobs[j->n_jobs].fn = fn;
	j->jobs[j->n_jobs].arg = arg;
	j->n_jobs++;
}

int
janitor_held(const struct janitor *j)
{
	return j != NULL && j->held;
}

void
janitor_db_lost(struct janitor *j)
{
	if (j->held)
		log_warn("janitor: the database connection was lost, and the "
		    "janitor's lock with it");
	j->held = 0;
}

void
janitor_stop(struct janitor *j)
{
	if (j == NULL)
		return;
	j->stopped = 1;
	event_del(j->tick);
}

void
janitor_free(struct janitor *j)
{
	if (j == NULL)
		return;
	event_free(j->tick);
	free(j);
}
