/*
 * ingest.c: store one received message with what it means (see ingest.h).
 *
 * Called by inbox.c and replay.c for every message. The SQL functions
 * (db/schema/0002_alerts.sql) do the deduplication, so a message stored
 * twice makes one message, one alert and one set of outbox rows. Here a
 * decision (decide.h) becomes the jsonb parameters of that call. Never
 * logs a message's text or a victim detail.
 *
 * Group commit: messages are queued here and sent as one call of
 * farol_ingest_many() (one transaction) per batch; the next batch leaves
 * when the previous one has committed, so a quiet gateway stores each
 * message at once and a busy one stores many per commit. A batch that
 * fails for a reason other than the connection is retried message by
 * message, so one bad message never holds back the others.
 *
 * Lanes: with database.ingest_connections = N, batches go over N
 * connections at once, the engine farold shares with everything else
 * (lane 0) and N - 1 of their own, each with its queue and one batch in
 * flight. A stable hash of the sender's normalised number picks its
 * lane, so one sender's messages are stored in their order on one
 * connection (its flood count, an ANULAR after its report, a message
 * read twice), and a message retried alone stays on its lane. A batch
 * the server rolled back to end a deadlock (two lanes locking the same
 * alerts) is sent again as it was, first in its lane.
 *
 * What is sent, to whom and when is decided by outbox_plan.c; here its
 * rows become the "outbox" member of the message's element; a command's
 * element carries the replies of each of its possible outcomes
 * ("replies"), of which farol_ingest_command queues its outcome's in the
 * same transaction; a quarantined sender's message carries the flood
 * notice, which the database queues if the quarantine begins. The alert
 * number is only known inside the transaction: texts carry "{ref}", which
 * SQL replaces (OUTBOX_REF_STANDIN).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <libpq-fe.h>

#include "decide.h"
#include "decide_flood.h"
#include "fwdq.h"
#include "ingest.h"
#include "jsonw.h"
#include "latency.h"
#include "log.h"
#include "lookup_names.h"
#include "outbox_plan.h"
#include "phone.h"
#include "rows.h"

#define INGEST_SEED_TIMEOUT_MS 30000
/* Past 64 a report costs the database no less, and a batch is what the
 * pending cap lets queue (tests/bench/RESULTS.md, "batching"). */
#define INGEST_BATCH_MAX 64
#define INGEST_ROLLED_BACK_MAX 5	/* resent after a deadlock, at most */

/* One connection's batches, in order. */
struct ingest_lane {
	struct db *db;
	struct ingest_job *queue, *queue_tail;	/* waiting for a batch */
	int batch_in_flight;
	long long batches, messages, resent;	/* since start-up */
};

struct ingest {
	struct db *db;		/* lane 0's: the seed */
	struct config *const *cfgp;
	void (*kick)(void *);
	void *kick_arg;
	int in_flight;
	struct flood *flood;
	struct latency *latency;
	struct ingest_lane lanes[INGEST_LANES_MAX];
	int n_lanes;
};

/* One message's call, kept until its result has been handled. */
struct ingest_job {
	struct ingest *ig;
	struct ingest_lane *lane;	/* picked by its sender, kept */
	struct ingest_job *next;
	char *element;		/* the message's object of the batch */
	long long deadline_us;	/* monotonic: the caller's timeout */
	int alone;		/* retried on its own after a batch error */
	int rolled_back;	/* times its batch was resent */
	ingest_cb cb;
	void *arg;
	int is_command;
	enum report_cmd cmd;
	long ref;
	enum reply_lang lang;	/* of the sender */
	char sender[PHONE_E164_MAX];	/* "" : never answered */
	char *text;		/* the command's free text (INFO's news, a
				   reason), NULL if none */
	long long t0_us;	/* when it reached the gateway */
	int plans_now;		/* its alert plans rows due at once (its
				   forwards): the outbox is kicked */
};

