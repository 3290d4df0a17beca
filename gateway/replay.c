/*
 * replay.c: the spool's way back into PostgreSQL (see replay.h).
 *
 * A pass keeps up to REPLAY_WINDOW calls queued on the database engine so
 * the connection never idles between two files. Must never happen here:
 * removing a spool file whose commit was not confirmed.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "drain.h"
#include "fwdq.h"
#include "ingest.h"
#include "log.h"
#include "replay.h"

#define REPLAY_WINDOW 128	/* messages read ahead; ingest batches them */
#define REPLAY_CALL_TIMEOUT_MS 10000
#define REPLAY_BACKOFF_MIN_MS 250
#define REPLAY_BACKOFF_MAX_MS 10000
#define REPLAY_WAIT_FORWARD_MS 200	/* for a forward a modem has */

struct replay {
	struct event_base *base;
	struct db *db;
	struct ingest *ingest;
	struct spool *spool;
	struct fwdq *fwdq;		/* spooled alerts' forwards */
	void (*kick)(void *);		/* the outbox, when one is stored */
	void *kick_arg;
	struct event *timer;
	char last_sent[SPOOL_ID_MAX];	/* newest id queued in this pass */
	int in_flight;
	int failed;			/* a call of this pass failed */
	int backoff_ms;
	long stored, already;		/* this pass, for the log */
	struct drain drain;
};

struct replay_call {
	struct replay *r;
	char id[SPOOL_ID_MAX];
};

static void replay_pump(struct replay *r);

static void
replay_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	replay_pump(arg);
}

