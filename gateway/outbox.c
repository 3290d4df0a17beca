/*
 * outbox.c: the dispatcher of outgoing SMS (see outbox.h).
 *
 * Called from the loop: a timer every OUTBOX_TICK_MS, a kick when ingest
 * has queued rows, and the modems' send and delivery callbacks. One claim
 * is in flight at a time and at most OUTBOX_WINDOW messages sit in the
 * modems' queues, so a slow modem holds back little and the rest stays
 * in PostgreSQL, where a second gateway could claim it. Must never happen
 * here: a row claimed and forgotten (each claimed row gets exactly one
 * result call), a message text or victim detail in a log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "decide.h"
#include "decide_flood.h"
#include "drain.h"
#include "latency.h"
#include "log.h"
#include "lookup.h"
#include "outbox.h"
#include "outbox_plan.h"
#include "rows.h"

#define OUTBOX_TICK_MS 1000
#define OUTBOX_WINDOW 8			/* SMS in the modems' queues */
#define OUTBOX_CALL_TIMEOUT_MS 10000
#define OUTBOX_RETRY_S 10		/* a failed submit waits this long */
#define OUTBOX_MAX_ATTEMPTS 6		/* then the row is failed */
#define OUTBOX_DIRECT (1ULL << 63)	/* an id not in the outbox table */

/* A claimed row handed to a modem, until its result is recorded. */
struct outbox_send {
	uint64_t id;
	int attempts;
	long long t0_us;
	char purpose[16];
	struct outbox_send *next;
};

struct outbox {
	struct event_base *base;
	struct db *db;
	struct modem *const *modems;
	const int *n_modems;
	struct config *const *cfgp;
	struct latency *latency;
	struct flood *flood;	/* farold's one counter, shared with ingest */
	struct event *tick;
	struct outbox_send *sends;
	int n_sends;
	int claiming;
	int rekick;		/* a kick came during a claim */
	int calls;		/* result/recover calls in flight */
	int recovered;
	int no_modem_logged;
	struct drain drain;
	long long direct_sent, direct_failed;	/* since start-up */
};

static void outbox_pump(struct outbox *ob);

void
outbox_prepare(struct db *db)
{
	/* Stale rungs are expired by the claim itself (schema v5). */
	db_prepare_add(db, "outbox_claim", "SELECT id, recipient, text, "
	    "purpose, alert_id, attempts, stale_expired FROM "
	    "farol_outbox_claim($1::int, $2::int)", 2);
	db_prepare_add(db, "outbox_result", "SELECT farol_outbox_result("
	    "$1::bigint, $2, $3::boolean, $4::int, $5, $6::int)", 6);
	db_prepare_add(db, "outbox_delivered", "SELECT farol_outbox_delivered("
	    "$1, $2, $3::int, $4::boolean)", 4);
	db_prepare_add(db, "outbox_recover", "SELECT farol_outbox_recover() AS "
	    "requeued",
	    0);
}

static void
outbox_check_drained(struct outbox *ob)
{
	drain_check(&ob->drain, !ob->claiming && ob->calls == 0 &&
	    ob->n_sends == 0);
}

static void
outbox_call_done_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox *ob = arg;

	ob->calls--;
	if (res == NULL)
		log_error("outbox: recording a result failed: %s",
		    error != NULL ? error->message : "no result");
	outbox_check_drained(ob);
}

/* Record one row's outcome. retry_s < 0: failed for good. */
static void
outbox_record(struct outbox *ob, uint64_t id, const char *modem, int ok,
    int message_ref, const char *cause, int retry_s)
{
	char idbuf[24], refbuf[16], retrybuf[16];
	const char *values[6];

	snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)id);
	snprintf(refbuf, sizeof refbuf, "%d", message_ref);
	snprintf(retrybuf, sizeof retrybuf, "%d", retry_s);
	values[0] = idbuf;
	values[1] = modem != NULL && modem[0] != '\0' ? modem : NULL;
	values[2] = ok ? "true" : "false";
	values[3] = ok && message_ref >= 0 ? refbuf : NULL;
	values[4] = ok ? NULL : cause;
	values[5] = !ok && retry_s >= 0 ? retrybuf : NULL;
	ob->calls++;
	if (db_call_timeout(ob->db, OUTBOX_CALL_TIMEOUT_MS, "outbox_result",
	    6, values, outbox_call_done_cb, ob) != 0) {
		ob->calls--;
		log_error("outbox: cannot record the result of #%llu; it is "
		    "queued again at the next start", (unsigned long long)id);
	}
}

