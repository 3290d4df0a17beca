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
 * The alert number is only known inside the transaction, so texts are
 * rendered with a 9-character stand-in (as wide as the longest number,
 * so the 160-character budget holds) that becomes "{ref}" here and the
 * number in SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <libpq-fe.h>

#include "decide.h"
#include "flood.h"
#include "ingest.h"
#include "jsonw.h"
#include "latency.h"
#include "log.h"
#include "lookup.h"
#include "rows.h"

#define INGEST_REF_STANDIN "#########"
#define INGEST_FOLLOWUP_TIMEOUT_MS 30000
#define INGEST_BATCH_MAX 64

struct ingest {
	struct db *db;
	struct config *const *cfgp;
	void (*kick)(void *);
	void *kick_arg;
	int in_flight;
	struct flood *flood;
	struct latency *latency;
	struct ingest_job *queue, *queue_tail;	/* waiting for a batch */
	int batch_in_flight;
};

/* One message's call, kept until its result has been handled. */
struct ingest_job {
	struct ingest *ig;
	struct ingest_job *next;
	char *element;		/* the message's object of the batch */
	long long deadline_us;	/* monotonic: the caller's timeout */
	int alone;		/* retried on its own after a batch error */
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
};

void
ingest_prepare(struct db *db)
{
	db_prepare_add(db, "ingest_many", "SELECT i, message_id, inserted, "
	    "result, alert_id, alert_ref, outbox_queued, state, focal_number, "
	    "authority_name, holders FROM farol_ingest_many($1::jsonb)", 1);
	db_prepare_add(db, "outbox_queue",
	    "SELECT farol_outbox_queue($1::jsonb)", 1);
}

void
ingest_set_latency(struct ingest *ig, struct latency *l)
{
	ig->latency = l;
}

struct ingest *
ingest_new(struct db *db, struct config *const *cfgp, void (*kick)(void *),
    void *kick_arg)
{
	struct ingest *ig = calloc(1, sizeof *ig);

	if (ig == NULL)
		return NULL;
	ig->db = db;
	ig->cfgp = cfgp;
	ig->kick = kick;
	ig->kick_arg = kick_arg;
	if ((ig->flood = flood_new()) == NULL) {
		free(ig);
		return NULL;
	}
	return ig;
}

