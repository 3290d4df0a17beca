/*
 * inbox.c: the durable hand-off of received messages (see inbox.h).
 *
 * Called from the main loop for every message a modem worker reads. Each
 * message is stored with farol_ingest_message() (ingest.h), which is
 * idempotent on the deduplication key, so retrying after an error or
 * re-reading the SIM after a crash never doubles a row. While PostgreSQL is
 * unreachable (or the spool still holds older messages, to keep arrival
 * order) a message goes to the local spool instead, and replay.c stores it
 * later. Must never happen here: releasing (deleting from the SIM) a
 * message that is not yet durable in PostgreSQL or the spool; logging its
 * text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "drain.h"
#include "inbox.h"
#include "ingest.h"
#include "latency.h"
#include "log.h"

#define INBOX_RETRY_MIN_MS 500
#define INBOX_RETRY_MAX_MS 30000

#define INBOX_DB_TIMEOUT_MS 5000	/* then the spool takes it */

struct inbox_item {
	struct inbox *ib;
	struct inbound_sms *sms;
	struct event *retry;
	int retry_ms;
	int in_db;		/* a db call is outstanding */
	int parked;		/* waiting for inbox_db_settled */
	int db_timeout_ms;
	long long t0_us;	/* when the worker had it (monotonic) */
	void (*notify)(const struct inbox_result *, void *);
	void *notify_arg;
	struct inbox_result result;	/* told to notify at unlink */
	struct inbox_item *next, *prev;
};

struct inbox {
	struct event_base *base;
	struct db *db;
	struct ingest *ingest;
	struct spool *spool;
	struct replay *replay;
	struct inbox_item *items;	/* accepted, not yet durable */
	int n_items;
	struct drain drain;
	int db_settled;		/* the first connection attempt ended */
	void (*spooled)(const struct inbound_sms *, const char *, void *);
	void *spooled_arg;
	long long stored, already, spooled_n;	/* since start-up */
};

static void inbox_store(struct inbox_item *it);

struct inbox *
inbox_new(struct event_base *base, struct db *db, struct ingest *ingest,
    struct spool *spool, struct replay *replay)
{
	struct inbox *ib = calloc(1, sizeof *ib);

	if (ib == NULL)
		return NULL;
	ib->base = base;
	ib->db = db;
	ib->ingest = ingest;
	ib->spool = spool;
	ib->replay = replay;
	return ib;
}

void
inbox_set_spooled_cb(struct inbox *ib,
    void (*cb)(const struct inbound_sms *, const char *, void *), void *arg)
{
	ib->spooled = cb;
	ib->spooled_arg = arg;
}

int
inbox_in_flight(const struct inbox *ib)
{
	return ib->n_items;
}

void
inbox_get_stats(const struct inbox *ib, struct inbox_stats *st)
{
	const struct inbox_item *it;

	memset(st, 0, sizeof *st);
	for (it = ib->items; it != NULL; it = it->next) {
		st->pending++;
		if (it->in_db)
			st->storing++;
		else
			st->waiting++;
	}
	st->stored = ib->stored;
	st->already = ib->already;
	st->spooled = ib->spooled_n;
}

static void
inbox_check_drained(struct inbox *ib)
{
	drain_check(&ib->drain, ib->n_items == 0);
}

static void
inbox_unlink(struct inbox_item *it)
{
	struct inbox *ib = it->ib;

	if (it->prev != NULL)
		it->prev->next = it->next;
	else
		ib->items = it->next;
	if (it->next != NULL)
		it->next->prev = it->prev;
	ib->n_items--;
	if (it->notify != NULL)
		it->notify(&it->result, it->notify_arg);
	if (it->retry != NULL)
		event_free(it->retry);
	inbound_sms_free(it->sms);
	free(it);
}

static void
inbox_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	inbox_store(arg);
}