static struct outbox_send *
outbox_take_send(struct outbox *ob, uint64_t id)
{
	struct outbox_send **pp, *s;

	for (pp = &ob->sends; (s = *pp) != NULL; pp = &s->next)
		if (s->id == id) {
			*pp = s->next;
			ob->n_sends--;
			return s;
		}
	return NULL;
}

/* Remember a send handed to a modem until its result comes back. */
static struct outbox_send *
outbox_track_send(struct outbox *ob, uint64_t id, int attempts,
    const char *purpose)
{
	struct outbox_send *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->id = id;
	s->attempts = attempts;
	s->t0_us = latency_now_us();
	snprintf(s->purpose, sizeof s->purpose, "%s", purpose);
	s->next = ob->sends;
	ob->sends = s;
	ob->n_sends++;
	return s;
}

static void
outbox_sent_cb(const struct modem_send_result *r, void *arg)
{
	struct outbox *ob = arg;
	struct outbox_send *s = outbox_take_send(ob, r->id);
	int attempts = s != NULL ? s->attempts : 1;
	long long us = s != NULL ? latency_now_us() - s->t0_us : 0;

	if (r->id & OUTBOX_DIRECT) {
		if (r->ok)
			ob->direct_sent++;
		else
			ob->direct_failed++;
		if (r->ok)
			log_info("outbox: forward of a spooled alert submitted "
			    "on modem %s, %lld ms after it was received",
			    r->modem, us / 1000);
		else
			log_error("outbox: forward of a spooled alert NOT "
			    "SENT by modem %s: %s (the numbered forward "
			    "follows when the database returns)", r->modem,
			    r->cause);
		free(s);
		outbox_check_drained(ob);
		return;
	}

	if (r->ok)
		log_info("outbox: #%llu (%s) submitted on modem %s, message "
		    "reference %d, %lld ms after it was claimed",
		    (unsigned long long)r->id, s ? s->purpose : "?", r->modem,
		    r->message_ref, us / 1000);
	else
		log_warn("outbox: #%llu (%s) not sent by modem %s: %s; %s",
		    (unsigned long long)r->id, s ? s->purpose : "?", r->modem,
		    r->cause, attempts >= OUTBOX_MAX_ATTEMPTS ?
		    "giving up after the last attempt" : "retrying soon");
	outbox_record(ob, r->id, r->modem, r->ok, r->message_ref, r->cause,
	    attempts >= OUTBOX_MAX_ATTEMPTS ? -1 : OUTBOX_RETRY_S);
	free(s);
	outbox_pump(ob);	/* a place in the window is free */
	outbox_check_drained(ob);
}

static void
outbox_delivery_cb(const struct modem_delivery *dr, void *arg)
{
	struct outbox *ob = arg;
	char refbuf[16];
	const char *values[4];

	snprintf(refbuf, sizeof refbuf, "%d", dr->message_ref);
	values[0] = dr->modem;
	values[1] = dr->recipient;
	values[2] = refbuf;
	values[3] = dr->delivered ? "true" : "false";
	log_debug("outbox: delivery report on modem %s for reference %d: %s",
	    dr->modem, dr->message_ref, dr->delivered ? "delivered" :
	    "failed");
	ob->calls++;
	if (db_call_timeout(ob->db, OUTBOX_CALL_TIMEOUT_MS, "outbox_delivered",
	    4, values, outbox_call_done_cb, ob) != 0)
		ob->calls--;
}

/* The least busy healthy modem that may send, or NULL. A modem that has
 * not reported its first health yet (just started, no problem known) is
 * taken when no healthy one is: its queue is answered either way. */
static struct modem *
outbox_pick_modem(struct outbox *ob)
{
	struct modem *best = NULL;
	struct modem_health h;
	int best_queue = 0, best_healthy = 0;

	for (int i = 0; i < *ob->n_modems; i++) {
		modem_get_health(ob->modems[i], &h);
		if (!h.can_send || h.paused || (!h.healthy && (h.connected ||
		    h.problem[0] != '\0')))
			continue;
		if (best == NULL || h.healthy > best_healthy ||
		    (h.healthy == best_healthy && h.send_queue < best_queue)) {
			best = ob->modems[i];
			best_queue = h.send_queue;
			best_healthy = h.healthy;
		}
	}
	return best;
}