void
ingest_free(struct ingest *ig)
{
	if (ig == NULL)
		return;
	flood_free(ig->flood);
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

/* Every stand-in of the alert number becomes "{ref}", in place. */
static void
ingest_ref_placeholder(char *s)
{
	const size_t n = sizeof INGEST_REF_STANDIN - 1;
	char *p;

	while ((p = strstr(s, INGEST_REF_STANDIN)) != NULL) {
		memcpy(p, "{ref}", 5);
		memmove(p + 5, p + n, strlen(p + n) + 1);
	}
}

static void
ingest_outbox_row(struct jsonw *w, const char *recipient, char *text,
    const char *purpose, const char *authority, int rung, long after_s)
{
	ingest_ref_placeholder(text);
	jsonw_object(w, NULL);
	jsonw_str(w, "recipient", recipient);
	jsonw_str(w, "text", text);
	jsonw_str(w, "purpose", purpose);
	if (authority != NULL) {
		jsonw_str(w, "authority", authority);
		jsonw_int(w, "rung", rung);
	}
	jsonw_int(w, "after_s", after_s);
	jsonw_end(w, '}');
}

static void
ingest_count(struct jsonw *w, const char *key, int v)
{
	if (v >= 0)
		jsonw_int(w, key, v);
	else
		jsonw_null(w, key);
}

/* The alert of a valid or invalid ALERTA, as farol_ingest_report reads. */
static void
ingest_alert_json(struct jsonw *w, const struct decision *d,
    const char *raw_sender)
{
	const struct report *r = &d->r;
	const struct codebook *cb = d->cb;

	jsonw_object(w, "alert");
	jsonw_str(w, "state", d->valid ? "received" : "invalid");
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
	jsonw_end(w, '}');
}

/* An administrator's notice about this alert (held, nobody answered). */
static void
ingest_admin_text(const struct config *cfg, const struct decision *d,
    int t, char *out, size_t outsz)
{
	struct reply_vars v;

	memset(&v, 0, sizeof v);
	v.report = &d->r;
	v.input = d->text;
	v.input_len = d->len;
	v.ref = INGEST_REF_STANDIN;
	v.fp_name = d->fp != NULL ? d->fp->name : "?";
	v.fp_phone = d->from;
	if (reply_render(&cfg->codebook, &cfg->replies, REPLY_PT, t, &v, out,
	    outsz) < 0)
		snprintf(out, outsz, "FAROL " INGEST_REF_STANDIN);
}

/* Receipt or reply, forwards and rungs, administrators' notices. */
static void
ingest_outbox_json(struct jsonw *w, const struct config *cfg,
    const struct decision *d)
{
	const struct route_step *s;
	const char *text;
	char buf[REPLY_MAX_BYTES];

	jsonw_array(w, "outbox");
	if (d->has_reply) {
		snprintf(buf, sizeof buf, "%s", d->reply);
		ingest_outbox_row(w, d->from, buf, d->r.cmd ==
		    REPORT_CMD_ALERTA && d->valid ? "receipt" : "reply", NULL,
		    0, 0);
	}
	if (d->held != NULL && strcmp(d->held, "flood") == 0) {
		/* The administrators were told when the quarantine began. */
	} else if (d->held != NULL) {
		ingest_admin_text(cfg, d, REPLY_ADMIN_HELD, buf, sizeof buf);
		for (int i = 0; i < cfg->n_admins; i++) {
			char copy[REPLY_MAX_BYTES];

			snprintf(copy, sizeof copy, "%s", buf);
			ingest_outbox_row(w, cfg->admins[i], copy, "admin",
			    NULL, 0, 0);
		}
	} else if (d->routed && !d->plan.digest_only) {
		for (int i = 0; i < d->plan.n_steps; i++) {
			s = &d->plan.steps[i];
			if (s->authority >= 0) {
				text = decide_step_text(d, s);
				snprintf(buf, sizeof buf, "%s", text ? text :
				    "");
			} else
				ingest_admin_text(cfg, d,
				    REPLY_ADMIN_UNANSWERED, buf, sizeof buf);
			ingest_outbox_row(w, s->number, buf, s->after_s == 0 ?
			    "forward" : "escalation", s->authority >= 0 ?
			    cfg->authorities[s->authority].id : NULL,
			    s->rung + 1, s->after_s);
		}
	} else if (d->routed) {
		/* U3: no SMS now; each authority's first rung gets it in
		 * the daily digest. */
		for (int i = 0; i < d->plan.n_authorities; i++) {
			const struct authority *a =
			    &cfg->authorities[d->plan.authorities[i]];

			if (a->n_rungs == 0)
				continue;
			snprintf(buf, sizeof buf, "%s", d->fwd[i]);
			ingest_outbox_row(w, a->ladder[0].number, buf,
			    "digest", a->id, 1, d->plan.digest_after_s);
		}
	}
	jsonw_end(w, ']');
}

/* The message's own members of its batch element. */
static void
ingest_message_json(struct jsonw *w, const struct spool_message *msg)
{
	jsonw_str(w, "modem", msg->modem);
	jsonw_str(w, "sender", msg->sender);
	jsonw_str(w, "text", msg->text ? msg->text : "");
	jsonw_str(w, "smsc_time", msg->smsc_time);
	jsonw_int(w, "received_at", msg->received_at);
	jsonw_int(w, "parts", msg->parts);
	jsonw_int(w, "concat_ref", msg->concat_ref);
	jsonw_str(w, "kind", msg->kind);
	jsonw_int(w, "parts_expected", msg->parts_expected);
}

/* The language of whoever has this number: registry, authority, pt. */
static enum reply_lang
ingest_lang_of(const struct config *cfg, const char *number)
{
	const struct focal_point *fp = config_find_focal(cfg, number);

	if (fp != NULL)
		return fp->lang;
	for (int a = 0; a < cfg->n_authorities; a++)
		for (int i = 0; i < cfg->authorities[a].n_rungs; i++)
			if (strcmp(cfg->authorities[a].ladder[i].number,
			    number) == 0)
				return cfg->authorities[a].lang;
	return REPLY_PT;
}

static const char *
ingest_state_words(const char *state, enum reply_lang lang)
{
	static const char *const words[][3] = {
		{ "received", "recebido, a encaminhar", "received, being sent" },
		{ "invalid", "invalido", "invalid" },
		{ "forwarded", "encaminhado", "forwarded" },
		{ "delivered", "entregue, sem OK ainda", "delivered, no OK yet" },
		{ "escalated", "escalado, sem OK ainda", "escalated, no OK yet" },
		{ "acknowledged", "assumido", "taken in charge" },
		{ "closed", "fechado", "closed" },
		{ "cancelled", "anulado", "cancelled" },
		{ "expired", "expirado", "expired" },
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], state) == 0)
			return words[i][lang == REPLY_EN ? 2 : 1];
	return state;
}

