/*
 * outbox.c: the dispatcher of outgoing SMS (see outbox.h).
 *
 * Called from the loop: a timer every OUTBOX_TICK_MS, a kick when ingest
 * has queued rows, and the modems' send and delivery callbacks. One claim
 * is in flight at a time and at most OUTBOX_WINDOW messages sit in the
 * modems' queues, so a slow modem holds back little and the rest stays
 * in PostgreSQL, where a second gateway could claim it. Each modem's
 * answer is kept on disk (db/sendlog.h) until it is recorded, and the
 * modem sends nothing more until its last ok answer is kept
 * (modem_result_kept: at most one SMS per modem in doubt). While the
 * database is down, spooled urgent alerts' forwards wait in a durable
 * queue (db/fwdq.h) fed to the modems one at a time per modem. A claim
 * committed whose answer was lost with the connection is found and its
 * rows queued again (outbox_requeue_lost). Must never happen here: a row
 * claimed and forgotten (each claimed row gets exactly one result call),
 * a modem's answer dropped before it is recorded, a message text or
 * victim detail in a log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "decide.h"
#include "decide_flood.h"
#include "drain.h"
#include "fwdq.h"
#include "latency.h"
#include "log.h"
#include "lookup.h"
#include "outbox.h"
#include "wallclock.h"
#include "outbox_plan.h"
#include "presence.h"
#include "rows.h"
#include "sendlog.h"

#define OUTBOX_TICK_MS 1000
#define OUTBOX_WINDOW 8			/* SMS in the modems' queues */
#define OUTBOX_PER_MODEM 4		/* of those, in one modem's queue */
#define OUTBOX_CALL_TIMEOUT_MS 10000
#define OUTBOX_RETRY_S 10		/* a failed submit waits this long */
#define OUTBOX_MAX_ATTEMPTS 6		/* then the row is failed */
#define OUTBOX_START_PASSES 30		/* about 30 s, then claims begin */
#define OUTBOX_DIRECT (1ULL << 63)	/* an id not in the outbox table */
#define OUTBOX_FEED_PER_MODEM 1		/* spooled forwards in a modem's queue:
					   one, so a kill -9 leaves at most one
					   in doubt per modem */
#define OUTBOX_REFS_BLOCK 1000		/* alert numbers kept for an outage */
#define OUTBOX_LOST_TICKS 60		/* lost claims looked for this often,
					   beside after a reconnect */
#define OUTBOX_REPLAY_HOLD_MS 10000	/* claims wait at most this long after
					   the database is back for the spool's
					   sent forwards to be replayed */

/* A claimed row handed to a modem, until its result is recorded. */
struct outbox_send {
	uint64_t id;
	int attempts;
	long long t0_us;
	char purpose[16];
	char spool_id[SPOOL_ID_MAX];	/* a spooled alert's forward: */
	int fwd;			/* its spool id and index */
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
	long long claim_t0_us;	/* the claim in flight was sent then */
	int rekick;		/* a kick came during a claim */
	int calls;		/* result/recover calls in flight */
	int recording;		/* of those, results being recorded */
	int recovered;		/* the recover call was made */
	int recover_done;	/* and it committed: claims may begin */
	int start_passes;	/* tries to record the kept results first */
	int lost_check;		/* a claim's answer may have been lost */
	int lost_calling;	/* farol_outbox_requeue_lost in flight */
	int lost_ticks;		/* ticks since it last ran */
	int lost_every;		/* OUTBOX_LOST_TICKS */
	uint64_t *unkept;	/* results neither kept on disk nor yet */
	int n_unkept;		/* recorded: their rows stay `sending' */
	struct sendlog *sendlog;	/* results kept until recorded */
	struct fwdq *fwdq;	/* spooled alerts' forwards, numbers */
	int feeding;		/* of those, handed to modems */
	int reserving;		/* a reservation of numbers in flight */
	int refs_checked;	/* the kept numbers checked this start */
	long long ready_us;	/* the database became ready then */
	int replay_hold;	/* claims held for the replay (logged) */
	struct presence *presence;	/* this gateway's name held */
	uint64_t next_direct;
	int no_modem_logged;
	struct drain drain;
	long long direct_sent, direct_failed;	/* since start-up */
};

static void outbox_pump(struct outbox *ob);
static void outbox_start(struct outbox *ob);
static void outbox_feed(struct outbox *ob);
static void outbox_reserve_refs(struct outbox *ob);
static void outbox_requeue_lost(struct outbox *ob);
static void outbox_fed_cb(struct outbox *ob, struct outbox_send *s,
    const struct modem_send_result *r);

/* One result being recorded. */
struct outbox_recording {
	struct outbox *ob;
	uint64_t id;
	char kept_modem[32];	/* tell this modem when recorded: its ok
				   answer could not be kept on disk */
	int unkept;		/* in ob->unkept until recorded */
};