void
ingest_prepare_lane(struct db *db)
{
	db_prepare_add(db, "ingest_many", "SELECT i, message_id, inserted, "
	    "result, alert_id, alert_ref, outbox_queued, state, focal_number, "
	    "authority_name, holders FROM farol_ingest_many($1::jsonb)", 1);
}

void
ingest_prepare(struct db *db)
{
	ingest_prepare_lane(db);
	db_prepare_add(db, "flood_seed", "SELECT sender, at, text, "
	    "quarantined FROM farol_flood_seed($1::int)", 1);
}

void
ingest_set_latency(struct ingest *ig, struct latency *l)
{
	ig->latency = l;
}

struct ingest *
ingest_new(struct db *db, struct config *const *cfgp, struct flood *flood,
    void (*kick)(void *), void *kick_arg)
{
	struct ingest *ig = calloc(1, sizeof *ig);

	if (ig == NULL)
		return NULL;
	ig->db = db;
	ig->cfgp = cfgp;
	ig->kick = kick;
	ig->kick_arg = kick_arg;
	ig->flood = flood;
	ig->lanes[0].db = db;
	ig->n_lanes = 1;
	return ig;
}

int
ingest_add_lane(struct ingest *ig, struct db *db)
{
	if (ig->n_lanes == INGEST_LANES_MAX)
		return -1;
	ingest_prepare_lane(db);
	ig->lanes[ig->n_lanes++].db = db;
	return 0;
}

int
ingest_lanes(const struct ingest *ig)
{
	return ig->n_lanes;
}

/*
 * The lane of a sender: FNV-1a of its number in E.164 (as the codebook
 * normalises it; as it came when it is not a number), so "9912345" and
 * "+2389912345" share one, across restarts and builds.
 */
static struct ingest_lane *
ingest_lane_of(struct ingest *ig, const char *sender)
{
	char e164[PHONE_E164_MAX];
	const char *key = sender != NULL ? sender : "";
	uint32_t h = 2166136261u;

	if (ig->n_lanes == 1)
		return &ig->lanes[0];
	if (phone_normalise(&(*ig->cfgp)->codebook, key, e164, sizeof e164,
	    NULL) == 0)
		key = e164;
	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return &ig->lanes[h % (uint32_t)ig->n_lanes];
}

int
ingest_lane_index(struct ingest *ig, const char *sender)
{
	return (int)(ingest_lane_of(ig, sender) - ig->lanes);
}

int
ingest_lane_down(struct ingest *ig, const char *sender)
{
	return db_get_state(ingest_lane_of(ig, sender)->db) == DB_BACKOFF;
}

int
ingest_ready(const struct ingest *ig)
{
	for (int i = 0; i < ig->n_lanes; i++)
		if (!db_is_ready(ig->lanes[i].db))
			return 0;
	return 1;
}

void
ingest_get_lane(const struct ingest *ig, int i, struct ingest_lane_stats *st)
{
	const struct ingest_lane *l = &ig->lanes[i];
	const struct ingest_job *job;

	memset(st, 0, sizeof *st);
	st->state = db_state_name(db_get_state(l->db));
	for (job = l->queue; job != NULL; job = job->next)
		st->queued++;
	st->in_flight = l->batch_in_flight;
	st->batches = l->batches;
	st->messages = l->messages;
	st->resent = l->resent;
}

void
ingest_free(struct ingest *ig)
{
	if (ig == NULL)
		return;
	free(ig);
}

int
ingest_in_flight(const struct ingest *ig)
{
	return ig->in_flight;
}

static void
ingest_job_free(struct ingest_job *job)
{
	job->ig->in_flight--;
	free(job->element);
	free(job->text);
	free(job);
}

static void
ingest_kick(struct ingest *ig)
{
	if (ig->kick != NULL)
		ig->kick(ig->kick_arg);
}

