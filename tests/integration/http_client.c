/*
 * http_client.c: see http_client.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gateway_proc.h"
#include "http_client.h"

#define HTTP_CLIENT_TIMEOUT_MS 10000

int
http_client_enable(struct gateway_proc *g)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	char to[64];
	int fd, port;

	/* A port the kernel just chose is free; another process could take
	 * it before farold binds it, and farold would then exit 3: loud. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	port = ntohs(sin.sin_port);
	close(fd);
	snprintf(to, sizeof to, "listen = \"127.0.0.1:%d\";", port);
	if (gateway_proc_edit_config(g, "listen = \"\";", to) != 0)
		return -1;
	return port;
}

static long long
http_client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
http_client_request(int port, const char *method, const char *path,
    char **body)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long long end = http_client_now_ms() + HTTP_CLIENT_TIMEOUT_MS;
	char req[512], *buf = NULL, *grown, *p;
	size_t len = 0, cap = 0;
	struct pollfd pfd;
	ssize_t n;
	int fd, status = -1;

	if (body != NULL)
		*body = NULL;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		goto out;
	snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
	    method, path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (http_client_now_ms() >= end ||
		    poll(&pfd, 1, (int)(end - http_client_now_ms())) <= 0)
			goto out;
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((grown = realloc(buf, cap)) == NULL)
				goto out;
			buf = grown;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL)
		goto out;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	else if (body != NULL) {
		p = strstr(buf, "\r\n\r\n");
		*body = strdup(p != NULL ? p + 4 : "");
	}
out:
	free(buf);
	close(fd);
	return status;
}

int
http_client_wait(int port, const char *path, int status, int timeout_ms)
{
	long long end = http_client_now_ms() + timeout_ms;
	int got;

	while ((got = http_client_request(port, "GET", path, NULL)) != status &&
	    http_client_now_ms() < end)
		usleep(200 * 1000);
	return got;
}
