/*
 * ussd_http.c: the USSD callback endpoint (see ussd_http.h, ussd.md).
 *
 * Each POST is checked (address, token, form), its session found or
 * opened, and answered: a single-shot report (`7*1*1`, or a serviceCode
 * `*384*7*1*1#`) is decided here with the decision library only to know
 * which screen to show, then handed to the inbox, which stores it like an
 * SMS; the screen waits for the alert number, never more than
 * USSD_ANSWER_MS. A step the operator sends again (same sessionId and
 * text) gets the same screen and hands nothing over again; the
 * deduplication key holds the session too (db/functions/message.sql).
 * Must never: log a phone number or a report's text; block the loop;
 * answer later than USSD_ANSWER_MS; crash on any request.
 */
#include <sys/queue.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cause.h"
#include "decide.h"
#include "decide_reply.h"
#include "latency.h"
#include "log.h"
#include "outbox_plan.h"
#include "phone.h"
#include "ussd_form.h"
#include "ussd_http.h"
#include "ussd_menu.h"
#include "ussdsess.h"
#include "wallclock.h"

#define USSD_ANSWER_MS		900	/* the latest screen; the issue: 1 s */
#define USSD_DB_TIMEOUT_MS	600	/* then the inbox spools it */
#define USSD_SWEEP_S		1	/* idle sessions are dropped */
#define USSD_HTTP_BODY_MAX	65536	/* evhttp's own limit (413) */
#define USSD_SCREEN_MAX		(USSD_SCREEN_CHARS * 3 + 1) /* >= "END " + a reply */

struct ussd_waiter {
	struct evhttp_request *req;
	struct ussd_waiter *next;
};

struct ussd_session {
	struct ussd_http *u;
	char id[USSD_SESSION_MAX + 1];
	char text[USSD_TEXT_MAX + 1];	/* the step answered or pending */
	int menu;			/* opened with an empty text */
	char reply[REPLY_MAX_BYTES];	/* with OUTBOX_REF_STANDIN */
	enum reply_lang lang;
	char screen[USSD_SCREEN_MAX];	/* the answer, once known */
	int pending;			/* waiting for the inbox */
	long status_ref;		/* > 0: the step asks this alert's
					   status, not a report */
	int known;			/* the phone is registered */
	struct ussd_waiter *waiters;
	struct event *deadline;
	long long t0_us;
	time_t last;			/* monotonic seconds */
	struct ussd_session *next, *prev;
};

struct ussd_http {
	struct event_base *base;
	struct config *const *cfgp;
	struct inbox *inbox;
	struct evhttp *http;
	struct event *sweep;
	struct ussd_session *sessions;
	int n_sessions;
	struct ussdsess *known;		/* menu sessions opened, on disk;
					   NULL: not remembered */
	struct ussd_http_stats st;
};