void
outbox_prepare(struct db *db)
{
	/* Stale rungs are expired by the janitor (janitor.c) and never
	 * claimed; rows another gateway's lease left are taken over. */
	db_prepare_add(db, "outbox_claim", "SELECT id, recipient, text, "
	    "purpose, alert_id, attempts, taken_over FROM "
	    "farol_outbox_claim($1::int, $2::int, $3::int)", 3);
	db_prepare_add(db, "outbox_result", "SELECT farol_outbox_result("
	    "$1::bigint, $2, $3::boolean, $4::int, $5, $6::int)", 6);
	db_prepare_add(db, "outbox_delivered", "SELECT farol_outbox_delivered("
	    "$1, $2, $3::int, $4::boolean)", 4);
	db_prepare_add(db, "outbox_recover", "SELECT farol_outbox_recover() AS "
	    "requeued",
	    0);
	db_prepare_add(db, "outbox_requeue_lost", "SELECT "
	    "farol_outbox_requeue_lost($1::bigint[]) AS requeued", 1);
	db_prepare_add(db, "outbox_reserve_refs", "SELECT ref FROM "
	    "farol_refs_reserve($1::int)", 1);
	db_prepare_add(db, "outbox_check_refs", "SELECT ref FROM "
	    "farol_refs_check($1::bigint[])", 1);
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
		log_error("outbox: recording a delivery report failed: %s",
		    error != NULL ? error->message : "no result");
	outbox_check_drained(ob);
}

/* Modem name's ok answer for row id is durable (or will never be: it
 * was tried): the modem may send its next. By name, as the modem may
 * have gone with a reload since. */
static void
outbox_kept(struct outbox *ob, const char *name, uint64_t id)
{
	for (int i = 0; i < *ob->n_modems; i++)
		if (strcmp(modem_name(ob->modems[i]), name) == 0) {
			modem_result_kept(ob->modems[i], id);
			return;
		}
}

/* A result the disk did not keep, until it is recorded. */
static void
outbox_unkept_add(struct outbox *ob, uint64_t id)
{
	uint64_t *p;

	for (int i = 0; i < ob->n_unkept; i++)
		if (ob->unkept[i] == id)
			return;
	if ((p = reallocarray(ob->unkept, ob->n_unkept + 1, sizeof *p)) ==
	    NULL) {
		log_error("outbox: out of memory: #%llu may be queued again "
		    "while its result is unknown", (unsigned long long)id);
		return;
	}
	ob->unkept = p;
	ob->unkept[ob->n_unkept++] = id;
}

static void
outbox_unkept_drop(struct outbox *ob, uint64_t id)
{
	for (int i = 0; i < ob->n_unkept; i++)
		if (ob->unkept[i] == id) {
			ob->unkept[i] = ob->unkept[--ob->n_unkept];
			return;
		}
}

static void
outbox_recorded_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox_recording *rec = arg;
	struct outbox *ob = rec->ob;
	char *cause = NULL;

	ob->calls--;
	ob->recording--;
	if (res == NULL)
		log_error("outbox: recording the result of #%llu failed: %s; "
		    "%s", (unsigned long long)rec->id,
		    error != NULL ? error->message : "no result", rec->unkept ?
		    "it stays `sending' until the next start, then is queued "
		    "again" : "it is kept in the spool directory and recorded "
		    "again soon");
	else if (ob->sendlog != NULL &&
	    sendlog_forget(ob->sendlog, rec->id, &cause) == -1) {
		log_error("outbox: %s", cause);
		free(cause);
	}
	if (res != NULL && rec->unkept)
		outbox_unkept_drop(ob, rec->id);
	if (rec->kept_modem[0] != '\0')
		outbox_kept(ob, rec->kept_modem, rec->id);
	free(rec);
	if (!ob->recover_done && ob->recording == 0)
		outbox_start(ob);
	outbox_check_drained(ob);
}

/* Ask the database to record e; kept_modem (or NULL) is told once it is
 * recorded; unkept: e is in ob->unkept until then. Returns -1 when the
 * call could not be made (the result stays kept, if it was). */
static int
outbox_record_call(struct outbox *ob, const struct sendlog_entry *e,
    const char *kept_modem, int unkept)
{
	char idbuf[24], refbuf[16], retrybuf[16];
	const char *values[6];
	struct outbox_recording *rec;

	if ((rec = calloc(1, sizeof *rec)) == NULL)
		return -1;
	rec->ob = ob;
	rec->id = e->id;
	rec->unkept = unkept;
	if (kept_modem != NULL)
		snprintf(rec->kept_modem, sizeof rec->kept_modem, "%s",
		    kept_modem);
	snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)e->id);
	snprintf(refbuf, sizeof refbuf, "%d", e->message_ref);
	snprintf(retrybuf, sizeof retrybuf, "%d", e->retry_s);
	values[0] = idbuf;
	values[1] = e->modem[0] != '\0' ? e->modem : NULL;
	values[2] = e->ok ? "true" : "false";
	values[3] = e->ok && e->message_ref >= 0 ? refbuf : NULL;
	values[4] = e->ok ? NULL : e->cause;
	values[5] = !e->ok && e->retry_s >= 0 ? retrybuf : NULL;
	ob->calls++;
	ob->recording++;
	if (db_call_timeout(ob->db, OUTBOX_CALL_TIMEOUT_MS, "outbox_result",
	    6, values, outbox_recorded_cb, rec) != 0) {
		ob->calls--;
		ob->recording--;
		free(rec);
		return -1;
	}
	return 0;
}