static void
ingest_count(struct jsonw *w, const char *key, int v)
{
	if (v >= 0)
		jsonw_int(w, key, v);
	else
		jsonw_null(w, key);
}

/* The alert of a valid or invalid ALERTA, as farol_ingest_report reads;
 * ref > 0: the number its forwards carried while the database was down;
 * plan: its rows, of which the later rungs are the alert's plan. */
static void
ingest_alert_json(struct jsonw *w, const struct decision *d,
    const char *raw_sender, int64_t ref, const struct outbox_plan *plan)
{
	const struct report *r = &d->r;
	const struct codebook *cb = d->cb;
	long first;

	jsonw_object(w, "alert");
	if (ref > 0)
		jsonw_int(w, "ref", ref);
	jsonw_str(w, "state", lookup_alert_state[d->valid ? ALERT_RECEIVED :
	    ALERT_INVALID]);
	jsonw_str(w, "focal_point", d->fp != NULL ? d->fp->id : NULL);
	jsonw_str(w, "sender", d->from[0] != '\0' ? d->from : raw_sender);
	jsonw_bool(w, "verified", d->fp != NULL);
	if (!d->valid)
		jsonw_str(w, "error", report_err_name(r->err));
	jsonw_str(w, "area", r->area >= 0 && r->area < cb->n_areas ?
	    cb->areas[r->area].code : NULL);
	jsonw_array(w, "forms");
	for (int i = 0; i < r->n_forms; i++)
		jsonw_str(w, NULL, cb->forms[r->forms[i]].code);
	jsonw_end(w, ']');
	if (d->valid)
		jsonw_int(w, "urgency", r->urgency);
	ingest_count(w, "victims", r->victims);
	ingest_count(w, "females", r->females);
	ingest_count(w, "males", r->males);
	jsonw_bool(w, "minor", r->minor);
	jsonw_strn(w, "text", d->text + r->text_off, r->text_len);
	jsonw_str(w, "held_reason", d->held);
	/* The rungs due after escalation.rung_horizon: written by the
	 * janitor when they come within it (farol_alert_plan_write). */
	if ((first = outbox_plan_later_first(plan)) >= 0) {
		outbox_plan_json_later(w, "rung_plan", plan);
		jsonw_int(w, "rung_plan_after_s", first);
	}
	jsonw_end(w, '}');
}

/* The message's own members of its batch element; text is what is stored
 * (the PIN masked), NULL for msg's own. */
static void
ingest_message_json(struct jsonw *w, const struct inbound_sms *msg,
    const char *text)
{
	jsonw_str(w, "modem", msg->modem);
	jsonw_str(w, "sender", msg->sender);
	jsonw_str(w, "text", text != NULL ? text : msg->text ? msg->text :
	    "");
	jsonw_str(w, "smsc_time", msg->smsc_time);
	jsonw_int(w, "received_at", msg->received_at);
	jsonw_int(w, "parts", msg->parts);
	jsonw_int(w, "concat_ref", msg->concat_ref);
	jsonw_str(w, "kind", inbound_kind_name(msg->kind));
	jsonw_int(w, "parts_expected", msg->parts_expected);
	if (msg->session[0] != '\0')
		jsonw_str(w, "session", msg->session);
}

/* One message's outcome, from its row of a batch result. Returns 1 when
 * it queued outbox rows (the caller kicks the outbox, once a batch). */
static int
ingest_job_done(struct ingest_job *job, const struct rows_ingest *row)
{
	struct ingest_result r;
	int queued = 0;

	r.message_id = row->message_id_text;
	r.inserted = row->inserted;
	r.alert_ref = row->alert_ref;
	r.result = row->result;
	r.state = row->state;
	job->cb(&r, NULL, job->arg);
	if (r.inserted && job->is_command)
		log_info("ingest: %s %ld: %s", report_cmd_name(job->cmd, 0),
		    job->ref, row->result != NULL ? row->result : "");
	if (r.inserted && (row->outbox_queued > 0 || job->plans_now)) {
		if (!job->is_command && job->ig->latency != NULL &&
		    row->alert_id_text != NULL)
			latency_mark(job->ig->latency, row->alert_id,
			    row->alert_ref, job->t0_us);
		queued = 1;
	}
	ingest_job_free(job);
	return queued;
}