static void
ingest_queued_cb(const PGresult *res, const char *error, void *arg)
{
	struct ingest *ig = arg;

	ig->in_flight--;
	if (res == NULL)
		log_error("ingest: queueing the replies of a command failed: "
		    "%s", error ? error : "no result");
	else
		ingest_kick(ig);
}

/* Render template t for number and add it to the rows. report (may be
 * NULL) gives {cmd}: a refusal names the command as typed. */
static void
ingest_followup_row(struct jsonw *w, const struct config *cfg, int t,
    const char *number, enum reply_lang lang, const char *ref,
    const char *notified, const char *text, const struct report *report,
    const char *purpose, const char *alert_id, const char *message_id)
{
	struct reply_vars v;
	char out[REPLY_MAX_BYTES];

	if (number == NULL || number[0] == '\0')
		return;
	memset(&v, 0, sizeof v);
	v.report = report;
	v.ref = ref;
	v.notified = notified;
	v.text = text;
	v.text_len = text != NULL ? strlen(text) : 0;
	if (reply_render(&cfg->codebook, &cfg->replies, lang, t, &v, out,
	    sizeof out) < 0)
		return;
	jsonw_object(w, NULL);
	jsonw_str(w, "recipient", number);
	jsonw_str(w, "text", out);
	jsonw_str(w, "purpose", purpose);
	if (alert_id != NULL && alert_id[0] != '\0')
		jsonw_int(w, "alert_id", atoll(alert_id));
	jsonw_int(w, "message_id", atoll(message_id));
	jsonw_end(w, '}');
}

/* "{a,b}" (a text[] as libpq prints it) to numbers, in place. */
static int
ingest_split_array(char *s, char **out, int max)
{
	int n = 0;
	char *tok;

	if (*s == '{')
		s++;
	s[strcspn(s, "}")] = '\0';
	for (tok = strtok(s, ","); tok != NULL && n < max;
	    tok = strtok(NULL, ","))
		out[n++] = tok;
	return n;
}

