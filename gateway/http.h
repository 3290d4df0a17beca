/*
 * http.h: farold's HTTP listener, for machines and people, on its own
 * evhttp server (config `http.listen', loopback by default, "" = off):
 *
 *   /healthz   200 "ok" when ready, else 503 and the reasons, one a line
 *              (database, no healthy modem, spool backlog): http_health.c
 *   /metrics   the Prometheus text format, names prefixed farol_:
 *              http_metrics.c
 *   /          a read-only status page (HTML and CSS, no external asset,
 *              refreshing itself): open and held alerts by island, modem
 *              health, the queues: http_page.c
 *
 * Read-only: GET and HEAD only. Database-backed answers go through the
 * daemon's asynchronous db engine and are sent from its callback, so the
 * loop never waits; while the database is down they are answered at
 * once from memory alone. No answer carries message text or a phone
 * number.
 */
#ifndef FAROL_HTTP_H
#define FAROL_HTTP_H

struct config;
struct db;
struct event_base;
struct http;
struct show_sources;

/* Register the statements the pages read (before db_start). */
void http_prepare(struct db *db);

/*
 * Listen on cfg's http.listen ("ADDRESS:PORT"). src and cfg (the daemon's
 * pointer to its current config, swapped on reload) must outlive the
 * server. Returns NULL and sets *cause when the address cannot be bound.
 */
struct http *http_start(struct event_base *base, const char *listen,
    const struct show_sources *src, struct config *const *cfg,
    char **cause);

/* Close the listener and every connection; a database answer still
 * pending is dropped when it comes. NULL is fine. */
void http_free(struct http *h);

#endif