static void ingest_flush(struct ingest_lane *lane);

struct ingest_batch {
	struct ingest *ig;
	struct ingest_lane *lane;
	struct ingest_job *jobs;	/* in element order */
	int n;
};

/* Put a failed batch's jobs back at the head of its lane's queue. */
static void
ingest_requeue(struct ingest_batch *b)
{
	struct ingest_lane *lane = b->lane;
	struct ingest_job *last = b->jobs;

	while (last->next != NULL)
		last = last->next;
	last->next = lane->queue;
	if (lane->queue == NULL)
		lane->queue_tail = last;
	lane->queue = b->jobs;
}

static void
ingest_batch_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct ingest_batch *b = arg;
	struct ingest *ig = b->ig;
	struct ingest_lane *lane = b->lane;
	struct ingest_job *job, *next;
	struct rows_ingest *rows = NULL;
	static const struct db_error unreadable = { "unreadable result", 0,
	    0 },
	    unexpected = { "unexpected result", 0, 0 };
	char *cause = NULL;
	int row = 0, n = 0, queued = 0;

	lane->batch_in_flight = 0;
	if (res != NULL && rows_ingest_read(res, &rows, &n, &cause) == -1) {
		log_error("ingest: unreadable result: %s", cause);
		error = &unreadable;
		res = NULL;
	}
	if (res != NULL && n == b->n) {
		/* The next batch goes first: PostgreSQL stores it while these
		 * results are handled (releases, replies, the outbox's kick). */
		ingest_flush(lane);
		lane->batches++;
		lane->messages += b->n;
		for (job = b->jobs; job != NULL; job = next, row++) {
			next = job->next;
			queued |= ingest_job_done(job, &rows[row]);
		}
		/* One claim for the batch, not one per message. */
		if (queued)
			ingest_kick(ig);
	} else if (res == NULL && error != NULL && error->rolled_back &&
	    b->jobs->rolled_back < INGEST_ROLLED_BACK_MAX) {
		/* A deadlock with another lane or gateway: nothing was kept;
		 * the same batch goes again, first in its lane. */
		log_warn("ingest: a batch of %d message(s) was rolled back "
		    "(%s); sending it again", b->n, error->message);
		for (job = b->jobs; job != NULL; job = job->next)
			job->rolled_back++;
		lane->resent++;
		ingest_requeue(b);
	} else if (b->n > 1 && error != NULL && !error->transient) {
		/* One message may be at fault: each goes again alone, first. */
		log_warn("ingest: a batch of %d messages failed (%s); storing "
		    "them one by one", b->n, error->message);
		for (job = b->jobs; job != NULL; job = job->next)
			job->alone = 1;
		ingest_requeue(b);
	} else {
		for (job = b->jobs; job != NULL; job = next) {
			next = job->next;
			job->cb(NULL, error != NULL ? error : &unexpected,
			    job->arg);
			ingest_job_free(job);
		}
	}
	free(rows);
	free(cause);
	free(b);
	ingest_flush(lane);
}

