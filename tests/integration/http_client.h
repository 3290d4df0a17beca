/*
 * http_client.h: a minimal HTTP/1.0 client for the tests of farold's
 * HTTP listener (test_http.c, test_status_page.c): one request, the
 * whole answer, blocking with a deadline.
 */
#ifndef FAROL_HTTP_CLIENT_H
#define FAROL_HTTP_CLIENT_H

struct gateway_proc;

/* Turn farold's HTTP on in g's config, on a free loopback port (before
 * gateway_proc_start); returns the port, or -1. */
int http_client_enable(struct gateway_proc *g);

/* METHOD path on 127.0.0.1:port: the status code (-1 when there was no
 * answer), *body (may be NULL; the caller frees) the body. */
int http_client_request(int port, const char *method, const char *path,
    char **body);

/* GET until it answers status or timeout_ms pass; the last status. */
int http_client_wait(int port, const char *path, int status,
    int timeout_ms);

#endif