/* Record every kept result; one pass at a time. */
static void
outbox_record_kept(struct outbox *ob)
{
	int n = sendlog_count(ob->sendlog);
	uint64_t *ids;

	if (ob->recording > 0 || n == 0 || !db_is_ready(ob->db) ||
	    (ids = calloc(n, sizeof *ids)) == NULL)
		return;
	log_info("outbox: recording %d send result(s) kept in the spool "
	    "directory", n);
	for (int i = 0; i < n; i++)
		ids[i] = sendlog_get(ob->sendlog, i)->id;
	for (int i = 0; i < n; i++)
		if (outbox_record_call(ob, sendlog_find(ob->sendlog, ids[i]),
		    NULL, 0) == -1)
			break;
	free(ids);
}

/* Record one row's outcome. retry_s < 0: failed for good. The modem's
 * answer is kept on disk first, so that neither a slow or absent
 * database nor a crash loses it (it would be sent again); an ok answer's
 * modem is then told it may send its next (if the disk failed: once the
 * database has answered, or at once when it cannot be asked). */
static void
outbox_record(struct outbox *ob, uint64_t id, const char *modem, int ok,
    int message_ref, const char *cause, int retry_s)
{
	struct sendlog_entry e;
	char *why = NULL;
	int kept = 0;

	memset(&e, 0, sizeof e);
	e.id = id;
	snprintf(e.modem, sizeof e.modem, "%s", modem != NULL ? modem : "");
	e.ok = ok;
	e.message_ref = ok ? message_ref : -1;
	e.retry_s = ok ? -1 : retry_s;
	snprintf(e.cause, sizeof e.cause, "%s", !ok && cause != NULL ?
	    cause : "");
	if (ob->sendlog != NULL) {
		if (sendlog_keep(ob->sendlog, &e, &why) == 0)
			kept = 1;
		else {
			log_error("outbox: %s", why);
			free(why);
		}
	}
	if (ok && kept)
		outbox_kept(ob, e.modem, id);
	/* Not on disk: its row is this gateway's (never queued again
	 * while it runs, outbox_requeue_lost) until it is recorded. */
	if (!kept)
		outbox_unkept_add(ob, id);
	if (outbox_record_call(ob, &e, ok && !kept ? e.modem : NULL,
	    !kept) == 0)
		return;
	if (!kept)
		log_error("outbox: cannot record the result of #%llu; it is "
		    "queued again at the next start", (unsigned long long)id);
	if (ok && !kept)
		outbox_kept(ob, e.modem, id);
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
			    "on modem %s, %lld ms after it was queued",
			    r->modem, us / 1000);
		else
			log_error("outbox: forward of a spooled alert NOT "
			    "SENT by modem %s: %s", r->modem, r->cause);
		if (s != NULL)
			outbox_fed_cb(ob, s, r);
		/* Saved in its .fwd file (or that failed, logged). */
		if (r->ok)
			outbox_kept(ob, r->modem, r->id);
		free(s);
		outbox_feed(ob);
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
	/* For tests/bench/bench_gateways (claim latency under several
	 * gateways). */
	log_debug("outbox: claim took %lld us",
	    latency_now_us() - ob->claim_t0_us);
	/* Either way the claim may have committed: its rows are then
	 * this gateway's, `sending', and in no modem. */
	if (res == NULL) {
		log_warn("outbox: claiming due SMS failed: %s",
		    error != NULL ? error->message : "no result");
		ob->lost_check = 1;
	} else if (rows_claim_read(res, &rows, &n, &cause) == -1) {
		log_error("outbox: unreadable claim: %s", cause);
		free(cause);
		ob->lost_check = 1;
	}
	for (int i = 0; i < n; i++) {
		if (rows[i].taken_over)
			log_warn("outbox: #%lld (%s) taken over from a gateway "
			    "whose lease expired", rows[i].id,
			    rows[i].purpose);
		outbox_hand_over(ob, &rows[i]);
	}
	free(rows);
	outbox_requeue_lost(ob);
	/* More may be due: the claim was full, or rows were queued while
	 * it ran. */
	if ((n > 0 || ob->rekick) && !ob->drain.draining) {
		ob->rekick = 0;
		outbox_pump(ob);
	}
	outbox_check_drained(ob);
}