/* Send the lane's queued messages as one batch, unless one is in flight. */
static void
ingest_flush(struct ingest_lane *lane)
{
	struct ingest_batch *b;
	struct ingest_job *job, *last = NULL;
	struct evbuffer *buf;
	long long now = latency_now_us(), deadline = 0;
	const char *values[1];

	if (lane->batch_in_flight || lane->queue == NULL)
		return;
	if ((b = calloc(1, sizeof *b)) == NULL ||
	    (buf = evbuffer_new()) == NULL) {
		free(b);
		return;		/* the next message or result tries again */
	}
	b->ig = lane->queue->ig;
	b->lane = lane;
	b->jobs = lane->queue;
	evbuffer_add(buf, "[", 1);
	/* A message retried alone after a batch error goes alone. */
	for (job = lane->queue; job != NULL && b->n < INGEST_BATCH_MAX &&
	    !(b->n > 0 && (job->alone || b->jobs->alone)); job = job->next) {
		if (b->n > 0)
			evbuffer_add(buf, ",", 1);
		evbuffer_add(buf, job->element, strlen(job->element));
		if (deadline == 0 || job->deadline_us < deadline)
			deadline = job->deadline_us;
		last = job;
		b->n++;
	}
	lane->queue = last->next;
	if (lane->queue == NULL)
		lane->queue_tail = NULL;
	last->next = NULL;
	evbuffer_add(buf, "]", 2);	/* with the NUL */
	values[0] = (const char *)evbuffer_pullup(buf, -1);
	lane->batch_in_flight = 1;
	if (db_call_timeout(lane->db, deadline - now > 100000 ?
	    (int)((deadline - now) / 1000) : 100, "ingest_many", 1, values,
	    ingest_batch_cb, b) != 0) {
		static const struct db_error unqueued = {
			"db closed: the call could not be queued", 0, 0
		};

		lane->batch_in_flight = 0;
		for (job = b->jobs; job != NULL; job = last) {
			last = job->next;
			job->cb(NULL, &unqueued, job->arg);
			ingest_job_free(job);
		}
		free(b);
	}
	evbuffer_free(buf);
}

/* A USSD step of an operator's session (it has a sessionId) reads its
 * answer on the screen (gateway/ussd.md); a network-initiated USSD from a
 * modem has no screen: it is answered by SMS, as an SMS is. */
static int
ingest_on_screen(const struct inbound_sms *msg)
{
	return msg->kind == INBOUND_USSD && msg->session[0] != '\0';
}

static int
ingest_is_command(enum report_cmd cmd)
{
	return cmd == REPORT_CMD_OK || cmd == REPORT_CMD_FIM ||
	    cmd == REPORT_CMD_LIBERAR ||
	    cmd == REPORT_CMD_ANULAR || cmd == REPORT_CMD_INFO ||
	    cmd == REPORT_CMD_ESTADO;
}

/*
 * The rows an administrator's release of this held alert sends (state
 * "held"): decided again as if nothing held it, neither its PIN nor a
 * flood. Returns 0, or -1 when out of memory (the alert can then still
 * be dismissed, not released).
 */
static int
ingest_plan_release(const struct config *cfg, const struct inbound_sms *msg,
    const struct decide_params *p, struct outbox_plan *plan)
{
	struct decide_params rp = *p;
	struct decision *d;

	if ((d = malloc(sizeof *d)) == NULL)
		return -1;
	rp.released = 1;
	decide_message(&cfg->codebook, &cfg->replies, &rp, msg->sender,
	    msg->text, d);
	outbox_plan_held(cfg, d, plan);
	free(d);
	return 0;
}

/*
 * The flood verdict, for the database (farol_flood_note): a quarantine
 * lasting or beginning, with the administrators' notice it queues if it
 * begins there (once per quarantine, even across restarts), or ending.
 */
static void
ingest_flood_json(struct jsonw *w, const struct config *cfg,
    enum flood_verdict verdict, const char *sender, struct outbox_plan *plan)
{
	if (verdict == FLOOD_OK)
		return;
	if (verdict == FLOOD_ENDED) {
		jsonw_str(w, "flood", "ended");
		return;
	}
	if (verdict == FLOOD_STARTED)
		log_warn("ingest: a sender passed %d messages in %d s: "
		    "quarantined (its messages are stored, its alerts held "
		    "for review)", cfg->flood_max, cfg->flood_per_s);
	jsonw_str(w, "flood", "quarantined");
	outbox_plan_flood(cfg, sender, plan);
	jsonw_array(w, "flood_notice");
	outbox_plan_json(w, plan, NULL, NULL);
	jsonw_end(w, ']');
}

