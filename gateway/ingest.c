/*
 * ingest.c: store one received message with what it means (see ingest.h).
 *
 * Called by inbox.c and replay.c for every message. The SQL functions
 * (db/schema/0002_alerts.sql) do the deduplication, so a message stored
 * twice makes one message, one alert and one set of outbox rows. Here a
 * decision (decide.h) becomes the jsonb parameters of that call. Never
 * logs a message's text or a victim detail.
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

#define INGEST_REF_STANDIN "#########"
#define INGEST_FOLLOWUP_TIMEOUT_MS 30000

struct ingest {
	struct db *db;
	struct config *const *cfgp;
	void (*kick)(void *);
	void *kick_arg;
	int in_flight;
	struct flood *flood;
	struct latency *latency;
};

/* One message's call, kept until its result has been handled. */
struct ingest_job {
	struct ingest *ig;
	db_result_cb cb;
	void *arg;
	int is_command;
	enum report_cmd cmd;
	long ref;
	enum reply_lang lang;	/* of the sender */
	char sender[PHONE_E164_MAX];	/* "" : never answered */
	char *text;		/* INFO's text, for the holders */
	long long t0_us;	/* when it reached the gateway */
};

static const char message_params[] =
    "$1, $2, $3, NULLIF($4, '')::timestamptz, to_timestamp($5), "
    "$6::int, NULLIF($7, '-1')::int, $8, $9::int";