static time_t
ussd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
ussd_send(struct evhttp_request *req, int code, const char *reason,
    const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if (b != NULL && body != NULL)
		evbuffer_add_printf(b, "%s", body);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

/* A refusal: one log line, never the phone number. */
static void
ussd_refuse(struct ussd_http *u, struct evhttp_request *req, int code,
    const char *what)
{
	if (code == HTTP_BADREQUEST)
		u->st.malformed++;
	else
		u->st.refused++;
	log_warn("ussd: request refused (%d): %s", code, what);
	ussd_send(req, code, code == 403 ? "Forbidden" : code == 405 ?
	    "Method Not Allowed" : "Bad Request", NULL);
}

static void
ussd_template(struct ussd_http *u, enum reply_lang lang, int t, char *out,
    size_t size)
{
	const struct config *cfg = *u->cfgp;
	char reply[REPLY_MAX_BYTES];

	if (reply_render(&cfg->codebook, &cfg->replies, lang, t, NULL, reply,
	    sizeof reply) < 0)
		snprintf(reply, sizeof reply, "%s", "");
	snprintf(out, size, "END %s", reply);
}

/* The screen of a step whose outcome did not come in time. */
static void
ussd_template_late(struct ussd_session *s)
{
	ussd_template(s->u, s->lang, s->status_ref > 0 ?
	    REPLY_USSD_STATUS_UNAVAILABLE : REPLY_USSD_PENDING, s->screen,
	    sizeof s->screen);
}

/* The screen is known: answer everyone waiting for it. */
static void
ussd_session_answer(struct ussd_session *s)
{
	struct ussd_waiter *w;

	s->pending = 0;
	if (s->deadline != NULL)
		event_del(s->deadline);
	while ((w = s->waiters) != NULL) {
		s->waiters = w->next;
		ussd_send(w->req, HTTP_OK, "OK", s->screen);
		free(w);
	}
	log_debug("ussd: session %s answered in %lld us", s->id,
	    latency_now_us() - s->t0_us);
}

static void
ussd_session_free(struct ussd_session *s)
{
	struct ussd_http *u = s->u;

	if (s->pending) {
		inbox_cancel_notify(u->inbox, s);
		ussd_template_late(s);
		ussd_session_answer(s);
	}
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		u->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	u->n_sessions--;
	if (s->deadline != NULL)
		event_free(s->deadline);
	free(s);
}

/* The inbox's outcome for the session's report. */
static void
ussd_stored_cb(const struct inbox_result *r, void *arg)
{
	struct ussd_session *s = arg;
	char ref[24], *p, screen[USSD_SCREEN_MAX];
	size_t n = sizeof OUTBOX_REF_STANDIN - 1;

	switch (r->outcome) {
	case INBOX_STORED:
		snprintf(ref, sizeof ref, "%lld", r->alert_ref);
		snprintf(screen, sizeof screen, "END %s", s->reply);
		while ((p = strstr(screen, OUTBOX_REF_STANDIN)) != NULL) {
			memmove(p + strlen(ref), p + n, strlen(p + n) + 1);
			memcpy(p, ref, strlen(ref));
		}
		snprintf(s->screen, sizeof s->screen, "%s", screen);
		log_info("ussd: session %s: alert %lld stored", s->id,
		    r->alert_ref);
		break;
	case INBOX_SPOOLED:
		ussd_template(s->u, s->lang, REPLY_USSD_SPOOLED, s->screen,
		    sizeof s->screen);
		log_info("ussd: session %s: report spooled (the database is "
		    "unavailable)", s->id);
		break;
	default:
		ussd_template(s->u, s->lang, REPLY_USSD_BUSY, s->screen,
		    sizeof s->screen);
		break;
	}
	ussd_session_answer(s);
}

/* The outcome of the menu's status question: the SMS command ESTADO's
 * (farol_ingest_command: ok for the alert's own focal point or a number
 * it was forwarded to, else not_allowed or unknown_ref), on the screen. A
 * number not registered, and any outcome but ok, get the same neutral
 * screen: it tells nobody whether the alert exists. */
static void
ussd_status_cb(const struct inbox_result *r, void *arg)
{
	struct ussd_session *s = arg;
	const struct config *cfg = *s->u->cfgp;
	struct ussd_menu_in in = { &cfg->codebook, &cfg->replies, s->lang,
	    -1 };
	char state[REPLY_MAX_BYTES];

	if (r->outcome == INBOX_STORED && strcmp(r->result, "ok") == 0 &&
	    s->known) {
		decide_reply_state(cfg, r->state, s->lang, state,
		    sizeof state);
		ussd_menu_status(&in, s->status_ref, state, s->screen,
		    sizeof s->screen);
	} else if (r->outcome == INBOX_STORED && r->result[0] != '\0' &&
	    strcmp(r->result, "duplicate") != 0)
		ussd_menu_status(&in, s->status_ref, NULL, s->screen,
		    sizeof s->screen);
	else
		ussd_template(s->u, s->lang, r->outcome == INBOX_DROPPED ?
		    REPLY_USSD_BUSY : REPLY_USSD_STATUS_UNAVAILABLE,
		    s->screen, sizeof s->screen);
	log_info("ussd: session %s: status asked (%s)", s->id,
	    r->outcome == INBOX_STORED ? r->result : "not stored");
	ussd_session_answer(s);
}

/* USSD_ANSWER_MS passed: the report is with the inbox, the screen says
 * the number is not known yet. */
static void
ussd_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ussd_session *s = arg;

	if (!s->pending)
		return;
	inbox_cancel_notify(s->u->inbox, s);
	ussd_template_late(s);
	log_warn("ussd: session %s: no outcome within %d ms; answered "
	    "without the alert number", s->id, USSD_ANSWER_MS);
	ussd_session_answer(s);
}