/* How many SMS this gateway's modems can take now: OUTBOX_PER_MODEM in
 * each modem that may send, at most OUTBOX_WINDOW in all, less those
 * handed over and not yet answered. What it cannot send stays in the
 * database for another gateway. */
static int
outbox_room(struct outbox *ob)
{
	struct modem_health h;
	int usable = 0, room;

	for (int i = 0; i < *ob->n_modems; i++) {
		modem_get_health(ob->modems[i], &h);
		if (h.can_send && !h.paused && (h.healthy || (!h.connected &&
		    h.problem[0] == '\0')))
			usable++;
	}
	room = usable * OUTBOX_PER_MODEM;
	if (room > OUTBOX_WINDOW)
		room = OUTBOX_WINDOW;
	if (usable == 0 && !ob->no_modem_logged) {
		log_error("outbox: NO HEALTHY MODEM CAN SEND; outgoing SMS "
		    "wait in the outbox (or go from another gateway)");
		ob->no_modem_logged = 1;
	}
	return room - ob->n_sends;
}

/*
 * Whether claims wait for the replay: the spool holds forwards a modem
 * took while the database was down. The replay may find their report
 * already stored (its ingest committed, the answer lost in a failover),
 * with the alert's own forward to the same number still queued, and
 * cancels it (farol_ingest_sent_again); a claim first would send it
 * twice (gateway/alerts.md, "A report stored twice"). At most
 * OUTBOX_REPLAY_HOLD_MS after the database is back: a replay that keeps
 * failing must not hold every outgoing SMS.
 */
static int
outbox_replay_first(struct outbox *ob)
{
	int n = fwdq_submitted(ob->fwdq);

	if (n == 0 || latency_now_us() - ob->ready_us >=
	    OUTBOX_REPLAY_HOLD_MS * 1000LL) {
		if (ob->replay_hold && n > 0)
			log_warn("outbox: %d forward(s) sent from the spool "
			    "still not replayed after %d ms; claiming again",
			    n, OUTBOX_REPLAY_HOLD_MS);
		ob->replay_hold = 0;
		return 0;
	}
	if (!ob->replay_hold)
		log_info("outbox: claims wait for the replay of %d forward(s) "
		    "sent from the spool", n);
	ob->replay_hold = 1;
	return 1;
}

static void
outbox_pump(struct outbox *ob)
{
	char limit[16], stale[16], lease[16];
	const char *values[3];
	int room;

	if (ob->claiming) {
		ob->rekick = 1;
		return;
	}
	if (ob->drain.draining || !db_is_ready(ob->db) || !ob->recover_done ||
	    !presence_registered(ob->presence) || outbox_replay_first(ob) ||
	    (room = outbox_room(ob)) <= 0)
		return;
	snprintf(limit, sizeof limit, "%d", room);
	snprintf(stale, sizeof stale, "%d", (*ob->cfgp)->stale_after_s);
	snprintf(lease, sizeof lease, "%d", (*ob->cfgp)->lease_s);
	values[0] = limit;
	values[1] = stale;
	values[2] = lease;
	ob->claiming = 1;
	ob->claim_t0_us = latency_now_us();
	if (db_call_timeout(ob->db, OUTBOX_CALL_TIMEOUT_MS, "outbox_claim", 3,
	    values, outbox_claimed_cb, ob) != 0)
		ob->claiming = 0;
}

/* Every tick: claim what became due (rungs; stale rows move on to the
 * next rung, escalation.stale_after, inside the claim). */
static void
outbox_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *ob = arg;

	outbox_feed(ob);	/* the database is down */
	if (!ob->recover_done) {
		outbox_start(ob);
		return;
	}
	outbox_record_kept(ob);	/* those whose recording failed */
	if (++ob->lost_ticks >= ob->lost_every)
		ob->lost_check = 1;
	outbox_requeue_lost(ob);
	outbox_reserve_refs(ob);	/* the name may be held only now */
	outbox_pump(ob);
}