static void
outbox_hand_over(struct outbox *ob, const struct rows_claim *row)
{
	uint64_t id = (uint64_t)row->id;
	const char *recipient = row->recipient;
	const char *text = row->text;
	const char *purpose = row->purpose;
	int attempts = row->attempts;
	char *cause = NULL;
	struct modem *m = outbox_pick_modem(ob);

	if (m == NULL) {
		if (!ob->no_modem_logged)
			log_error("outbox: NO HEALTHY MODEM CAN SEND; "
			    "outgoing SMS wait in the outbox");
		ob->no_modem_logged = 1;
		outbox_record(ob, id, NULL, 0, -1, "no healthy modem",
		    OUTBOX_RETRY_S);
		return;
	}
	ob->no_modem_logged = 0;
	if (outbox_track_send(ob, id, attempts, purpose) == NULL) {
		outbox_record(ob, id, NULL, 0, -1, "out of memory",
		    OUTBOX_RETRY_S);
		return;
	}
	if (modem_send(m, id, recipient, text, &cause) == 0) {
		long long us = -1;
		int64_t ref = 0;

		if (ob->latency != NULL && strcmp(purpose,
		    lookup_outbox_purpose[PURPOSE_FORWARD]) == 0 &&
		    row->alert_id_text != NULL)
			us = latency_take(ob->latency, row->alert_id, &ref);
		/* An alert is named by the number the officer sees. */
		if (us >= 0)
			log_info("outbox: alert %lld: first forward handed to "
			    "modem %s %lld us after the report reached the "
			    "gateway", (long long)ref, modem_name(m), us);
		else
			log_debug("outbox: #%llu (%s) handed to modem %s",
			    (unsigned long long)id, purpose, modem_name(m));
		return;
	}
	free(outbox_take_send(ob, id));
	log_warn("outbox: #%llu (%s) not handed to modem %s: %s",
	    (unsigned long long)id, purpose, modem_name(m), cause);
	outbox_record(ob, id, modem_name(m), 0, -1, cause,
	    attempts >= OUTBOX_MAX_ATTEMPTS ? -1 : OUTBOX_RETRY_S);
	free(cause);
}

static void
outbox_claimed_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox *ob = arg;
	struct rows_claim *rows = NULL;
	char *cause = NULL;
	int n = 0;

	ob->claiming = 0;
	if (res == NULL)
		log_warn("outbox: claiming due SMS failed: %s",
		    error != NULL ? error->message : "no result");
	else if (rows_claim_read(res, &rows, &n, &cause) == -1) {
		log_error("outbox: unreadable claim: %s", cause);
		free(cause);
	}
	if (n > 0 && rows[0].stale_expired > 0)
		log_warn("outbox: %d forward(s) not taken by any modem within "
		    "%d s: the next rung goes instead", rows[0].stale_expired,
		    (*ob->cfgp)->stale_after_s);
	for (int i = 0; i < n; i++)
		outbox_hand_over(ob, &rows[i]);
	free(rows);
	/* More may be due: the claim was full, or rows were queued while
	 * it ran. */
	if ((n > 0 || ob->rekick) && !ob->drain.draining) {
		ob->rekick = 0;
		outbox_pump(ob);
	}
	outbox_check_drained(ob);
}

static void
outbox_pump(struct outbox *ob)
{
	char limit[16], stale[16];
	const char *values[2];
	int room = OUTBOX_WINDOW - ob->n_sends;

	if (ob->claiming) {
		ob->rekick = 1;
		return;
	}
	if (ob->drain.draining || room <= 0 || !db_is_ready(ob->db))
		return;
	snprintf(limit, sizeof limit, "%d", room);
	snprintf(stale, sizeof stale, "%d", (*ob->cfgp)->stale_after_s);
	values[0] = limit;
	values[1] = stale;
	ob->claiming = 1;
	if (db_call_timeout(ob->db, OUTBOX_CALL_TIMEOUT_MS, "outbox_claim", 2,
	    values, outbox_claimed_cb, ob) != 0)
		ob->claiming = 0;
}

/* Every tick: claim what became due (rungs; stale rows move on to the
 * next rung, escalation.stale_after, inside the claim). */
static void
outbox_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	outbox_pump(arg);
}

struct outbox *
outbox_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, struct flood *flood,
    struct modem *const *modems, const int *n_modems)
{
	struct outbox *ob = calloc(1, sizeof *ob);
	struct timeval tv = { OUTBOX_TICK_MS / 1000,
	    (OUTBOX_TICK_MS % 1000) * 1000 };

	if (ob == NULL)
		return NULL;
	ob->base = base;
	ob->db = db;
	ob->modems = modems;
	ob->n_modems = n_modems;
	ob->cfgp = cfgp;
	ob->flood = flood;
	if ((ob->tick = event_new(base, -1, EV_PERSIST, outbox_tick_cb, ob))
	    == NULL) {
		free(ob);
		return NULL;
	}
	event_add(ob->tick, &tv);
	return ob;
}

