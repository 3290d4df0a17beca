/*
 * ussd_client.c: the tests' HTTP client for the USSD endpoint (see
 * ussd_client.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ussd_client.h"

int
ussd_client_send(struct ussd_call *c, int port, const char *src,
    const char *target, const char *type, const char *header,
    const char *body, size_t len)
{
	struct sockaddr_in sa;
	char head[1024];
	int n;
	size_t off;
	ssize_t w;

	c->status = -1;
	c->body[0] = '\0';
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	if (src != NULL) {
		inet_pton(AF_INET, src, &sa.sin_addr);
		if (bind(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
			goto fail;
	}
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto fail;
	n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\nConnection: close\r\nContent-Type: %s\r\n%s%s"
	    "Content-Length: %zu\r\n\r\n", target, type != NULL ? type :
	    "application/x-www-form-urlencoded", header != NULL ? header : "",
	    header != NULL ? "\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof head ||
	    write(c->fd, head, (size_t)n) != n)
		goto fail;
	for (off = 0; off < len; off += (size_t)w)
		if ((w = write(c->fd, body + off, len - off)) <= 0)
			goto fail;
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return -1;
}

int
ussd_client_recv(struct ussd_call *c, int timeout_ms)
{
	char buf[4096], *p;
	size_t have = 0;
	ssize_t r;
	struct pollfd pfd;

	if (c->fd < 0)
		return -1;
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	while (have < sizeof buf - 1) {
		if (poll(&pfd, 1, timeout_ms) != 1)
			break;
		if ((r = read(c->fd, buf + have, sizeof buf - 1 - have)) <= 0)
			break;
		have += (size_t)r;
	}
	buf[have] = '\0';
	close(c->fd);
	c->fd = -1;
	if (sscanf(buf, "HTTP/1.%*d %d", &c->status) != 1)
		return -1;
	if ((p = strstr(buf, "\r\n\r\n")) != NULL)
		snprintf(c->body, sizeof c->body, "%s", p + 4);
	return 0;
}

static void
ussd_client_encode(char **o, char *end, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0' && *o + 4 < end; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '.' ||
		    ch == '_')
			*(*o)++ = (char)ch;
		else {
			*(*o)++ = '%';
			*(*o)++ = hex[ch >> 4];
			*(*o)++ = hex[ch & 15];
		}
	}
	**o = '\0';
}

void
ussd_client_form(char *out, size_t size, const char *session,
    const char *service, const char *phone, const char *text)
{
	const char *names[4] = { "sessionId=", "&serviceCode=",
	    "&phoneNumber=", "&text=" };
	const char *values[4] = { session, service, phone, text };
	char *o = out, *end = out + size;

	*o = '\0';
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(names[i]);

		if (o + n >= end)
			return;
		memcpy(o, names[i], n + 1);
		o += n;
		ussd_client_encode(&o, end, values[i]);
	}
}

int
ussd_client_step(struct ussd_call *c, int port, const char *header,
    const char *session, const char *service, const char *phone,
    const char *text)
{
	char body[1024];

	ussd_client_form(body, sizeof body, session, service, phone, text);
	if (ussd_client_send(c, port, NULL, "/ussd", NULL, header, body,
	    strlen(body)) != 0 || ussd_client_recv(c, 5000) != 0)
		return -1;
	return c->status;
}