struct outbox *
outbox_new(struct event_base *base, struct db *db,
    struct config *const *cfgp, struct flood *flood,
    struct modem *const *modems, const int *n_modems)
{
	struct outbox *ob = calloc(1, sizeof *ob);
	const char *test;
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
	/* The tests look every tick, while sends are in flight. */
	if ((test = getenv("FAROL_TEST_LOST_TICKS")) == NULL ||
	    (ob->lost_every = atoi(test)) < 1)
		ob->lost_every = OUTBOX_LOST_TICKS;
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

/* A spooled alert's forward answered by its modem: durably its state. */
static void
outbox_fed_cb(struct outbox *ob, struct outbox_send *s,
    const struct modem_send_result *r)
{
	struct fwdq_alert *a;
	struct fwdq_fwd *w;
	char *cause = NULL;

	ob->feeding--;
	if (ob->fwdq == NULL || (a = fwdq_find(ob->fwdq, s->spool_id)) ==
	    NULL || s->fwd >= a->n)
		return;
	w = &a->f[s->fwd];
	if (r->ok) {
		w->state = FWDQ_SUBMITTED;
		snprintf(w->modem, sizeof w->modem, "%s", r->modem);
		w->message_ref = r->message_ref;
		w->submitted_at = (int64_t)wallclock_now();
	} else
		w->state = w->attempts >= OUTBOX_MAX_ATTEMPTS ? FWDQ_FAILED :
		    FWDQ_QUEUED;
	if (fwdq_save(ob->fwdq, a, &cause) == -1) {
		log_error("outbox: %s", cause);
		free(cause);
	}
}

/* The next forward waiting for a modem: U1 first, then U2, each in the
 * order the alerts arrived. */
static int
outbox_next_fed(struct outbox *ob, struct fwdq_alert **ap)
{
	struct fwdq_alert *a;

	for (int u = 1; u <= 2; u++)
		for (int i = 0; i < fwdq_count(ob->fwdq); i++) {
			a = fwdq_at(ob->fwdq, i);
			if (a->replaying || a->urgency > u ||
			    (u == 1 && a->urgency != 1))
				continue;
			for (int j = 0; j < a->n; j++)
				if (a->f[j].state == FWDQ_QUEUED) {
					*ap = a;
					return j;
				}
		}
	return -1;
}

/*
 * While the database is down, hand the queued forwards of spooled alerts
 * to the modems at their pace: a few in each modem's queue, the next when
 * one is answered. Each is marked `sending' on disk before it goes, so
 * that after a crash it is never sent again (db/spool.md, "Forwards").
 * Once the database is back, nothing more is fed: the replay records
 * what is left as outbox rows, which the dispatcher sends.
 */
static void
outbox_feed(struct outbox *ob)
{
	struct fwdq_alert *a;
	struct outbox_send *s;
	struct fwdq_fwd *w;
	struct modem *m;
	char *cause = NULL, *why = NULL;
	int j;

	if (ob->fwdq == NULL || ob->drain.draining || db_is_ready(ob->db))
		return;
	while (ob->feeding < OUTBOX_FEED_PER_MODEM * *ob->n_modems &&
	    (j = outbox_next_fed(ob, &a)) >= 0) {
		if ((m = outbox_pick_modem(ob)) == NULL) {
			if (!ob->no_modem_logged)
				log_error("outbox: NO HEALTHY MODEM to forward "
				    "spooled alerts; %d forward(s) wait",
				    fwdq_queued(ob->fwdq));
			ob->no_modem_logged = 1;
			return;
		}
		ob->no_modem_logged = 0;
		w = &a->f[j];
		w->state = FWDQ_SENDING;
		w->attempts++;
		if (fwdq_save(ob->fwdq, a, &why) == -1) {
			log_error("outbox: %s; the forward waits", why);
			free(why);
			w->state = FWDQ_QUEUED;
			w->attempts--;
			return;
		}
		if ((s = outbox_track_send(ob, OUTBOX_DIRECT |
		    ++ob->next_direct, w->attempts,
		    lookup_outbox_purpose[PURPOSE_FORWARD])) != NULL) {
			memcpy(s->spool_id, a->id, sizeof s->spool_id);
			s->fwd = j;
			ob->feeding++;
		}
		if (s != NULL && modem_send(m, s->id, w->recipient, w->text,
		    &cause) == 0) {
			log_warn("outbox: database down: U%d alert %s forwarded "
			    "to %s from the spool", a->urgency, a->ref > 0 ?
			    "with its number" : "without its number (none "
			    "reserved left)", w->authority);
			continue;
		}
		log_warn("outbox: forward of a spooled alert to %s not handed "
		    "to modem %s: %s", w->authority, modem_name(m),
		    cause != NULL ? cause : "out of memory");
		free(cause);
		if (s != NULL) {
			free(outbox_take_send(ob, s->id));
			ob->feeding--;
		}
		w->state = FWDQ_QUEUED;
		if (fwdq_save(ob->fwdq, a, &why) == -1) {
			log_error("outbox: %s", why);
			free(why);
		}
		return;		/* the next tick tries again */
	}
}

void
outbox_forward_spooled(struct outbox *ob, const struct config *cfg,
    const struct inbound_sms *msg, const char *spool_id)
{
	struct decide_params p = { .default_area = -1, .spooled = 1 };
	struct fwdq_alert *a = NULL;
	struct outbox_plan *plan = NULL;
	enum flood_verdict verdict;
	struct decision *d = NULL;
	char ref[24], when[32], *cause = NULL;
	int64_t n;
	uint64_t key;

	/* A USSD report is an alert like an SMS one (gateway/ussd.md). */
	if ((msg->kind != INBOUND_TEXT && msg->kind != INBOUND_USSD) ||
	    msg->text == NULL || ob->fwdq == NULL)
		return;
	/* Spooled again (read from the SIM again after a kill): its
	 * forwards are queued already. A USSD report has no SMSC time:
	 * its session tells two reports of the same text apart, or, from
	 * a modem (no session), the time it came. */
	snprintf(when, sizeof when, "r:%lld", (long long)msg->received_at);
	key = fwdq_key(msg->sender, msg->kind != INBOUND_USSD ?
	    msg->smsc_time : msg->session[0] != '\0' ? msg->session : when,
	    msg->parts, msg->concat_ref, msg->text);
	if (fwdq_find_key(ob->fwdq, key) != NULL)
		return;
	/* A flooding sender gets no forward at once (its alerts are held
	 * for review when they reach the database). The counter is
	 * ingest's: replayed, the message is not counted again. */
	verdict = flood_note(ob->flood, msg->sender, msg->received_at,
	    flood_text_hash(msg->text), cfg->flood_max, cfg->flood_per_s);
	if (verdict == FLOOD_STARTED || verdict == FLOOD_QUARANTINED ||
	    (d = malloc(sizeof *d)) == NULL ||
	    (plan = malloc(sizeof *plan)) == NULL ||
	    (a = calloc(1, sizeof *a)) == NULL)
		goto out;
	p.cfg = cfg;
	p.received_at = msg->received_at;
	p.pin_verdict = msg->pin_verdict;	/* the text is masked */
	decide_message(&cfg->codebook, &cfg->replies, &p, msg->sender,
	    msg->text, d);
	outbox_plan_spooled(cfg, d, plan);
	if (plan->n == 0)
		goto out;
	/* Its final number, from the block reserved while the database
	 * was up; none left: the forward goes without it, as before. */
	if ((n = fwdq_ref_take(ob->fwdq, &cause)) > 0) {
		snprintf(ref, sizeof ref, "%lld", (long long)n);
		p.ref = ref;
		p.spooled = 0;
		decide_message(&cfg->codebook, &cfg->replies, &p, msg->sender,
		    msg->text, d);
		outbox_plan_spooled(cfg, d, plan);
	} else if (cause != NULL) {
		log_error("outbox: %s", cause);
		free(cause);
		cause = NULL;
	}
	snprintf(a->id, sizeof a->id, "%s", spool_id);
	a->key = key;
	a->ref = n > 0 ? n : -1;
	a->urgency = d->r.urgency;
	for (int i = 0; i < plan->n && a->n < FWDQ_MAX; i++) {
		struct fwdq_fwd *w = &a->f[a->n++];

		w->state = FWDQ_QUEUED;
		w->message_ref = -1;
		snprintf(w->recipient, sizeof w->recipient, "%s",
		    plan->rows[i].recipient);
		snprintf(w->authority, sizeof w->authority, "%s",
		    plan->rows[i].authority != NULL ?
		    plan->rows[i].authority : "");
		w->rung = plan->rows[i].rung;
		snprintf(w->text, sizeof w->text, "%s", plan->rows[i].text);
	}
	if (fwdq_save(ob->fwdq, a, &cause) == -1) {
		log_error("outbox: %s; the alert's forwards wait for the "
		    "database", cause);
		free(cause);
		goto out;
	}
	outbox_feed(ob);
out:
	free(a);
	free(plan);
	free(d);
}

/* The numbers kept on disk that are still this gateway's (checked once
 * per start, before any reservation): a spool restored from an old
 * backup or copied from another gateway hands out no number twice. */
static void
outbox_refs_checked_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox *ob = arg;
	long long *refs = NULL;
	int64_t *r64 = NULL;
	char *cause = NULL;
	int n = 0, dropped;