/* Durable (stored or spooled): the modem may delete it. */
static void
inbox_done(struct inbox_item *it)
{
	struct inbox *ib = it->ib;

	if (it->sms->source != NULL)
		modem_release(it->sms->source, it->sms->token);
	inbox_unlink(it);
	inbox_check_drained(ib);
}

static void
inbox_retry_later(struct inbox_item *it)
{
	struct timeval tv;

	tv.tv_sec = it->retry_ms / 1000;
	tv.tv_usec = (it->retry_ms % 1000) * 1000;
	evtimer_add(it->retry, &tv);
	it->retry_ms = it->retry_ms * 2 > INBOX_RETRY_MAX_MS ?
	    INBOX_RETRY_MAX_MS : it->retry_ms * 2;
}

static void
inbox_spool(struct inbox_item *it)
{
	struct inbox *ib = it->ib;
	char id[SPOOL_ID_MAX], *cause = NULL;

	/* No spool file keeps a typed PIN: its verdict instead. */
	if (ingest_seal_pin(ib->ingest, it->sms) != 0) {
		log_error("inbox: CANNOT SPOOL a message from modem %s: out "
		    "of memory; it stays on the SIM, retrying in %d ms",
		    it->sms->modem, it->retry_ms);
		inbox_retry_later(it);
		return;
	}
	if (spool_put(ib->spool, it->sms, id, &cause) != 0) {
		log_error("inbox: CANNOT SPOOL a message from modem %s: %s; "
		    "it stays on the SIM, retrying in %d ms", it->sms->modem,
		    cause ? cause : "unknown error", it->retry_ms);
		free(cause);
		inbox_retry_later(it);
		return;
	}
	ib->spooled_n++;
	it->result.outcome = INBOX_SPOOLED;
	log_info("inbox: message from modem %s spooled as %s in %lld us (the "
	    "database is unavailable)", it->sms->modem, id,
	    latency_now_us() - it->t0_us);
	if (db_is_ready(ib->db))
		replay_kick(ib->replay);
	else if (ib->spooled != NULL)
		ib->spooled(it->sms, id, ib->spooled_arg);
	inbox_done(it);		/* frees it */
}

static void
inbox_stored_cb(const struct ingest_result *res,
    const struct db_error *error, void *arg)
{
	struct inbox_item *it = arg;
	struct inbox *ib = it->ib;

	it->in_db = 0;
	if (res == NULL) {
		if (ib->drain.draining) {
			/* Shutting down: it stays on the SIM for next time. */
			inbox_unlink(it);
			inbox_check_drained(ib);
			return;
		}
		if (error != NULL && !error->transient) {
			log_error("inbox: storing a message from modem %s "
			    "failed: %s; it stays on the SIM, retrying in %d "
			    "ms", it->sms->modem, error->message, it->retry_ms);
			inbox_retry_later(it);
			return;
		}
		log_warn("inbox: storing a message from modem %s failed: %s; "
		    "spooling it", it->sms->modem, error != NULL ?
		    error->message : "no result");
		inbox_spool(it);
		return;
	}
	it->result.outcome = INBOX_STORED;
	it->result.alert_ref = res->alert_ref;
	snprintf(it->result.result, sizeof it->result.result, "%s",
	    res->result != NULL ? res->result : "");
	snprintf(it->result.state, sizeof it->result.state, "%s",
	    res->state != NULL ? res->state : "");
	if (res->inserted)
		ib->stored++;
	else
		ib->already++;
	if (res->inserted)
		log_info("inbox: message %s from modem %s stored (%d part%s) "
		    "in %lld us", res->message_id, it->sms->modem,
		    it->sms->parts, it->sms->parts == 1 ? "" : "s",
		    latency_now_us() - it->t0_us);
	else
		log_info("inbox: message %s from modem %s was already stored "
		    "(read again from the SIM)", res->message_id,
		    it->sms->modem);
	inbox_done(it);
}

/* To PostgreSQL when it is up (and the connection of the message's
 * ingest lane too) and nothing older waits in the spool, else to the
 * spool (arrival order is kept: the spool is replayed first). */