/* The replies a command's outcome calls for. */
static void
ingest_command_followup(struct ingest_job *job, const struct rows_ingest *row)
{
	const struct config *cfg = *job->ig->cfgp;
	const char *message_id = row->message_id_text;
	const char *result = row->result != NULL ? row->result : "";
	const char *alert_id = row->alert_id_text != NULL ?
	    row->alert_id_text : "";
	const char *state = row->state != NULL ? row->state : "";
	const char *focal = row->focal_number != NULL ? row->focal_number : "";
	const char *authority = row->authority_name != NULL ?
	    row->authority_name : "";
	char holders_buf[1024], *holders[32], ref[16];
	struct evbuffer *buf;
	struct jsonw w;
	const char *values[1];
	int n_holders, t = -1, holder_t = -1;
	const char *holder_purpose = NULL;

	if (job->sender[0] == '\0')
		return;		/* not a phone number: never answered */
	snprintf(ref, sizeof ref, "%ld", job->ref);
	snprintf(holders_buf, sizeof holders_buf, "%s",
	    row->holders != NULL ? row->holders : "");
	n_holders = ingest_split_array(holders_buf, holders, 32);
	if ((buf = evbuffer_new()) == NULL)
		return;
	jsonw_init(&w, buf);
	jsonw_array(&w, NULL);
	if (strcmp(result, "unknown_ref") == 0)
		t = REPLY_ERROR_UNKNOWN_REF;
	else if (strcmp(result, "not_allowed") == 0)
		t = REPLY_ERROR_NOT_ALLOWED;
	else if (strcmp(result, "already") == 0)
		t = REPLY_ACK_ALREADY;
	else if (strcmp(result, "ok") == 0) {
		switch (job->cmd) {
		case REPORT_CMD_OK:
			t = REPLY_ACK_RECEIPT;
			ingest_followup_row(&w, cfg, REPLY_ACK_NOTICE, focal,
			    ingest_lang_of(cfg, focal), ref, authority, NULL,
			    NULL, lookup_outbox_purpose[PURPOSE_ACK_NOTICE],
			    alert_id, message_id);
			break;
		case REPORT_CMD_FIM:
			t = REPLY_CLOSE_RECEIPT;
			break;
		case REPORT_CMD_ANULAR:
			t = REPLY_CANCEL_RECEIPT;
			holder_t = REPLY_CANCEL_NOTICE;
			holder_purpose =
			    lookup_outbox_purpose[PURPOSE_CANCEL_NOTICE];
			break;
		case REPORT_CMD_INFO:
			t = REPLY_INFO_RECEIPT;
			holder_t = REPLY_INFO_FORWARD;
			holder_purpose = lookup_outbox_purpose[PURPOSE_INFO];
			break;
		case REPORT_CMD_ESTADO:
			t = REPLY_STATUS;
			break;
		default:
			break;
		}
	}
	/* ANULAR and INFO tell whoever was sent a forward or rung. */
	for (int i = 0; holder_t >= 0 && i < n_holders; i++)
		ingest_followup_row(&w, cfg, holder_t, holders[i],
		    ingest_lang_of(cfg, holders[i]), ref, NULL,
		    holder_t == REPLY_INFO_FORWARD ? job->text : NULL, NULL,
		    holder_purpose, alert_id, message_id);
	if (t >= 0) {
		struct report r;

		memset(&r, 0, sizeof r);
		r.cmd = job->cmd;
		r.ref = job->ref;
		ingest_followup_row(&w, cfg, t, job->sender, job->lang, ref,
		    t == REPLY_STATUS ? ingest_state_words(state, job->lang) :
		    authority, NULL, &r, lookup_outbox_purpose[PURPOSE_REPLY],
		    alert_id, message_id);
	}
	jsonw_end(&w, ']');
	values[0] = jsonw_text(&w);
	job->ig->in_flight++;
	if (db_call_timeout(job->ig->db, INGEST_FOLLOWUP_TIMEOUT_MS,
	    "outbox_queue", 1, values, ingest_queued_cb, job->ig) != 0) {
		job->ig->in_flight--;
		log_error("ingest: cannot queue the replies of a command");
	}
	log_info("ingest: %s %s: %s", report_cmd_name(job->cmd, 0), ref,
	    result);
	evbuffer_free(buf);
}

/* One message's outcome, from its row of a batch result. */
static void
ingest_job_done(struct ingest_job *job, const struct rows_ingest *row)
{
	struct ingest_result r;

	r.message_id = row->message_id_text;
	r.inserted = row->inserted;
	job->cb(&r, NULL, job->arg);
	if (r.inserted && job->is_command)
		ingest_command_followup(job, row);
	else if (r.inserted && row->outbox_queued > 0) {
		if (job->ig->latency != NULL && row->alert_id_text != NULL)
			latency_mark(job->ig->latency, row->alert_id,
			    job->t0_us);
		ingest_kick(job->ig);
	}
	ingest_job_free(job);
}

static void ingest_flush(struct ingest *ig);