static void
ingest_seed_cb(const PGresult *res, const struct db_error *error, void *arg)
{
	struct ingest *ig = arg;
	const struct config *cfg = *ig->cfgp;
	int fs, fa, ft, fq, n = 0;

	if (res == NULL || (fs = PQfnumber(res, "sender")) < 0 ||
	    (fa = PQfnumber(res, "at")) < 0 ||
	    (ft = PQfnumber(res, "text")) < 0 ||
	    (fq = PQfnumber(res, "quarantined")) < 0) {
		log_warn("ingest: the flood counter was not seeded: %s",
		    error != NULL ? error->message : "unexpected result");
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *sender = PQgetvalue(res, i, fs);

		flood_note(ig->flood, sender, (time_t)strtoll(PQgetvalue(res,
		    i, fa), NULL, 10), flood_text_hash(PQgetvalue(res, i, ft)),
		    cfg->flood_max, cfg->flood_per_s);
		if (PQgetvalue(res, i, fq)[0] == 't') {
			flood_mark(ig->flood, sender);
			n++;
		}
	}
	log_info("ingest: flood counter seeded with %d message(s), %d from "
	    "senders in quarantine", PQntuples(res), n);
}

void
ingest_flood_seed(struct ingest *ig)
{
	const struct config *cfg = *ig->cfgp;
	const char *values[1];
	char per_s[16];

	snprintf(per_s, sizeof per_s, "%d", cfg->flood_per_s);
	values[0] = per_s;
	if (db_call_timeout(ig->db, INGEST_SEED_TIMEOUT_MS, "flood_seed", 1,
	    values, ingest_seed_cb, ig) != 0)
		log_warn("ingest: cannot seed the flood counter");
}

/*
 * The forwards of a spooled alert (fa) as they went while the database
 * was down: a numbered one is its plan row, in the state it reached (not
 * sent again: a row written at ingest, out of the alert's plan; one
 * still queued stays planned); one sent without a number is a row of its
 * own, and the numbered forward still follows.
 */
static void
ingest_spooled_forwards(const struct fwdq_alert *fa,
    struct outbox_plan *plan)
{
	const struct fwdq_fwd *w;
	struct outbox_row *row;
	int i;

	for (int k = 0; k < fa->n; k++) {
		w = &fa->f[k];
		if (w->state != FWDQ_SUBMITTED)
			continue;
		row = NULL;
		for (i = 0; fa->ref > 0 && i < plan->n; i++) {
			row = &plan->rows[i];
			if (strcmp(row->purpose,
			    lookup_outbox_purpose[PURPOSE_FORWARD]) == 0 &&
			    row->authority != NULL &&
			    strcmp(row->authority, w->authority) == 0 &&
			    row->rung == w->rung &&
			    strcmp(row->recipient, w->recipient) == 0)
				break;
			row = NULL;
		}
		if (row == NULL) {
			if (plan->n == OUTBOX_PLAN_MAX)
				continue;
			row = &plan->rows[plan->n++];
			memset(row, 0, sizeof *row);
			row->purpose = lookup_outbox_purpose[PURPOSE_FORWARD];
			snprintf(row->recipient, sizeof row->recipient, "%s",
			    w->recipient);
			/* Not a rung of the ladder: the numbered forward
			 * (its plan row) still follows. */
		}
		snprintf(row->text, sizeof row->text, "%s", w->text);
		row->later = 0;		/* sent: a row, not the plan's */
		row->state = lookup_outbox_state[OUTBOX_SUBMITTED];
		snprintf(row->modem, sizeof row->modem, "%s", w->modem);
		row->message_ref = w->message_ref;
		row->submitted_at = w->submitted_at;
	}
}