static struct ussd_session *
ussd_session_find(struct ussd_http *u, const char *id)
{
	struct ussd_session *s;

	for (s = u->sessions; s != NULL; s = s->next)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

static void
ussd_sweep(struct ussd_http *u, time_t now)
{
	const int timeout = (*u->cfgp)->ussd.session_timeout_s;
	struct ussd_session *s, *next;

	for (s = u->sessions; s != NULL; s = next) {
		next = s->next;
		if (!s->pending && now - s->last >= timeout) {
			log_debug("ussd: session %s timed out", s->id);
			ussd_session_free(s);
		}
	}
}

static void
ussd_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	ussd_sweep(arg, ussd_now());
}

static struct ussd_session *
ussd_session_open(struct ussd_http *u, const char *id, int menu)
{
	struct ussd_session *s;

	if (u->n_sessions >= (*u->cfgp)->ussd.max_sessions)
		ussd_sweep(u, ussd_now());
	if (u->n_sessions >= (*u->cfgp)->ussd.max_sessions ||
	    (s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	if ((s->deadline = evtimer_new(u->base, ussd_deadline_cb, s)) ==
	    NULL) {
		free(s);
		return NULL;
	}
	s->u = u;
	s->menu = menu;
	snprintf(s->id, sizeof s->id, "%s", id);
	if (menu && u->known != NULL)
		ussdsess_note(u->known, id, wallclock_now());
	s->next = u->sessions;
	if (u->sessions != NULL)
		u->sessions->prev = s;
	u->sessions = s;
	u->n_sessions++;
	return s;
}

/* The report string of a step: text, else the serviceCode dialled; a
 * text without '*' is one answer, read with the service code. */
static void
ussd_report_string(const struct config *cfg, const struct ussd_form *f,
    char *out, size_t size)
{
	if (f->text[0] == '\0')
		snprintf(out, size, "%s", f->service);
	else if (strchr(f->text, '*') != NULL)
		snprintf(out, size, "%s", f->text);
	else
		snprintf(out, size, "*%s*%s#", cfg->codebook.ussd_service,
		    f->text);
}

/* The message of a step (kind ussd, the session's), or NULL. */
static struct inbound_sms *
ussd_inbound(const struct ussd_session *s, const char *sender,
    const char *text)
{
	struct inbound_sms *sms;

	if ((sms = calloc(1, sizeof *sms)) == NULL)
		return NULL;
	if ((sms->text = strdup(text)) == NULL) {
		free(sms);
		return NULL;
	}
	snprintf(sms->modem, sizeof sms->modem, "ussd");
	snprintf(sms->sender, sizeof sms->sender, "%s", sender);
	snprintf(sms->session, sizeof sms->session, "%s", s->id);
	sms->received_at = wallclock_now();
	sms->kind = INBOUND_USSD;
	sms->parts = sms->parts_expected = 1;
	sms->concat_ref = -1;
	sms->message_ref = -1;
	sms->read_us = s->t0_us;
	return sms;
}

/* Hand sms to the inbox; the screen waits for cb, USSD_ANSWER_MS at
 * most. */
static void
ussd_session_wait(struct ussd_http *u, struct ussd_session *s,
    struct inbound_sms *sms, void (*cb)(const struct inbox_result *, void *))
{
	s->pending = 1;
	if (inbox_receive_notify(u->inbox, sms, USSD_DB_TIMEOUT_MS, cb,
	    s) != 0) {
		s->pending = 0;
		ussd_template(u, s->lang, REPLY_USSD_BUSY, s->screen,
		    sizeof s->screen);
		return;
	}
	if (s->pending) {	/* the outcome may already be known */
		struct timeval tv = { 0, USSD_ANSWER_MS * 1000 };

		evtimer_add(s->deadline, &tv);
	}
}

/* The menu's status of alert ref: the SMS command ESTADO, stored as a
 * message of the session like one, answered on the screen
 * (ussd_status_cb). The sender is the number as registered (+238...),
 * which the alert's own is. */
static void
ussd_session_status(struct ussd_http *u, struct ussd_session *s,
    const char *e164, long ref)
{
	struct inbound_sms *sms;
	char text[48];

	snprintf(text, sizeof text, "%s %ld", report_cmd_name(
	    REPORT_CMD_ESTADO, 0), ref);
	s->status_ref = ref;
	if ((sms = ussd_inbound(s, e164, text)) == NULL) {
		ussd_template(u, s->lang, REPLY_USSD_BUSY, s->screen,
		    sizeof s->screen);
		return;
	}
	u->st.reports++;
	ussd_session_wait(u, s, sms, ussd_status_cb);
}

/* Decide a whole report, choose its screen, hand it to the inbox. */
static void
ussd_session_report(struct ussd_http *u, struct ussd_session *s,
    const struct ussd_form *f, const char *report)
{
	const struct config *cfg = *u->cfgp;
	struct decide_params p;
	struct decision *d;
	struct inbound_sms *sms;
	int wait;

	if ((d = calloc(1, sizeof *d)) == NULL ||
	    (sms = ussd_inbound(s, f->phone, report)) == NULL) {
		free(d);
		ussd_template(u, REPLY_PT, REPLY_USSD_BUSY, s->screen,
		    sizeof s->screen);
		return;
	}
	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.ref = OUTBOX_REF_STANDIN;
	p.received_at = wallclock_now();
	decide_message(&cfg->codebook, &cfg->replies, &p, f->phone, report,
	    d);
	s->lang = d->lang;
	/* An unregistered or unknown sender learns nothing (a neutral
	 * screen); an invalid report learns what to fix at once; a receipt
	 * waits for its alert number. */
	wait = d->has_reply && d->fp != NULL &&
	    strstr(d->reply, OUTBOX_REF_STANDIN) != NULL;
	if (!d->has_reply || d->fp == NULL)
		ussd_template(u, d->lang, REPLY_USSD_THANKS, s->screen,
		    sizeof s->screen);
	else if (!wait)
		snprintf(s->screen, sizeof s->screen, "END %s", d->reply);
	else
		snprintf(s->reply, sizeof s->reply, "%s", d->reply);
	free(d);

	u->st.reports++;
	if (!wait) {
		inbox_receive_notify(u->inbox, sms, USSD_DB_TIMEOUT_MS, NULL,
		    NULL);
		return;
	}
	ussd_session_wait(u, s, sms, ussd_stored_cb);
}

/* The menu's step: a screen, or the confirmed report. */
static void
ussd_session_menu(struct ussd_http *u, struct ussd_session *s,
    const struct ussd_form *f)
{
	const struct config *cfg = *u->cfgp;
	const struct focal_point *fp = NULL;
	struct ussd_menu_in in;
	struct ussd_menu_out *out;
	char e164[PHONE_E164_MAX];

	if ((out = malloc(sizeof *out)) == NULL) {
		ussd_template(u, REPLY_PT, REPLY_USSD_BUSY, s->screen,
		    sizeof s->screen);
		return;
	}
	if (phone_normalise(&cfg->codebook, f->phone, e164, sizeof e164,
	    NULL) != 0)
		e164[0] = '\0';
	else if ((fp = config_find_focal(cfg, e164)) != NULL && !fp->active)
		fp = NULL;
	s->known = e164[0] != '\0' && config_is_known(cfg, e164);
	memset(&in, 0, sizeof in);
	in.cb = &cfg->codebook;
	in.ov = &cfg->replies;
	in.lang = fp != NULL ? fp->lang : REPLY_PT;
	in.home_area = fp != NULL ? fp->area : -1;
	s->lang = in.lang;
	ussd_menu_run(&in, f->text, out);
	if (out->confirmed)
		ussd_session_report(u, s, f, out->report);
	else if (out->status_ref > 0)
		ussd_session_status(u, s, s->known ? e164 : f->phone,
		    out->status_ref);
	else
		snprintf(s->screen, sizeof s->screen, "%s", out->screen);
	free(out);
}

/* One step: the menu's, or a single-shot report. */
static void
ussd_session_step(struct ussd_http *u, struct ussd_session *s,
    const struct ussd_form *f)
{
	char report[USSD_TEXT_MAX + USSD_SERVICE_MAX + 4];

	snprintf(s->text, sizeof s->text, "%s", f->text);
	s->screen[0] = '\0';
	s->status_ref = 0;
	s->t0_us = latency_now_us();
	if (s->menu) {
		ussd_session_menu(u, s, f);
		return;
	}
	ussd_report_string(*u->cfgp, f, report, sizeof report);
	ussd_session_report(u, s, f, report);
}

/* The bare service code (`*384#`) with no text opens the menu. */
static int
ussd_opens_menu(const struct config *cfg, const struct ussd_form *f)
{
	char bare[USSD_SERVICE_MAX + 4];

	snprintf(bare, sizeof bare, "*%s#", cfg->codebook.ussd_service);
	return f->text[0] == '\0' && strcmp(f->service, bare) == 0;
}

static int
ussd_address_allowed(const struct ussd_config *c, const char *peer)
{
	unsigned char a[16], b[16];
	int fam, i;

	if (c->n_allow == 0)
		return 1;
	if (peer == NULL)
		return 0;
	fam = strchr(peer, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(fam, peer, a) != 1)
		return 0;
	for (i = 0; i < c->n_allow; i++)
		if (inet_pton(fam, c->allow[i], b) == 1 &&
		    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

/* Same length and bytes, in time independent of where they differ. */
static int
ussd_token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb + 1)];
	return diff == 0;
}

static int
ussd_token_ok(const struct ussd_config *c, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *given, *query;
	struct evkeyvalq q;
	int ok;

	if (c->token[0] == '\0')
		return 1;
	given = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Farol-Token");
	if (given != NULL)
		return ussd_token_equal(given, c->token);
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	TAILQ_INIT(&q);
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0) {
		evhttp_clear_headers(&q);
		return 0;
	}
	given = evhttp_find_header(&q, "token");
	ok = given != NULL && ussd_token_equal(given, c->token);
	evhttp_clear_headers(&q);
	return ok;
}