	ob->calls--;
	ob->reserving = 0;
	if (res == NULL) {
		log_warn("outbox: checking the reserved alert numbers failed: "
		    "%s", error != NULL ? error->message : "no result");
		outbox_check_drained(ob);
		return;
	}
	if (rows_ll_column(res, "ref", &refs, &n, &cause) == -1 ||
	    (n > 0 && (r64 = calloc(n, sizeof *r64)) == NULL)) {
		log_error("outbox: checking the reserved alert numbers: %s",
		    cause ? cause : "out of memory");
		free(cause);
		free(refs);
		outbox_check_drained(ob);
		return;
	}
	for (int i = 0; i < n; i++)
		r64[i] = refs[i];
	if ((dropped = fwdq_refs_keep(ob->fwdq, r64, n, &cause)) == -1) {
		log_error("outbox: %s", cause);
		free(cause);
	} else if (dropped > 0)
		log_warn("outbox: %d reserved alert number(s) in the spool are "
		    "no longer this gateway's (used, or another's); dropped",
		    dropped);
	ob->refs_checked = 1;
	free(r64);
	free(refs);
	outbox_reserve_refs(ob);
	outbox_check_drained(ob);
}

static void
outbox_check_refs(struct outbox *ob)
{
	char *buf;
	const char *values[1];
	size_t len = 0, size;
	int n = fwdq_refs_count(ob->fwdq);
	int64_t *refs;

	if (n == 0) {
		ob->refs_checked = 1;
		return;
	}
	size = (size_t)n * 21 + 3;
	if ((buf = malloc(size)) == NULL ||
	    (refs = calloc(n, sizeof *refs)) == NULL) {
		free(buf);
		return;
	}
	fwdq_refs_copy(ob->fwdq, refs, n);
	len += snprintf(buf + len, size - len, "{");
	for (int i = 0; i < n; i++)
		len += snprintf(buf + len, size - len, "%s%lld", i > 0 ? "," :
		    "", (long long)refs[i]);
	snprintf(buf + len, size - len, "}");
	free(refs);
	values[0] = buf;
	ob->reserving = 1;
	ob->calls++;
	if (db_call(ob->db, "outbox_check_refs", 1, values,
	    outbox_refs_checked_cb, ob) != 0) {
		ob->calls--;
		ob->reserving = 0;
	}
	free(buf);
}