void
outbox_set_latency(struct outbox *ob, struct latency *l)
{
	ob->latency = l;
}

void
outbox_attach_modem(struct outbox *ob, struct modem *m)
{
	modem_set_send_callbacks(m, outbox_sent_cb, outbox_delivery_cb, ob);
}

void
outbox_forward_spooled(struct outbox *ob, const struct config *cfg,
    const struct inbound_sms *msg)
{
	static uint64_t next_direct;
	struct decide_params p = { .default_area = -1, .spooled = 1 };
	const struct outbox_row *row;
	struct outbox_plan *plan = NULL;
	struct outbox_send *s;
	enum flood_verdict verdict;
	struct decision *d;
	char *cause = NULL;
	struct modem *m;

	if (msg->kind != INBOUND_TEXT || msg->text == NULL)
		return;
	/* A flooding sender gets no forward at once (its alerts are held
	 * for review when they reach the database). The counter is
	 * ingest's: replayed, the message is not counted again. */
	verdict = flood_note(ob->flood, msg->sender, msg->received_at,
	    flood_text_hash(msg->text), cfg->flood_max, cfg->flood_per_s);
	if (verdict == FLOOD_STARTED || verdict == FLOOD_QUARANTINED ||
	    (d = malloc(sizeof *d)) == NULL)
		return;
	p.cfg = cfg;
	p.received_at = msg->received_at;
	decide_message(&cfg->codebook, &cfg->replies, &p, msg->sender,
	    msg->text, d);
	if ((plan = malloc(sizeof *plan)) != NULL)
		outbox_plan_spooled(cfg, d, plan);
	for (int i = 0; plan != NULL && i < plan->n; i++) {
		row = &plan->rows[i];
		if ((m = outbox_pick_modem(ob)) == NULL) {
			log_error("outbox: NO HEALTHY MODEM to forward a spooled "
			    "U%d alert to %s now", d->r.urgency, row->authority);
			continue;
		}
		if ((s = outbox_track_send(ob, OUTBOX_DIRECT | ++next_direct,
		    1, row->purpose)) == NULL)
			break;
		if (modem_send(m, s->id, row->recipient, row->text,
		    &cause) != 0) {
			log_error("outbox: forward of a spooled alert to %s "
			    "not handed to modem %s: %s", row->authority,
			    modem_name(m), cause);
			free(cause);
			cause = NULL;
			free(outbox_take_send(ob, s->id));
			continue;
		}
		log_warn("outbox: database down: U%d alert forwarded at once "
		    "to %s without its number", d->r.urgency, row->authority);
	}
	free(plan);
	free(d);
}

void
outbox_kick(void *arg)
{
	outbox_pump(arg);
}

static void
outbox_recovered_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox *ob = arg;
	char *cause = NULL;
	int requeued;

	ob->calls--;
	if (res == NULL) {
		ob->recovered = 0;	/* try again at the next ready */
		log_error("outbox: recovering interrupted sends failed: %s",
		    error != NULL ? error->message : "no result");
	} else if (rows_one_int(res, "requeued", &requeued, &cause) == -1) {
		log_error("outbox: unreadable recovery: %s", cause);
		free(cause);
	} else if (requeued > 0)
		log_warn("outbox: %d SMS interrupted by a stop were queued "
		    "again (a recipient may get one twice)", requeued);
	outbox_pump(ob);
	outbox_check_drained(ob);
}

void
outbox_db_ready(struct outbox *ob)
{
	if (!ob->recovered) {
		ob->recovered = 1;
		ob->calls++;
		if (db_call(ob->db, "outbox_recover", 0, NULL,
		    outbox_recovered_cb, ob) != 0) {
			ob->calls--;
			ob->recovered = 0;
		}
		return;
	}
	outbox_pump(ob);
}

void
outbox_drain(struct outbox *ob, void (*done)(void *), void *arg)
{
	drain_start(&ob->drain, done, arg);
	event_del(ob->tick);
	outbox_check_drained(ob);
}

int
outbox_in_flight(const struct outbox *ob)
{
	return ob->n_sends;
}

void
outbox_get_stats(const struct outbox *ob, struct outbox_stats *st)
{
	st->direct_sent = ob->direct_sent;
	st->direct_failed = ob->direct_failed;
}

void
outbox_free(struct outbox *ob)
{
	struct outbox_send *s;

	if (ob == NULL)
		return;
	while ((s = ob->sends) != NULL) {
		ob->sends = s->next;
		free(s);
	}
	event_free(ob->tick);
	free(ob);
}
