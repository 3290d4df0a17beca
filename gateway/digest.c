/*
 * digest.c: the U3 digest job (see digest.h).
 *
 * Called by farold: digest_schedule at start and after a reload,
 * digest_db_ready at each connection, the timer at digest_at. One run is
 * two calls: farol_digest_pending(until) reads the items, grouped here by
 * duty phone into digests (outbox_plan_digest decides the SMS), then
 * farol_digest_queue marks the items and queues the SMS in one
 * transaction. Never logs a phone number or an alert's content: counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <libpq-fe.h>

#include "digest.h"
#include "janitor.h"
#include "jsonw.h"
#include "log.h"
#include "outbox_plan.h"
#include "rows.h"
#include "wallclock.h"

#define DIGEST_CALL_TIMEOUT_MS 30000
/* The timer runs on the monotonic clock, digest_at on the wall clock: the
 * timer wakes at least this often to compare them, so a wall clock NTP
 * steps an hour forward or back sends the digest within this many seconds
 * of digest_at, never an hour early or late. */
#define DIGEST_RECHECK_S 10

struct digest {
	struct event_base *base;
	struct db *db;
	struct config *const *cfgp;
	void (*kick)(void *);
	void *kick_arg;
	struct event *ev_timer;
	time_t next_at;		/* the instant the timer is armed for */
	int running;		/* a run's calls are in flight */
	time_t again_until;	/* a run asked for meanwhile; 0: none */
	int stopped;
	struct janitor *janitor;	/* runs only in its holder; NULL: always */
};

void
digest_prepare(struct db *db)
{
	db_prepare_add(db, "digest_pending", "SELECT item_id, authority_id, "
	    "recipient, ref, area, forms, victims, leaves FROM "
	    "farol_digest_pending(to_timestamp($1::double precision))", 1);
	db_prepare_add(db, "digest_queue",
	    "SELECT farol_digest_queue($1::jsonb) AS queued", 1);
}

/* Today's digest_at after now's midnight, day_offset days on (local). */
static time_t
digest_instant(const struct config *cfg, time_t now, int day_offset)
{
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_mday += day_offset;
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = cfg->digest_at_s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Wake at next_at, or in DIGEST_RECHECK_S if that is sooner. */
static void
digest_arm(struct digest *dg, time_t now)
{
	struct timeval tv = { 0, 0 };
	time_t left = dg->next_at - now;

	tv.tv_sec = left < 0 ? 0 : left > DIGEST_RECHECK_S ?
	    DIGEST_RECHECK_S : left;
	evtimer_add(dg->ev_timer, &tv);
}

static void
digest_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct digest *dg = arg;
	time_t now = wallclock_now();

	if (now < dg->next_at) {	/* not yet, by the wall clock */
		digest_arm(dg, now);
		return;
	}
	/* Another gateway is the janitor: its own timer runs it. */
	if (dg->janitor == NULL || janitor_held(dg->janitor))
		digest_run(dg, dg->next_at);
	digest_schedule(dg);
}

void
digest_set_janitor(struct digest *dg, struct janitor *j)
{
	dg->janitor = j;
}

void
digest_janitor_job(void *arg, int acquired)
{
	if (acquired)
		digest_db_ready(arg);
}

struct digest *
digest_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, void (*kick)(void *), void *kick_arg)
{
	struct digest *dg = calloc(1, sizeof *dg);

	if (dg == NULL)
		return NULL;
	dg->base = base;
	dg->db = db;
	dg->cfgp = cfgp;
	dg->kick = kick;
	dg->kick_arg = kick_arg;
	if ((dg->ev_timer = evtimer_new(base, digest_timer_cb, dg)) == NULL) {
		free(dg);
		return NULL;
	}
	return dg;
}

void
digest_schedule(struct digest *dg)
{
	time_t now = wallclock_now();

	if (dg->stopped)
		return;
	if ((dg->next_at = digest_instant(*dg->cfgp, now, 0)) <= now)
		dg->next_at = digest_instant(*dg->cfgp, now, 1);
	digest_arm(dg, now);
}

void
digest_db_ready(struct digest *dg)
{
	time_t now = wallclock_now(), last;

	if ((last = digest_instant(*dg->cfgp, now, 0)) > now)
		last = digest_instant(*dg->cfgp, now, -1);
	digest_run(dg, last);
}

/* The run is over: the one asked for meanwhile, if any, starts. */
static void
digest_done(struct digest *dg)
{
	time_t again = dg->again_until;

	dg->running = 0;
	dg->again_until = 0;
	if (again != 0 && !dg->stopped)
		digest_run(dg, again);
}

