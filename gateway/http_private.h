/*
 * http_private.h: what the HTTP pages (http_health.c, http_metrics.c,
 * http_page.c) share with the listener (http.c). Not for the rest of
 * farold: it sees http.h only.
 */
#ifndef FAROL_HTTP_PRIVATE_H
#define FAROL_HTTP_PRIVATE_H

#include <stddef.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <libpq-fe.h>

struct config;
struct db_error;
struct show_sources;

/* How long a page may wait for the database before it is answered from
 * memory alone: a scraper's timeout is typically 10 s. */
#define HTTP_QUERY_TIMEOUT_MS 5000

struct http;

/* What the pages read; the daemon owns it all. */
struct http_sources {
	const struct show_sources *show;
	struct config *const *cfg;
};

/*
 * A page's second half: res is the statement's result, or NULL with error
 * saying why (the database down, the deadline passed). It must answer req
 * (http_send).
 */
typedef void (*http_result_fn)(struct evhttp_request *req,
    const struct http_sources *src, const PGresult *res,
    const struct db_error *error);

/* Run the prepared statement stmt (no parameters) and call fn with its
 * result; fn is called at once, with res NULL, when the database is not
 * ready. A request whose server is freed meanwhile is forgotten. */
void http_query(struct http *h, struct evhttp_request *req,
    const char *stmt, http_result_fn fn);

/* Send body with status code and content type; no caching. */
void http_send(struct evhttp_request *req, int code, const char *type,
    struct evbuffer *body);

/* The pages. */
void http_healthz(struct http *h, struct evhttp_request *req,
    const struct http_sources *src);
void http_metrics(struct http *h, struct evhttp_request *req,
    const struct http_sources *src);
void http_page(struct http *h, struct evhttp_request *req,
    const struct http_sources *src);
void http_metrics_prepare(struct db *db);
void http_page_prepare(struct db *db);

/*
 * Why farold is not ready, one reason a line into out ("database: ...",
 * "no healthy modem", "spool backlog: ..."); returns their number, 0 when
 * ready. Shared by /healthz and the status page.
 */
int http_health_reasons(const struct http_sources *src, struct evbuffer *out);

/* text with &, <, >, " and ' escaped, for HTML. */
void http_html_escape(struct evbuffer *out, const char *text);

#endif