static void
ussd_request_cb(struct evhttp_request *req, void *arg)
{
	struct ussd_http *u = arg;
	const struct ussd_config *c = &(*u->cfgp)->ussd;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *type;
	char *peer = NULL, *cause = NULL, body[USSD_BODY_MAX];
	ev_uint16_t port;
	struct ussd_session *s;
	struct ussd_waiter *w;
	struct ussd_form f;
	size_t len;
	int menu = 0;

	u->st.requests++;
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer,
	    &port);
	if (!ussd_address_allowed(c, peer)) {
		ussd_refuse(u, req, 403, "address not allowed");
		return;
	}
	if (!ussd_token_ok(c, req)) {
		ussd_refuse(u, req, 403, "wrong or missing token");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		ussd_refuse(u, req, 405, "not a POST");
		return;
	}
	type = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (type == NULL || strncasecmp(type,
	    "application/x-www-form-urlencoded", 33) != 0 ||
	    (type[33] != '\0' && type[33] != ';')) {
		ussd_refuse(u, req, HTTP_BADREQUEST, "not a form "
		    "(application/x-www-form-urlencoded)");
		return;
	}
	if ((len = evbuffer_get_length(in)) > sizeof body) {
		ussd_refuse(u, req, HTTP_BADREQUEST, "body too long");
		return;
	}
	evbuffer_copyout(in, body, len);
	if (ussd_form_parse(body, len, &f, &cause) != 0) {
		ussd_refuse(u, req, HTTP_BADREQUEST, cause);
		free(cause);
		return;
	}

	/* A step of a menu session no longer held (farold restarted, or it
	 * timed out) goes on as the menu: its state is its text. Never read
	 * as a single-shot report. */
	if ((s = ussd_session_find(u, f.session)) == NULL) {
		menu = ussd_opens_menu(*u->cfgp, &f);
		if (!menu && u->known != NULL && ussdsess_known(u->known,
		    f.session, wallclock_now())) {
			log_info("ussd: session %s: a menu session no longer "
			    "held (restart or timeout) goes on", f.session);
			menu = 1;
		}
	}
	if (s == NULL && (s = ussd_session_open(u, f.session, menu)) ==
	    NULL) {
		char screen[USSD_SCREEN_MAX];

		log_warn("ussd: %d sessions open (ussd.max_sessions): a new "
		    "one is turned away", u->n_sessions);
		ussd_template(u, REPLY_PT, REPLY_USSD_BUSY, screen,
		    sizeof screen);
		ussd_send(req, HTTP_OK, "OK", screen);
		return;
	}
	s->last = ussd_now();
	/* The same step again (the operator's retry): the same screen,
	 * nothing handed over again. */
	if (!(strcmp(s->text, f.text) == 0 && (s->pending ||
	    s->screen[0] != '\0')))
		ussd_session_step(u, s, &f);
	if (!s->pending) {
		ussd_send(req, HTTP_OK, "OK", s->screen);
		return;
	}
	if ((w = calloc(1, sizeof *w)) == NULL) {
		ussd_send(req, HTTP_SERVUNAVAIL, "Service Unavailable", NULL);
		return;
	}
	w->req = req;
	w->next = s->waiters;
	s->waiters = w;
}