int
ingest_message(struct ingest *ig, const struct inbound_sms *msg,
    int timeout_ms, ingest_cb cb, void *arg)
{
	return ingest_message_spooled(ig, msg, NULL, timeout_ms, cb, arg);
}

int
ingest_seal_pin(struct ingest *ig, struct inbound_sms *msg)
{
	const struct config *cfg = *ig->cfgp;
	struct decide_params p = { .default_area = -1 };
	struct decision *d;
	char *typed;

	if (msg->pin_verdict != INBOUND_PIN_UNCHECKED ||
	    (msg->kind != INBOUND_TEXT && msg->kind != INBOUND_USSD) ||
	    msg->text == NULL)
		return 0;
	if ((d = malloc(sizeof *d)) == NULL)
		return -1;
	if ((typed = strdup(msg->text)) == NULL) {
		free(d);
		return -1;
	}
	p.cfg = cfg;
	p.received_at = (time_t)msg->received_at;
	decide_message(&cfg->codebook, &cfg->replies, &p, msg->sender,
	    typed, d);
	report_mask_pin(&d->r, msg->text, strlen(msg->text));
	if (strcmp(typed, msg->text) != 0)
		msg->pin_verdict = decide_pin_typed_right(d) ?
		    INBOUND_PIN_RIGHT : INBOUND_PIN_WRONG;
	explicit_bzero(typed, strlen(typed));
	free(typed);
	free(d);
	return 0;
}