static void
digest_queued_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct digest *dg = arg;
	char *cause = NULL;
	int queued = 0;

	if (res == NULL)
		log_error("digest: queueing the U3 digest failed: %s (its "
		    "alerts wait for the next run)", error != NULL ?
		    error->message : "no result");
	else if (rows_one_int(res, "queued", &queued, &cause) == -1) {
		log_error("digest: unreadable result: %s", cause);
		free(cause);
	} else {
		log_info("digest: %d SMS of the U3 digest queued", queued);
		if (queued > 0 && dg->kick != NULL)
			dg->kick(dg->kick_arg);
	}
	digest_done(dg);
}

/* The element of farol_digest_queue for rows[first..end): one duty
 * phone's digest. Returns 1 when some alerts did not fit it (they stay
 * pending, for a run right after). */
static int
digest_element(struct digest *dg, struct jsonw *w,
    const struct rows_digest *rows, int first, int end)
{
	const struct config *cfg = *dg->cfgp;
	struct outbox_digest_alert *alerts;
	struct outbox_plan *plan;
	int n = 0, listed, k = 0, more;

	if ((alerts = calloc((size_t)(end - first), sizeof *alerts)) == NULL ||
	    (plan = calloc(1, sizeof *plan)) == NULL) {
		free(alerts);
		return 1;
	}
	for (int i = first; i < end; i++) {
		if (rows[i].leaves)
			continue;
		alerts[n].ref = rows[i].ref;
		alerts[n].area = rows[i].area;
		alerts[n].forms = rows[i].forms;
		alerts[n].victims = rows[i].victims;
		n++;
	}
	listed = outbox_plan_digest(cfg, rows[first].authority_id,
	    rows[first].recipient, alerts, n, plan);
	jsonw_object(w, NULL);
	jsonw_array(w, "listed");
	for (int i = first; i < end && k < listed; i++)
		if (!rows[i].leaves) {
			jsonw_int(w, NULL, rows[i].item_id);
			k++;
		}
	jsonw_end(w, ']');
	jsonw_array(w, "left");
	for (int i = first; i < end; i++)
		if (rows[i].leaves)
			jsonw_int(w, NULL, rows[i].item_id);
	jsonw_end(w, ']');
	jsonw_array(w, "outbox");
	outbox_plan_json(w, plan, NULL, NULL);
	jsonw_end(w, ']');
	jsonw_end(w, '}');
	/* Progress made, and more to list: another run. */
	more = listed > 0 && listed < n;
	free(plan);
	free(alerts);
	return more;
}

static void
digest_pending_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct digest *dg = arg;
	struct rows_digest *rows = NULL;
	struct evbuffer *buf;
	const char *values[1];
	struct jsonw w;
	char *cause = NULL;
	int n = 0, first, more = 0, phones = 0;

	if (res == NULL || rows_digest_read(res, &rows, &n, &cause) == -1) {
		log_error("digest: reading the U3 digest's alerts failed: %s",
		    res == NULL ? (error != NULL ? error->message :
		    "no result") : cause);
		free(cause);
		digest_done(dg);
		return;
	}
	if (n == 0 || (buf = evbuffer_new()) == NULL) {
		free(rows);
		digest_done(dg);
		return;
	}
	jsonw_init(&w, buf);
	jsonw_array(&w, NULL);
	/* Rows come by recipient and authority: one digest per run of them. */
	for (first = 0; first < n;) {
		int end = first + 1;

		while (end < n && strcmp(rows[end].recipient,
		    rows[first].recipient) == 0 &&
		    (rows[end].authority_id == NULL) ==
		    (rows[first].authority_id == NULL) &&
		    (rows[end].authority_id == NULL ||
		    strcmp(rows[end].authority_id, rows[first].authority_id)
		    == 0))
			end++;
		more |= digest_element(dg, &w, rows, first, end);
		phones++;
		first = end;
	}
	jsonw_end(&w, ']');
	values[0] = jsonw_text(&w);
	log_info("digest: %d U3 item(s) for %d duty phone(s)", n, phones);
	/* What did not fit goes in a run right after this one. */
	if (more && dg->again_until == 0)
		dg->again_until = wallclock_now();
	if (db_call_timeout(dg->db, DIGEST_CALL_TIMEOUT_MS, "digest_queue", 1,
	    values, digest_queued_cb, dg) != 0)
		digest_done(dg);
	evbuffer_free(buf);
	free(rows);
}

void
digest_run(struct digest *dg, time_t until)
{
	char at[32];
	const char *values[1] = { at };

	if (dg->running) {
		if (until > dg->again_until)
			dg->again_until = until;
		return;
	}
	snprintf(at, sizeof at, "%lld", (long long)until);
	dg->running = 1;
	if (db_call_timeout(dg->db, DIGEST_CALL_TIMEOUT_MS, "digest_pending",
	    1, values, digest_pending_cb, dg) != 0)
		dg->running = 0;
}

void
digest_stop(struct digest *dg)
{
	if (dg == NULL)
		return;
	dg->stopped = 1;
	evtimer_del(dg->ev_timer);
}

void
digest_free(struct digest *dg)
{
	if (dg == NULL)
		return;
	event_free(dg->ev_timer);
	free(dg);
}