static void
inbox_store(struct inbox_item *it)
{
	if (!it->ib->db_settled) {
		it->parked = 1;
		return;
	}
	if (!db_is_ready(it->ib->db) ||
	    ingest_lane_down(it->ib->ingest, it->sms->sender) ||
	    spool_count(it->ib->spool) > 0) {
		inbox_spool(it);
		return;
	}
	it->in_db = 1;
	if (ingest_message(it->ib->ingest, it->sms, it->db_timeout_ms,
	    inbox_stored_cb, it) != 0) {
		it->in_db = 0;
		inbox_spool(it);
	}
}

int
inbox_receive_notify(struct inbox *ib, struct inbound_sms *sms,
    int db_timeout_ms, void (*cb)(const struct inbox_result *, void *), void *arg)
{
	struct inbox_item *it;

	if (ib->drain.draining || (it = calloc(1, sizeof *it)) == NULL) {
		/* Not released: it stays on the SIM and is read again. */
		inbound_sms_free(sms);
		return -1;
	}
	it->ib = ib;
	it->sms = sms;
	it->db_timeout_ms = db_timeout_ms > 0 ? db_timeout_ms :
	    INBOX_DB_TIMEOUT_MS;
	it->notify = cb;
	it->notify_arg = arg;
	it->result.outcome = INBOX_DROPPED;
	it->retry_ms = INBOX_RETRY_MIN_MS;
	/* The overhead counts from the worker's read (bench_receive). */
	it->t0_us = sms->read_us > 0 ? sms->read_us : latency_now_us();
	it->retry = evtimer_new(ib->base, inbox_retry_cb, it);
	it->next = ib->items;
	if (ib->items != NULL)
		ib->items->prev = it;
	ib->items = it;
	ib->n_items++;
	log_debug("inbox: message on modem %s, %d part(s), %zu bytes",
	    sms->modem, sms->parts, strlen(sms->text));
	inbox_store(it);
	return 0;
}

void
inbox_receive(struct inbox *ib, struct inbound_sms *sms)
{
	inbox_receive_notify(ib, sms, 0, NULL, NULL);
}

void
inbox_cancel_notify(struct inbox *ib, void *arg)
{
	for (struct inbox_item *it = ib->items; it != NULL; it = it->next)
		if (it->notify_arg == arg)
			it->notify = NULL;
}

void
inbox_db_settled(struct inbox *ib)
{
	struct inbox_item *it, *prev;
	int n = 0;

	if (ib->db_settled)
		return;
	ib->db_settled = 1;
	if (ib->items == NULL)
		return;
	/* Oldest first: the list has the newest at its head. */
	for (it = ib->items; it->next != NULL; it = it->next)
		;
	for (; it != NULL; it = prev) {
		prev = it->prev;	/* inbox_store may free it */
		if (it->parked) {
			it->parked = 0;
			n++;
			inbox_store(it);
		}
	}
	if (n > 0)
		log_info("inbox: %d message(s) read during start-up went on "
		    "once the database answered", n);
}

void
inbox_receive_cb(struct inbound_sms *sms, void *arg)
{
	inbox_receive(arg, sms);
}

void
inbox_drain(struct inbox *ib, void (*done)(void *), void *arg)
{
	struct inbox_item *it, *next;

	drain_start(&ib->drain, done, arg);
	/* Items waiting for a retry are dropped: they stay on the SIM. */
	for (it = ib->items; it != NULL; it = next) {
		next = it->next;
		if (!it->in_db)
			inbox_unlink(it);
	}
	inbox_check_drained(ib);
}

void
inbox_forget_modem(struct inbox *ib, struct modem *m)
{
	for (struct inbox_item *it = ib->items; it != NULL; it = it->next)
		if (it->sms->source == m)
			it->sms->source = NULL;
}

void
inbox_free(struct inbox *ib)
{
	if (ib == NULL)
		return;
	while (ib->items != NULL)
		inbox_unlink(ib->items);
	free(ib);
}