static void
outbox_reserved_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox *ob = arg;
	long long *refs = NULL;
	int64_t *r64 = NULL;
	char *cause = NULL;
	int n = 0;

	ob->calls--;
	ob->reserving = 0;
	if (res == NULL)
		log_warn("outbox: reserving alert numbers for an outage "
		    "failed: %s", error != NULL ? error->message : "no result");
	else if (rows_ll_column(res, "ref", &refs, &n, &cause) == -1 ||
	    (n > 0 && (r64 = calloc(n, sizeof *r64)) == NULL)) {
		log_error("outbox: reserving alert numbers: %s",
		    cause ? cause : "out of memory");
		free(cause);
	} else if (n > 0) {
		for (int i = 0; i < n; i++)
			r64[i] = refs[i];
		if (fwdq_refs_add(ob->fwdq, r64, n, &cause) == -1) {
			log_error("outbox: %s", cause);
			free(cause);
		}
	}
	free(r64);
	free(refs);
	outbox_check_drained(ob);
}

/* Keep the block of numbers for an outage full while the database is
 * up. */
static void
outbox_reserve_refs(struct outbox *ob)
{
	char nbuf[16];
	const char *values[1];
	int want;

	if (ob->fwdq == NULL || ob->reserving || ob->drain.draining ||
	    !db_is_ready(ob->db) || !presence_registered(ob->presence))
		return;
	if (!ob->refs_checked) {
		outbox_check_refs(ob);
		if (!ob->refs_checked)
			return;
	}
	if ((want = OUTBOX_REFS_BLOCK - fwdq_refs_count(ob->fwdq)) <= 0)
		return;
	snprintf(nbuf, sizeof nbuf, "%d", want);
	values[0] = nbuf;
	ob->reserving = 1;
	ob->calls++;
	if (db_call(ob->db, "outbox_reserve_refs", 1, values,
	    outbox_reserved_cb, ob) != 0) {
		ob->calls--;
		ob->reserving = 0;
	}
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
		outbox_check_drained(ob);
		return;
	}
	ob->recover_done = 1;
	if (rows_one_int(res, "requeued", &requeued, &cause) == -1) {
		log_error("outbox: unreadable recovery: %s", cause);
		free(cause);
	} else if (requeued > 0)
		log_warn("outbox: %d SMS interrupted by a stop were queued "
		    "again (a recipient may get one twice)", requeued);
	outbox_pump(ob);
	outbox_check_drained(ob);
}

static void
outbox_requeued_lost_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct outbox *ob = arg;
	char *cause = NULL;
	int requeued;

	ob->calls--;
	ob->lost_calling = 0;
	if (res == NULL) {
		ob->lost_check = 1;	/* the next tick asks again */
		log_warn("outbox: looking for lost claims failed: %s",
		    error != NULL ? error->message : "no result");
	} else if (rows_one_int(res, "requeued", &requeued, &cause) == -1) {
		log_error("outbox: unreadable lost claims: %s", cause);
		free(cause);
	} else if (requeued > 0) {
		log_warn("outbox: %d SMS claimed by a call whose answer was "
		    "lost were queued again", requeued);
		outbox_pump(ob);
	}
	outbox_check_drained(ob);
}

/*
 * Lost claims: a claim PostgreSQL committed whose answer never came
 * (the connection dropped) leaves rows `sending', this gateway's, in no
 * modem; the heartbeat renews their leases, so no other gateway takes
 * them over. After such a claim (and after every reconnect, and every
 * OUTBOX_LOST_TICKS as a safety net for one that committed on a dropped
 * connection after the reconnect), queue them again: every row this
 * gateway claimed but those it holds, i.e. in a modem's hands (sends),
 * with a result kept on disk (sendlog) or neither kept nor recorded
 * (unkept). Never while a claim is in flight: its rows are not held
 * yet. A claim sent after this call runs after it (one connection, in
 * order), or on a new connection after it began (left alone by
 * farol_outbox_requeue_lost).
 */