/* Any other path. */
static void
ussd_other_cb(struct evhttp_request *req, void *arg)
{
	ussd_send(req, HTTP_NOTFOUND, "Not Found", NULL);
}

struct ussd_http *
ussd_http_new(struct event_base *base, struct config *const *cfgp,
    struct inbox *inbox, char **cause)
{
	const struct ussd_config *c = &(*cfgp)->ussd;
	struct ussd_http *u;
	struct timeval tv;
	char *why = NULL;

	if ((u = calloc(1, sizeof *u)) == NULL) {
		cause_set(cause, "out of memory");
		return NULL;
	}
	u->base = base;
	u->cfgp = cfgp;
	u->inbox = inbox;
	if ((u->known = ussdsess_open((*cfgp)->spool_dir, wallclock_now(),
	    &why)) == NULL) {
		log_warn("ussd: menu sessions are not remembered across a "
		    "restart: %s", why);
		free(why);
	}
	if ((u->http = evhttp_new(base)) == NULL ||
	    (u->sweep = event_new(base, -1, EV_PERSIST, ussd_sweep_cb, u)) ==
	    NULL) {
		cause_set(cause, "out of memory");
		ussd_http_free(u);
		return NULL;
	}
	evhttp_set_max_body_size(u->http, USSD_HTTP_BODY_MAX);
	evhttp_set_timeout(u->http, 10);
	evhttp_set_allowed_methods(u->http, EVHTTP_REQ_POST | EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT);
	evhttp_set_cb(u->http, c->path, ussd_request_cb, u);
	evhttp_set_gencb(u->http, ussd_other_cb, u);
	if (evhttp_bind_socket(u->http, c->host, (ev_uint16_t)c->port) != 0) {
		cause_set(cause, "cannot listen on %s (in use, or not an "
		    "address of this machine)", c->listen);
		ussd_http_free(u);
		return NULL;
	}
	tv.tv_sec = USSD_SWEEP_S;
	tv.tv_usec = 0;
	evtimer_add(u->sweep, &tv);
	log_info("ussd: listening on %s%s", c->listen, c->path);
	return u;
}

void
ussd_http_get_stats(const struct ussd_http *u, struct ussd_http_stats *st)
{
	*st = u->st;
	st->sessions = u->n_sessions;
}

void
ussd_http_free(struct ussd_http *u)
{
	if (u == NULL)
		return;
	while (u->sessions != NULL)
		ussd_session_free(u->sessions);
	if (u->sweep != NULL)
		event_free(u->sweep);
	if (u->http != NULL)
		evhttp_free(u->http);
	ussdsess_close(u->known);
	free(u);
}