struct ingest_batch {
	struct ingest *ig;
	struct ingest_job *jobs;	/* in element order */
	int n;
};

static void
ingest_batch_cb(const PGresult *res, const char *error, void *arg)
{
	struct ingest_batch *b = arg;
	struct ingest *ig = b->ig;
	struct ingest_job *job, *next, *last = NULL;
	struct rows_ingest *rows = NULL;
	char *cause = NULL;
	int row = 0, n = 0;

	ig->batch_in_flight = 0;
	if (res != NULL && rows_ingest_read(res, &rows, &n, &cause) == -1) {
		log_error("ingest: unreadable result: %s", cause);
		error = "unreadable result";
		res = NULL;
	}
	if (res != NULL && n == b->n) {
		for (job = b->jobs; job != NULL; job = next, row++) {
			next = job->next;
			ingest_job_done(job, &rows[row]);
		}
	} else if (b->n > 1 && error != NULL && !db_error_is_transient(error)) {
		/* One message may be at fault: each goes again alone, first. */
		log_warn("ingest: a batch of %d messages failed (%s); storing "
		    "them one by one", b->n, error);
		for (job = b->jobs; job != NULL; job = job->next) {
			job->alone = 1;
			last = job;
		}
		last->next = ig->queue;
		if (ig->queue == NULL)
			ig->queue_tail = last;
		ig->queue = b->jobs;
	} else {
		for (job = b->jobs; job != NULL; job = next) {
			next = job->next;
			job->cb(NULL, error != NULL ? error :
			    "unexpected result", job->arg);
			ingest_job_free(job);
		}
	}
	free(rows);
	free(cause);
	free(b);
	ingest_flush(ig);
}

/* Send the queued messages as one batch, unless one is in flight. */
static void
ingest_flush(struct ingest *ig)
{
	struct ingest_batch *b;
	struct ingest_job *job, *last = NULL;
	struct evbuffer *buf;
	long long now = latency_now_us(), deadline = 0;
	const char *values[1];

	if (ig->batch_in_flight || ig->queue == NULL)
		return;
	if ((b = calloc(1, sizeof *b)) == NULL ||
	    (buf = evbuffer_new()) == NULL) {
		free(b);
		return;		/* the next message or result tries again */
	}
	b->ig = ig;
	b->jobs = ig->queue;
	evbuffer_add(buf, "[", 1);
	/* A message retried alone after a batch error goes alone. */
	for (job = ig->queue; job != NULL && b->n < INGEST_BATCH_MAX &&
	    !(b->n > 0 && (job->alone || b->jobs->alone)); job = job->next) {
		if (b->n > 0)
			evbuffer_add(buf, ",", 1);
		evbuffer_add(buf, job->element, strlen(job->element));
		if (deadline == 0 || job->deadline_us < deadline)
			deadline = job->deadline_us;
		last = job;
		b->n++;
	}
	ig->queue = last->next;
	if (ig->queue == NULL)
		ig->queue_tail = NULL;
	last->next = NULL;
	evbuffer_add(buf, "]", 2);	/* with the NUL */
	values[0] = (const char *)evbuffer_pullup(buf, -1);
	ig->batch_in_flight = 1;
	if (db_call_timeout(ig->db, deadline - now > 100000 ?
	    (int)((deadline - now) / 1000) : 100, "ingest_many", 1, values,
	    ingest_batch_cb, b) != 0) {
		ig->batch_in_flight = 0;
		for (job = b->jobs; job != NULL; job = last) {
			last = job->next;
			job->cb(NULL, "db closed: the call could not be queued",
			    job->arg);
			ingest_job_free(job);
		}
		free(b);
	}
	evbuffer_free(buf);
}

static int
ingest_is_command(enum report_cmd cmd)
{
	return cmd == REPORT_CMD_OK || cmd == REPORT_CMD_FIM ||
	    cmd == REPORT_CMD_ANULAR || cmd == REPORT_CMD_INFO ||
	    cmd == REPORT_CMD_ESTADO;
}