static void
outbox_requeue_lost(struct outbox *ob)
{
	const struct outbox_send *s;
	const char *values[1];
	char *buf;
	size_t len = 0, size;
	int n;

	if (!ob->lost_check || ob->lost_calling || ob->claiming ||
	    !ob->recover_done || ob->drain.draining || !db_is_ready(ob->db) ||
	    !presence_registered(ob->presence))
		return;
	n = ob->n_sends + sendlog_count(ob->sendlog) + ob->n_unkept;
	size = (size_t)n * 22 + 3;
	if ((buf = malloc(size)) == NULL)
		return;
	len += snprintf(buf + len, size - len, "{");
	for (s = ob->sends; s != NULL; s = s->next)
		if (!(s->id & OUTBOX_DIRECT))
			len += snprintf(buf + len, size - len, "%s%llu",
			    len > 1 ? "," : "", (unsigned long long)s->id);
	for (int i = 0; i < sendlog_count(ob->sendlog); i++)
		len += snprintf(buf + len, size - len, "%s%llu", len > 1 ? "," :
		    "", (unsigned long long)sendlog_get(ob->sendlog, i)->id);
	for (int i = 0; i < ob->n_unkept; i++)
		len += snprintf(buf + len, size - len, "%s%llu", len > 1 ? "," :
		    "", (unsigned long long)ob->unkept[i]);
	snprintf(buf + len, size - len, "}");
	values[0] = buf;
	ob->lost_check = 0;
	ob->lost_ticks = 0;
	ob->lost_calling = 1;
	ob->calls++;
	if (db_call_timeout(ob->db, OUTBOX_CALL_TIMEOUT_MS,
	    "outbox_requeue_lost", 1, values, outbox_requeued_lost_cb, ob) !=
	    0) {
		ob->calls--;
		ob->lost_calling = 0;
		ob->lost_check = 1;
	}
	free(buf);
}

/*
 * Once per start, before the first claim: record the results an earlier
 * run kept (those SMS went: their rows must not be queued again), then
 * queue again the rows still `sending' (farol_outbox_recover), whose
 * answer no modem gave.
 */
static void
outbox_start(struct outbox *ob)
{
	/* Not before this gateway holds its name: a farold refused a live
	 * one's name must not queue that one's rows again. */
	if (ob->recovered || ob->drain.draining || !db_is_ready(ob->db) ||
	    !presence_registered(ob->presence))
		return;
	if (ob->recording > 0)
		return;
	if (sendlog_count(ob->sendlog) > 0 &&
	    ob->start_passes++ < OUTBOX_START_PASSES) {
		outbox_record_kept(ob);
		return;
	}
	/* Never stop sending for good over a result the database keeps
	 * refusing: say which rows may go twice. */
	for (int i = 0; i < sendlog_count(ob->sendlog); i++)
		log_error("outbox: the kept result of #%llu could not be "
		    "recorded in %d tries; if it is still `sending' it is "
		    "queued again and may be sent twice",
		    (unsigned long long)sendlog_get(ob->sendlog, i)->id,
		    OUTBOX_START_PASSES);
	ob->recovered = 1;
	ob->calls++;
	if (db_call(ob->db, "outbox_recover", 0, NULL, outbox_recovered_cb,
	    ob) != 0) {
		ob->calls--;
		ob->recovered = 0;
	}
}

void
outbox_db_ready(struct outbox *ob)
{
	ob->ready_us = latency_now_us();
	outbox_reserve_refs(ob);
	if (!ob->recover_done) {
		outbox_start(ob);
		return;
	}
	outbox_record_kept(ob);
	/* A claim may have been lost with the connection. */
	ob->lost_check = 1;
	outbox_requeue_lost(ob);
	outbox_pump(ob);
}

void
outbox_registered(void *arg)
{
	outbox_db_ready(arg);
}

void
outbox_set_sendlog(struct outbox *ob, struct sendlog *sl)
{
	ob->sendlog = sl;
}

void
outbox_set_presence(struct outbox *ob, struct presence *p)
{
	ob->presence = p;
}

void
outbox_set_fwdq(struct outbox *ob, struct fwdq *q)
{
	ob->fwdq = q;
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
	st->forwards_queued = fwdq_queued(ob->fwdq);
	st->forwards_sending = ob->feeding;
	st->numbers_reserved = fwdq_refs_count(ob->fwdq);
	st->results_kept = sendlog_count(ob->sendlog);
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
	free(ob->unkept);
	free(ob);
}
