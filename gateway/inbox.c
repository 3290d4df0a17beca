/*
 * inbox.c: the durable hand-off of received messages (see inbox.h).
 *
 * Called from the main loop for every message a modem worker reads. Each
 * message is stored with farol_ingest_message(), which is idempotent on the
 * deduplication key, so retrying after an error or re-reading the SIM after
 * a crash never doubles a row. Must never happen here: releasing (deleting
 * from the SIM) a message whose commit was not confirmed; logging its text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "inbox.h"
#include "log.h"

#define INBOX_RETRY_MIN_MS 500
#define INBOX_RETRY_MAX_MS 30000

static const char inbox_ingest_sql[] =
    "SELECT message_id, inserted FROM farol_ingest_message("
    "$1, $2, $3, NULLIF($4, '')::timestamptz, to_timestamp($5), "
    "$6::int, NULLIF($7, '-1')::int, $8, $9::int)";

struct inbox_item {
	struct inbox *ib;
	struct inbound_sms *sms;
	struct event *retry;
	int retry_ms;
	int in_db;		/* a db call is outstanding */
	struct inbox_item *next, *prev;
};

struct inbox {
	struct event_base *base;
	struct db *db;
	struct inbox_item *items;	/* accepted, not yet durable */
	int n_items;
	int draining;
	void (*drained)(void *);
	void *drained_arg;
};

static void inbox_store(struct inbox_item *it);

static const char *
inbox_kind_name(enum inbound_kind kind)
{
	switch (kind) {
	case INBOUND_BINARY:
		return "binary";
	case INBOUND_STATUS_REPORT:
		return "status_report";
	case INBOUND_TEXT:
		break;
	}
	return "sms";
}

void
inbox_prepare(struct db *db)
{
	db_prepare_add(db, "ingest_message", inbox_ingest_sql, 9);
}

struct inbox *
inbox_new(struct event_base *base, struct db *db)
{
	struct inbox *ib = calloc(1, sizeof *ib);

	if (ib == NULL)
		return NULL;
	ib->base = base;
	ib->db = db;
	return ib;
}

int
inbox_in_flight(const struct inbox *ib)
{
	return ib->n_items;
}

static void
inbox_check_drained(struct inbox *ib)
{
	void (*done)(void *) = ib->drained;

	if (ib->draining && ib->n_items == 0 && done != NULL) {
		ib->drained = NULL;
		done(ib->drained_arg);
	}
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

static void
inbox_stored_cb(const PGresult *res, const char *error, void *arg)
{
	struct inbox_item *it = arg;
	struct inbox *ib = it->ib;
	struct timeval tv;

	it->in_db = 0;
	if (res == NULL || PQntuples(res) != 1) {
		log_warn("inbox: storing a message from modem %s failed: %s; "
		    "retrying in %d ms (it stays on the SIM)", it->sms->modem,
		    error ? error : "no result", it->retry_ms);
		if (ib->draining) {
			/* Shutting down: it stays on the SIM for next time. */
			inbox_unlink(it);
			inbox_check_drained(ib);
			return;
		}
		tv.tv_sec = it->retry_ms / 1000;
		tv.tv_usec = (it->retry_ms % 1000) * 1000;
		evtimer_add(it->retry, &tv);
		it->retry_ms = it->retry_ms * 2 > INBOX_RETRY_MAX_MS ?
		    INBOX_RETRY_MAX_MS : it->retry_ms * 2;
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		log_info("inbox: message %s from modem %s stored (%d part%s)",
		    PQgetvalue(res, 0, 0), it->sms->modem, it->sms->parts,
		    it->sms->parts == 1 ? "" : "s");
	else
		log_info("inbox: message %s from modem %s was already stored "
		    "(read again from the SIM)", PQgetvalue(res, 0, 0),
		    it->sms->modem);
	if (it->sms->source != NULL)
		modem_release(it->sms->source, it->sms->token);
	inbox_unlink(it);
	inbox_check_drained(ib);
}

static void
inbox_store(struct inbox_item *it)
{
	struct inbound_sms *s = it->sms;
	char received[32], parts[16], ref[16], expected[16];
	const char *values[9];

	snprintf(received, sizeof received, "%lld", (long long)s->received_at);
	snprintf(parts, sizeof parts, "%d", s->parts);
	snprintf(ref, sizeof ref, "%d", s->concat_ref);
	snprintf(expected, sizeof expected, "%d", s->parts_expected);
	values[0] = s->modem;
	values[1] = s->sender;
	values[2] = s->text;
	values[3] = s->smsc_time;
	values[4] = received;
	values[5] = parts;
	values[6] = ref;
	values[7] = inbox_kind_name(s->kind);
	values[8] = expected;
	it->in_db = 1;
	if (db_call(it->ib->db, "ingest_message", 9, values, inbox_stored_cb,
	    it) != 0) {
		it->in_db = 0;
		inbox_stored_cb(NULL, "cannot queue the database call", it);
	}
}

void
inbox_receive(struct inbox *ib, struct inbound_sms *sms)
{
	struct inbox_item *it;

	if (ib->draining || (it = calloc(1, sizeof *it)) == NULL) {
		/* Not released: it stays on the SIM and is read again. */
		inbound_sms_free(sms);
		return;
	}
	it->ib = ib;
	it->sms = sms;
	it->retry_ms = INBOX_RETRY_MIN_MS;
	it->retry = evtimer_new(ib->base, inbox_retry_cb, it);
	it->next = ib->items;
	if (ib->items != NULL)
		ib->items->prev = it;
	ib->items = it;
	ib->n_items++;
	log_debug("inbox: message from %s on modem %s, %d part(s), %zu bytes",
	    sms->sender, sms->modem, sms->parts, strlen(sms->text));
	inbox_store(it);
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

	ib->draining = 1;
	ib->drained = done;
	ib->drained_arg = arg;
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