/* A quarantine begins: tell the administrators (once per quarantine). */
static void
ingest_flood_notice(struct ingest *ig, const struct config *cfg,
    const char *sender)
{
	struct evbuffer *buf = evbuffer_new();
	char why[64], out[REPLY_MAX_BYTES];
	struct reply_vars v;
	const char *values[1];
	struct jsonw w;

	log_warn("ingest: a sender passed %d messages in %d s: quarantined "
	    "(its messages are stored, its alerts held for review)",
	    cfg->flood_max, cfg->flood_per_s);
	if (buf == NULL)
		return;
	snprintf(why, sizeof why, "> %d SMS / %d min", cfg->flood_max,
	    (cfg->flood_per_s + 59) / 60);
	memset(&v, 0, sizeof v);
	v.fp_phone = sender;
	v.notified = why;
	jsonw_init(&w, buf);
	jsonw_array(&w, NULL);
	if (reply_render(&cfg->codebook, &cfg->replies, REPLY_PT,
	    REPLY_ADMIN_FLOOD, &v, out, sizeof out) >= 0)
		for (int i = 0; i < cfg->n_admins; i++) {
			jsonw_object(&w, NULL);
			jsonw_str(&w, "recipient", cfg->admins[i]);
			jsonw_str(&w, "text", out);
			jsonw_str(&w, "purpose", "admin");
			jsonw_end(&w, '}');
		}
	jsonw_end(&w, ']');
	values[0] = jsonw_text(&w);
	ig->in_flight++;
	if (db_call_timeout(ig->db, INGEST_FOLLOWUP_TIMEOUT_MS, "outbox_queue",
	    1, values, ingest_queued_cb, ig) != 0)
		ig->in_flight--;
	evbuffer_free(buf);
}

int
ingest_message(struct ingest *ig, const struct spool_message *msg,
    int timeout_ms, ingest_cb cb, void *arg)
{
	const struct config *cfg = *ig->cfgp;
	struct decide_params p = { .default_area = -1 };
	struct ingest_job *job;
	struct decision *d = NULL;
	struct evbuffer *buf = NULL;
	enum flood_verdict verdict;
	struct jsonw w;
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
	ingest_message_json(&w, msg);
	/* Only text messages mean something; binary data and status
	 * reports are stored as they are. */
	if (strcmp(msg->kind, "sms") == 0 && msg->text != NULL) {
		if ((d = malloc(sizeof *d)) == NULL)
			goto out;
		p.cfg = cfg;
		p.ref = INGEST_REF_STANDIN;
		p.received_at = (time_t)msg->received_at;
		decide_message(&cfg->codebook, &cfg->replies, &p, msg->sender,
		    msg->text, d);
		snprintf(job->sender, sizeof job->sender, "%s", d->from);
		job->lang = d->lang;
		verdict = flood_note(ig->flood, msg->sender,
		    (time_t)msg->received_at, cfg->flood_max,
		    cfg->flood_per_s);
		if (verdict == FLOOD_STARTED)
			ingest_flood_notice(ig, cfg, d->from[0] != '\0' ?
			    d->from : msg->sender);
		if (verdict != FLOOD_OK) {
			/* Quarantine: stored, held, never answered. */
			d->has_reply = 0;
			job->sender[0] = '\0';
			if (d->routed)
				d->held = "flood";
		}
	}
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
		jsonw_str(&w, "note", job->text != NULL ? job->text : "");
	} else if (d != NULL) {
		if (d->r.cmd == REPORT_CMD_ALERTA)
			ingest_alert_json(&w, d, msg->sender);
		ingest_outbox_json(&w, cfg, d);
	}
	jsonw_end(&w, '}');
	if ((job->element = strdup(jsonw_text(&w))) == NULL)
		goto out;
	if (ig->queue_tail != NULL)
		ig->queue_tail->next = job;
	else
		ig->queue = job;
	ig->queue_tail = job;
	rc = 0;
	ingest_flush(ig);
out:
	if (rc != 0)
		ingest_job_free(job);
	if (buf != NULL)
		evbuffer_free(buf);
	free(d);
	return rc;
}
