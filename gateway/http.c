/*
 * http.c: the HTTP listener (see http.h): binds http.listen, sends each
 * GET to its page, and carries a page's database query to its callback.
 *
 * Called from farold's start-up and driven by libevent's evhttp. Must
 * never happen here: a blocking call, a method other than GET or HEAD,
 * or an answer to a request whose server was freed (a pending query's
 * request is forgotten by http_free, and its callback only frees itself).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cause.h"
#include "db.h"
#include "http.h"
#include "http_private.h"
#include "log.h"
#include "show.h"

/* A client this slow is stuck or hostile; a request this big is not one
 * of ours (a GET with a few headers). */
#define HTTP_TIMEOUT_S 10
#define HTTP_MAX_HEADERS 8192
#define HTTP_MAX_BODY 1024

struct http_call {
	struct http *h;		/* NULL once the server is gone */
	struct evhttp_request *req;
	http_result_fn fn;
	LIST_ENTRY(http_call) entry;
};

struct http {
	struct evhttp *server;
	struct http_sources src;
	LIST_HEAD(, http_call) calls;	/* queries not yet answered */
};

void
http_send(struct evhttp_request *req, int code, const char *type,
    struct evbuffer *body)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);

	evhttp_add_header(headers, "Content-Type", type);
	evhttp_add_header(headers, "Cache-Control", "no-store");
	/* The page loads nothing: no script, no image, no font, no frame. */
	evhttp_add_header(headers, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'");
	evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply(req, code, code == 200 ? "OK" : code == 404 ?
	    "Not Found" : code == 405 ? "Method Not Allowed" :
	    "Service Unavailable", body);
}

static void
http_query_cb(const PGresult *res, const struct db_error *error, void *arg)
{
	struct http_call *c = arg;

	if (c->h != NULL) {
		LIST_REMOVE(c, entry);
		c->fn(c->req, &c->h->src, res, error);
	}
	free(c);
}

void
http_query(struct http *h, struct evhttp_request *req, const char *stmt,
    http_result_fn fn)
{
	struct db *db = h->src.show->db;
	struct http_call *c;

	/* Queued calls wait for a reconnect; a scraper should not. */
	if (!db_is_ready(db) || (c = calloc(1, sizeof *c)) == NULL) {
		fn(req, &h->src, NULL, NULL);
		return;
	}
	c->h = h;
	c->req = req;
	c->fn = fn;
	LIST_INSERT_HEAD(&h->calls, c, entry);
	if (db_call_timeout(db, HTTP_QUERY_TIMEOUT_MS, stmt, 0, NULL,
	    http_query_cb, c) != 0) {
		LIST_REMOVE(c, entry);
		free(c);
		fn(req, &h->src, NULL, NULL);
	}
}

static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));
	struct evbuffer *body;

	if (path == NULL)
		path = "/";
	if (strcmp(path, "/healthz") == 0)
		http_healthz(h, req, &h->src);
	else if (strcmp(path, "/metrics") == 0)
		http_metrics(h, req, &h->src);
	else if (strcmp(path, "/") == 0)
		http_page(h, req, &h->src);
	else if ((body = evbuffer_new()) != NULL) {
		evbuffer_add_printf(body, "not found (/, /healthz, "
		    "/metrics)\n");
		http_send(req, 404, "text/plain; charset=utf-8", body);
		evbuffer_free(body);
	}
}

void
http_prepare(struct db *db)
{
	http_metrics_prepare(db);
	http_page_prepare(db);
}

struct http *
http_start(struct event_base *base, const char *listen,
    const struct show_sources *src, struct config *const *cfg, char **cause)
{
	struct http *h;
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t len;

	/* config/schema.c checked it: "ADDRESS:PORT", IPv6 in brackets. */
	if (colon == NULL || (len = (size_t)(colon - listen)) >= sizeof host) {
		cause_set(cause, "http.listen \"%s\" is not ADDRESS:PORT",
		    listen);
		return NULL;
	}
	if (listen[0] == '[')
		snprintf(host, sizeof host, "%.*s", (int)len - 2, listen + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)len, listen);
	if ((h = calloc(1, sizeof *h)) == NULL ||
	    (h->server = evhttp_new(base)) == NULL) {
		free(h);
		cause_set(cause, "out of memory");
		return NULL;
	}
	h->src = (struct http_sources){ src, cfg };
	LIST_INIT(&h->calls);
	evhttp_set_allowed_methods(h->server, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h->server, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->server, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->server, HTTP_MAX_BODY);
	evhttp_set_gencb(h->server, http_request_cb, h);
	if (evhttp_bind_socket(h->server, host, (ev_uint16_t)atoi(colon + 1))
	    != 0) {
		cause_set(cause, "cannot listen on %s (in use, or not an "
		    "address of this host)", listen);
		http_free(h);
		return NULL;
	}
	log_info("http: listening on %s", listen);
	return h;
}

void
http_free(struct http *h)
{
	struct http_call *c;

	if (h == NULL)
		return;
	/* evhttp_free frees their requests; their callbacks only free. */
	while ((c = LIST_FIRST(&h->calls)) != NULL) {
		LIST_REMOVE(c, entry);
		c->h = NULL;
	}
	evhttp_free(h->server);
	free(h);
}
