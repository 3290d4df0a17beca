/*
 * notify.c: see notify.h. The protocol is systemd's sd_notify(3): one
 * datagram per message, "KEY=VALUE" lines, to $NOTIFY_SOCKET; the
 * watchdog is armed by $WATCHDOG_USEC (for this process only when
 * $WATCHDOG_PID, if set, is ours).
 *
 * Called from farold's main loop only. Must never happen here: a
 * blocking send (the socket is non-blocking; a lost ping is not retried,
 * the next one comes half an interval later).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "notify.h"

struct notify {
	int fd;				/* -1: not run by systemd */
	struct sockaddr_un addr;
	socklen_t addr_len;
	struct event *watchdog;
};

static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_send(arg, "WATCHDOG=1");
}

/* The watchdog interval asked for this process, in microseconds; 0
 * when none. */
static unsigned long long
notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL)
		return 0;
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || end == usec)
		return 0;
	return v;
}

struct notify *
notify_new(struct event_base *base)
{
	const char *path = getenv("NOTIFY_SOCKET");
	unsigned long long usec = notify_watchdog_usec();
	struct notify *n;
	struct timeval tv;
	size_t len;

	if ((n = calloc(1, sizeof *n)) == NULL)
		return NULL;
	n->fd = -1;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof n->addr.sun_path) {
		if (path != NULL)
			log_warn("notify: NOTIFY_SOCKET \"%s\" is not a socket "
			    "path; systemd will not hear from farold", path);
		unsetenv("NOTIFY_SOCKET");
		return n;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';	/* the abstract namespace */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] == '/'));
	unsetenv("NOTIFY_SOCKET");
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0) {
		log_warn("notify: socket: %s", strerror(errno));
		return n;
	}
	if (usec > 0) {
		/* Twice per interval, as sd_watchdog_enabled(3) advises. */
		usec /= 2;
		tv.tv_sec = (time_t)(usec / 1000000);
		tv.tv_usec = (suseconds_t)(usec % 1000000);
		n->watchdog = event_new(base, -1, EV_PERSIST,
		    notify_watchdog_cb, n);
		if (n->watchdog == NULL || event_add(n->watchdog, &tv) != 0)
			log_warn("notify: cannot start the watchdog's pings");
		else
			log_info("notify: watchdog ping every %llu ms",
			    usec / 1000);
	}
	return n;
}

int
notify_send(struct notify *n, const char *state)
{
	if (n == NULL || n->fd < 0)
		return -1;
	if (sendto(n->fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&n->addr, n->addr_len) < 0) {
		log_debug("notify: %s: %s", state, strerror(errno));
		return -1;
	}
	return 0;
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->watchdog != NULL)
		event_free(n->watchdog);
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}