void
ingest_prepare(struct db *db)
{
	char sql[1024];

	snprintf(sql, sizeof sql, "SELECT message_id, inserted, alert_id, "
	    "alert_ref, outbox_queued FROM farol_ingest_report(%s, "
	    "$10::jsonb, $11::jsonb)", message_params);
	db_prepare_add(db, "ingest_report", sql, 11);
	snprintf(sql, sizeof sql, "SELECT message_id, inserted, result, "
	    "alert_id, alert_ref, state, focal_number, authority_name, "
	    "holders FROM farol_ingest_command(%s, $10, $11::bigint, $12)",
	    message_params);
	db_prepare_add(db, "ingest_command", sql, 12);
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

	jsonw_object(w, NULL);
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

	jsonw_array(w, NULL);
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

static void
ingest_message_values(const struct spool_message *msg, char received[32],
    char parts[16], char ref[16], char expected[16], const char **values)
{
	snprintf(received, 32, "%lld", (long long)msg->received_at);
	snprintf(parts, 16, "%d", msg->parts);
	snprintf(ref, 16, "%d", msg->concat_ref);
	snprintf(expected, 16, "%d", msg->parts_expected);
	values[0] = msg->modem;
	values[1] = msg->sender;
	values[2] = msg->text ? msg->text : "";
	values[3] = msg->smsc_time;
	values[4] = received;
	values[5] = parts;
	values[6] = ref;
	values[7] = msg->kind;
	values[8] = expected;
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

/* Render template t for number and add it to the rows. */
static void
ingest_followup_row(struct jsonw *w, const struct config *cfg, int t,
    const char *number, enum reply_lang lang, const char *ref,
    const char *notified, const char *text, const char *purpose,
    const char *alert_id, const char *message_id)
{
	struct reply_vars v;
	char out[REPLY_MAX_BYTES];

	if (number == NULL || number[0] == '\0')
		return;
	memset(&v, 0, sizeof v);
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

/* The replies a command's outcome calls for (columns of ingest_command). */
static void
ingest_command_followup(struct ingest_job *job, const PGresult *res)
{
	const struct config *cfg = *job->ig->cfgp;
	const char *message_id = PQgetvalue(res, 0, 0);
	const char *result = PQgetvalue(res, 0, 2);
	const char *alert_id = PQgetvalue(res, 0, 3);
	const char *state = PQgetvalue(res, 0, 5);
	const char *focal = PQgetvalue(res, 0, 6);
	const char *authority = PQgetvalue(res, 0, 7);
	char holders_buf[1024], *holders[32], ref[16];
	struct evbuffer *buf;
	struct jsonw w;
	const char *values[1];
	int n_holders, t = -1;

	if (job->sender[0] == '\0')
		return;		/* not a phone number: never answered */
	snprintf(ref, sizeof ref, "%ld", job->ref);
	snprintf(holders_buf, sizeof holders_buf, "%s",
	    PQgetvalue(res, 0, 8));
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
			    "ack_notice", alert_id, message_id);
			break;
		case REPORT_CMD_FIM:
			t = REPLY_CLOSE_RECEIPT;
			break;
		case REPORT_CMD_ANULAR:
			t = REPLY_CANCEL_RECEIPT;
			for (int i = 0; i < n_holders; i++)
				ingest_followup_row(&w, cfg,
				    REPLY_CANCEL_NOTICE, holders[i],
				    ingest_lang_of(cfg, holders[i]), ref, NULL,
				    NULL, "cancel_notice", alert_id,
				    message_id);
			break;
		case REPORT_CMD_INFO:
			t = REPLY_INFO_RECEIPT;
			for (int i = 0; i < n_holders; i++)
				ingest_followup_row(&w, cfg,
				    REPLY_INFO_FORWARD, holders[i],
				    ingest_lang_of(cfg, holders[i]), ref, NULL,
				    job->text, "info", alert_id,
				    message_id);
			break;
		case REPORT_CMD_ESTADO:
			t = REPLY_STATUS;
			break;
		default:
			break;
		}
	}
	if (t >= 0) {
		const char *notified = t == REPLY_STATUS ?
		    ingest_state_words(state, job->lang) : authority;
		struct reply_vars v;
		char out[REPLY_MAX_BYTES];
		struct report r;

		/* {cmd} of a refusal names the command as typed. */
		memset(&r, 0, sizeof r);
		r.cmd = job->cmd;
		r.ref = job->ref;
		memset(&v, 0, sizeof v);
		v.report = &r;
		v.ref = ref;
		v.notified = notified;
		if (reply_render(&cfg->codebook, &cfg->replies, job->lang, t,
		    &v, out, sizeof out) >= 0) {
			jsonw_object(&w, NULL);
			jsonw_str(&w, "recipient", job->sender);
			jsonw_str(&w, "text", out);
			jsonw_str(&w, "purpose", "reply");
			if (alert_id[0] != '\0')
				jsonw_int(&w, "alert_id", atoll(alert_id));
			jsonw_int(&w, "message_id", atoll(message_id));
			jsonw_end(&w, '}');
		}
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

static void
ingest_result_cb(const PGresult *res, const char *error, void *arg)
{
	struct ingest_job *job = arg;
	int inserted = res != NULL && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 1), "t") == 0;

	job->cb(res, error, job->arg);
	if (inserted && job->is_command)
		ingest_command_followup(job, res);
	else if (inserted && !PQgetisnull(res, 0, 4) &&
	    atoi(PQgetvalue(res, 0, 4)) > 0) {
		if (job->ig->latency != NULL && !PQgetisnull(res, 0, 2))
			latency_mark(job->ig->latency,
			    atoll(PQgetvalue(res, 0, 2)), job->t0_us);
		ingest_kick(job->ig);
	}
	ingest_job_free(job);
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
    int timeout_ms, db_result_cb cb, void *arg)
{
	const struct config *cfg = *ig->cfgp;
	struct decide_params p = { .default_area = -1 };
	char received[32], parts[16], ref[16], expected[16], refnum[16];
	struct ingest_job *job;
	struct decision *d = NULL;
	struct evbuffer *abuf = NULL, *obuf = NULL;
	struct jsonw aw, ow;
	const char *values[12];
	int rc = -1, nvalues = 11;
	enum flood_verdict verdict;

	if ((job = calloc(1, sizeof *job)) == NULL)
		return -1;
	job->ig = ig;
	job->cb = cb;
	job->arg = arg;
	job->t0_us = latency_now_us();
	ig->in_flight++;
	ingest_message_values(msg, received, parts, ref, expected, values);
	values[9] = values[10] = NULL;
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
		if (d->r.cmd == REPORT_CMD_INFO &&
		    (job->text = strndup(d->text + d->r.text_off,
		    d->r.text_len)) == NULL)
			goto out;
		snprintf(refnum, sizeof refnum, "%ld", d->r.ref);
		values[9] = report_cmd_name(d->r.cmd, 0);
		values[10] = refnum;
		values[11] = job->text != NULL ? job->text : "";
		nvalues = 12;
	} else if (d != NULL) {
		if ((abuf = evbuffer_new()) == NULL ||
		    (obuf = evbuffer_new()) == NULL)
			goto out;
		if (d->r.cmd == REPORT_CMD_ALERTA) {
			jsonw_init(&aw, abuf);
			ingest_alert_json(&aw, d, msg->sender);
			values[9] = jsonw_text(&aw);
		}
		jsonw_init(&ow, obuf);
		ingest_outbox_json(&ow, cfg, d);
		values[10] = jsonw_text(&ow);
	}
	rc = db_call_timeout(ig->db, timeout_ms, job->is_command ?
	    "ingest_command" : "ingest_report", nvalues, values,
	    ingest_result_cb, job);
out:
	if (rc != 0)
		ingest_job_free(job);
	if (abuf != NULL)
		evbuffer_free(abuf);
	if (obuf != NULL)
		evbuffer_free(obuf);
	free(d);
	return rc;
}
