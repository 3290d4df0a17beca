/*
 * ussd_client.h: a minimal HTTP/1.1 client for the USSD endpoint, as an
 * operator's USSD gateway calls it (tests and tests/bench/bench_ussd).
 *
 * Plain blocking sockets, one request per connection ("Connection:
 * close"), split into send and receive so that many requests can be in
 * flight at once: send them all, then read each answer.
 */
#ifndef FAROL_TESTS_USSD_CLIENT_H
#define FAROL_TESTS_USSD_CLIENT_H

#include <stddef.h>

struct ussd_call {
	int fd;
	int status;		/* the HTTP status, -1 if none */
	char body[1024];	/* the answer's body */
};

/*
 * Connect to 127.0.0.1:port from the address src (NULL: any) and send a
 * POST of body to target ("/ussd?token=x") with the Content-Type type
 * (NULL: the form type) and one extra header line (NULL: none). -1 on
 * error.
 */
int ussd_client_send(struct ussd_call *c, int port, const char *src,
    const char *target, const char *type, const char *header,
    const char *body, size_t len);

/* Read the answer (waits at most timeout_ms); 0, or -1. Closes fd. */
int ussd_client_recv(struct ussd_call *c, int timeout_ms);

/* The form body of one step (values %-encoded). */
void ussd_client_form(char *out, size_t size, const char *session,
    const char *service, const char *phone, const char *text);

/* Send a step and read its answer: the HTTP status, or -1. */
int ussd_client_step(struct ussd_call *c, int port, const char *header,
    const char *session, const char *service, const char *phone,
    const char *text);

#endif