struct replay *
replay_new(struct event_base *base, struct db *db, struct ingest *ingest,
    struct spool *spool)
{
	struct replay *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->base = base;
	r->db = db;
	r->ingest = ingest;
	r->spool = spool;
	r->backoff_ms = REPLAY_BACKOFF_MIN_MS;
	if ((r->timer = evtimer_new(base, replay_timer_cb, r)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
replay_kick(struct replay *r)
{
	struct timeval now = { 0, 0 };

	if (r == NULL || r->drain.draining || r->in_flight > 0 ||
	    evtimer_pending(r->timer, NULL))
		return;
	evtimer_add(r->timer, &now);
}

static void
replay_check_drained(struct replay *r)
{
	drain_check(&r->drain, r->in_flight == 0);
}

/* The pass ended (nothing in flight): decide what comes next. */
static void
replay_pass_over(struct replay *r)
{
	struct timeval tv;

	if (r->drain.draining) {
		replay_check_drained(r);
		return;
	}
	if (r->failed) {
		r->failed = 0;
		r->last_sent[0] = '\0';
		tv.tv_sec = r->backoff_ms / 1000;
		tv.tv_usec = (r->backoff_ms % 1000) * 1000;
		evtimer_add(r->timer, &tv);
		r->backoff_ms = r->backoff_ms * 2 > REPLAY_BACKOFF_MAX_MS ?
		    REPLAY_BACKOFF_MAX_MS : r->backoff_ms * 2;
		return;
	}
	if (spool_count(r->spool) > 0) {
		replay_pump(r);
		return;
	}
	if (r->stored + r->already > 0)
		log_info("replay: spool drained: %ld message(s) stored, %ld "
		    "already stored", r->stored, r->already);
	r->stored = r->already = 0;
	r->last_sent[0] = '\0';
	r->backoff_ms = REPLAY_BACKOFF_MIN_MS;
}

static void
replay_done_cb(const struct ingest_result *res,
    const struct db_error *error, void *arg)
{
	struct replay_call *call = arg;
	struct replay *r = call->r;
	struct fwdq_alert *fa = fwdq_find(r->fwdq, call->id);
	char *cause = NULL;
	int sent = 0;

	r->in_flight--;
	if (fa != NULL) {
		fa->replaying = 0;
		for (int i = 0; i < fa->n; i++)
			sent |= fa->f[i].state == FWDQ_SUBMITTED;
	}
	if (res == NULL) {
		if (!r->failed)
			log_warn("replay: spool file %s not stored: %s; will "
			    "retry", call->id, error != NULL ? error->message :
			    "no result");
		r->failed = 1;
	} else if (fwdq_remove(r->fwdq, call->id, &cause) != 0 ||
	    spool_remove(r->spool, call->id, &cause) != 0) {
		/* Stored but still spooled: replayed again, harmlessly. */
		log_error("replay: %s", cause ? cause : "cannot remove");
		free(cause);
		r->failed = 1;
	} else {
		if (res->inserted)
			r->stored++;
		else
			r->already++;
		if (sent && r->kick != NULL)
			r->kick(r->kick_arg);
	}
	free(call);
	if (r->in_flight == 0)
		replay_pass_over(r);
	else if (!r->failed && !r->drain.draining)
		replay_pump(r);
}

/* Queue calls for the next spooled messages, up to the window. */
static void
replay_pump(struct replay *r)
{
	struct inbound_sms msg;
	struct replay_call *call;
	struct fwdq_alert *fa;
	int waiting = 0;
	char id[SPOOL_ID_MAX], again[SPOOL_ID_MAX], *cause = NULL;

	/* Every ingest lane: a sender's messages take its lane. */
	if (r->drain.draining || r->failed || !db_is_ready(r->db) ||
	    !ingest_ready(r->ingest))
		return;
	if (r->in_flight == 0 && r->last_sent[0] == '\0' &&
	    spool_count(r->spool) > 0)
		log_info("replay: the database is back; storing %d spooled "
		    "message(s)", spool_count(r->spool));
	while (r->in_flight < REPLAY_WINDOW &&
	    spool_next(r->spool, r->last_sent, id)) {
		/* Its forwards' states become outbox rows: wait for the
		 * answer of one a modem has. */
		if ((fa = fwdq_find(r->fwdq, id)) != NULL)
			for (int i = 0; i < fa->n; i++)
				waiting |= fa->f[i].state == FWDQ_SENDING;
		if (waiting)
			break;
		if (spool_read(r->spool, id, &msg, &cause) != 0) {
			log_warn("replay: %s", cause ? cause : "cannot read");
			free(cause);
			cause = NULL;
			/* A corrupt file was moved aside (and reported by the
			 * spool): go on. One still there failed transiently:
			 * pause, then start again from the oldest. */
			if (spool_next(r->spool, r->last_sent, again) &&
			    strcmp(again, id) == 0) {
				r->failed = 1;
				break;
			}
			continue;
		}
		if ((call = calloc(1, sizeof *call)) == NULL) {
			inbound_sms_clear(&msg);
			break;
		}
		call->r = r;
		memcpy(call->id, id, sizeof call->id);
		if (ingest_message_spooled(r->ingest, &msg, fa,
		    REPLAY_CALL_TIMEOUT_MS, replay_done_cb, call) != 0) {
			inbound_sms_clear(&msg);
			free(call);
			break;
		}
		inbound_sms_clear(&msg);
		memcpy(r->last_sent, id, sizeof r->last_sent);
		r->in_flight++;
		if (fa != NULL)
			fa->replaying = 1;
	}
	if (r->in_flight == 0 && r->failed)
		replay_pass_over(r);
	else if (r->in_flight == 0 && waiting) {
		struct timeval tv = { 0, REPLAY_WAIT_FORWARD_MS * 1000 };

		evtimer_add(r->timer, &tv);
	}
}

void
replay_set_fwdq(struct replay *r, struct fwdq *q)
{
	r->fwdq = q;
}

void
replay_set_kick(struct replay *r, void (*kick)(void *), void *arg)
{
	r->kick = kick;
	r->kick_arg = arg;
}

void
replay_drain(struct replay *r, void (*done)(void *), void *arg)
{
	drain_start(&r->drain, done, arg);
	evtimer_del(r->timer);
	replay_check_drained(r);
}

int
replay_in_flight(const struct replay *r)
{
	return r ? r->in_flight : 0;
}

const char *
replay_state(const struct replay *r)
{
	if (r->drain.draining)
		return "draining";
	if (r->in_flight > 0)
		return "storing";
	if (evtimer_pending(r->timer, NULL))
		return "retrying";
	return "idle";
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	event_free(r->timer);
	free(r);
}