int
ingest_message_spooled(struct ingest *ig, const struct inbound_sms *msg,
    const struct fwdq_alert *fa, int timeout_ms, ingest_cb cb, void *arg)
{
	const struct config *cfg = *ig->cfgp;
	struct decide_params p = { .default_area = -1 };
	struct ingest_job *job;
	struct ingest_lane *lane;
	struct decision *d = NULL;
	struct outbox_plan *plan = NULL;
	struct outbox_command cmd;
	struct evbuffer *buf = NULL;
	enum flood_verdict verdict;
	struct jsonw w;
	char *masked = NULL;
	int rc = -1;

	if ((job = calloc(1, sizeof *job)) == NULL)
		return -1;
	job->ig = ig;
	job->cb = cb;
	job->arg = arg;
	job->t0_us = latency_now_us();
	job->deadline_us = job->t0_us + (timeout_ms > 0 ? timeout_ms :
	    30000) * 1000LL;
	ig->in_flight++;
	if ((buf = evbuffer_new()) == NULL)
		goto out;
	jsonw_init(&w, buf);
	jsonw_object(&w, NULL);
	/* Only text messages and USSD strings mean something; binary data
	 * and status reports are stored as they are. */
	if ((msg->kind == INBOUND_TEXT || msg->kind == INBOUND_USSD) &&
	    msg->text != NULL) {
		if ((d = malloc(sizeof *d)) == NULL ||
		    (plan = malloc(sizeof *plan)) == NULL)
			goto out;
		p.cfg = cfg;
		p.ref = OUTBOX_REF_STANDIN;
		p.received_at = (time_t)msg->received_at;
		p.pin_verdict = msg->pin_verdict;
		decide_message(&cfg->codebook, &cfg->replies, &p, msg->sender,
		    msg->text, d);
		/* The PIN was checked on the text as typed (or before it was
		 * spooled masked); no stored copy keeps it (the dedupe key
		 * is made of the masked text). */
		if ((masked = strdup(msg->text)) == NULL)
			goto out;
		report_mask_pin(&d->r, masked, strlen(masked));
		/* A USSD sender reads the answer on the screen: no SMS
		 * receipt (gateway/ussd.md). */
		if (ingest_on_screen(msg))
			d->has_reply = 0;
		snprintf(job->sender, sizeof job->sender, "%s", d->from);
		job->lang = d->lang;
		verdict = flood_note(ig->flood, msg->sender,
		    (time_t)msg->received_at, flood_text_hash(msg->text),
		    cfg->flood_max, cfg->flood_per_s);
		ingest_flood_json(&w, cfg, verdict, d->from[0] != '\0' ?
		    d->from : msg->sender, plan);
		if (verdict == FLOOD_STARTED ||
		    verdict == FLOOD_QUARANTINED) {
			/* Quarantine: stored, held, never answered. */
			d->has_reply = 0;
			job->sender[0] = '\0';
			if (d->routed)
				d->held = "flood";
		}
	}
	ingest_message_json(&w, msg, masked);
	if (d != NULL && d->valid && ingest_is_command(d->r.cmd)) {
		job->is_command = 1;
		job->cmd = d->r.cmd;
		job->ref = d->r.ref;
		/* The free text after the number: INFO's news, FIM's or
		 * ANULAR's reason; recorded as the event's note. */
		if (d->r.text_len > 0 &&
		    (job->text = strndup(d->text + d->r.text_off,
		    d->r.text_len)) == NULL)
			goto out;
		jsonw_str(&w, "command", report_cmd_name(d->r.cmd, 0));
		jsonw_int(&w, "ref", d->r.ref);
		/* The sender as the database compares it with the alert's
		 * (a modem may give national numbers). */
		jsonw_str(&w, "from", d->from[0] != '\0' ? d->from : NULL);
		jsonw_str(&w, "note", job->text != NULL ? job->text : "");
		/* The replies of each outcome: the database queues the
		 * outcome's own with the command, in one transaction. */
		cmd.cmd = job->cmd;
		cmd.ref = job->ref;
		/* A USSD command (the menu's status) is answered on the
		 * screen (gateway/ussd.md): no SMS reply. */
		cmd.sender = ingest_on_screen(msg) ? "" : job->sender;
		cmd.lang = job->lang;
		cmd.text = job->text;
		outbox_plan_command(cfg, &cmd, plan);
		jsonw_array(&w, "replies");
		outbox_plan_json(&w, plan, NULL, NULL);
		jsonw_end(&w, ']');
		/* Only escalation.admins may release a held alert. */
		jsonw_bool(&w, "admin", job->sender[0] != '\0' &&
		    config_is_admin(cfg, job->sender));
	} else if (d != NULL) {
		outbox_plan_message(cfg, d, plan);
		/* Before the plan is written: a forward sent from the
		 * spool is a row, never planned. */
		if (fa != NULL)
			ingest_spooled_forwards(fa, plan);
		if (d->r.cmd == REPORT_CMD_ALERTA) {
			ingest_alert_json(&w, d, msg->sender, fa != NULL ?
			    fa->ref : -1, plan);
			job->plans_now = outbox_plan_later_first(plan) == 0;
		} else	/* no alert to keep a plan: every row now */
			for (int i = 0; i < plan->n; i++)
				plan->rows[i].later = 0;
		jsonw_array(&w, "outbox");
		outbox_plan_json(&w, plan, NULL, NULL);
		/* A held alert's routing waits with it, for its release. */
		if (d->held != NULL && d->routed &&
		    ingest_plan_release(cfg, msg, &p, plan) == 0)
			outbox_plan_json(&w, plan, NULL, NULL);
		jsonw_end(&w, ']');
	}
	jsonw_end(&w, '}');
	if ((job->element = strdup(jsonw_text(&w))) == NULL)
		goto out;
	job->lane = lane = ingest_lane_of(ig, msg->sender);
	if (lane->queue_tail != NULL)
		lane->queue_tail->next = job;
	else
		lane->queue = job;
	lane->queue_tail = job;
	rc = 0;
	ingest_flush(lane);
out:
	if (rc != 0)
		ingest_job_free(job);
	if (buf != NULL)
		evbuffer_free(buf);
	free(masked);
	free(plan);
	free(d);
	return rc;
}
