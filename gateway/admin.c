/*
 * admin.c: the administration socket (see admin.h).
 *
 * Called from farold's start-up to listen, then driven by libevent: each
 * client gets a bufferevent; one line in, the handler's lines out, then the
 * connection is closed once the answer is flushed. Must never happen here:
 * a blocking read or write, or a command run before its whole line came.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "admin.h"
#include "log.h"

#define ADMIN_MAX_COMMANDS 16
#define ADMIN_MAX_LINE 1024

struct admin_command {
	const char *name;
	const char *help;
	admin_handler fn;
	void *arg;
};

struct admin {
	struct evconnlistener *listener;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct admin_command commands[ADMIN_MAX_COMMANDS];
	int n_commands;
};

static void
admin_close_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void
admin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
admin_help(struct admin *a, struct evbuffer *out)
{
	for (int i = 0; i < a->n_commands; i++)
		evbuffer_add_printf(out, "%-10s %s\n", a->commands[i].name,
		    a->commands[i].help);
}

static void
admin_run(struct admin *a, char *line, struct evbuffer *out)
{
	const char *reason = "failed";
	char *args = line + strcspn(line, " ");

	if (*args != '\0')
		*args++ = '\0';
	if (strcmp(line, "help") == 0) {
		admin_help(a, out);
		evbuffer_add_printf(out, "OK\n");
		return;
	}
	for (int i = 0; i < a->n_commands; i++) {
		if (strcmp(a->commands[i].name, line) != 0)
			continue;
		if (a->commands[i].fn(args, out, &reason, a->commands[i].arg)
		    == 0)
			evbuffer_add_printf(out, "OK\n");
		else
			evbuffer_add_printf(out, "ERR %s\n", reason);
		return;
	}
	evbuffer_add_printf(out, "ERR unknown command \"%.64s\" (try help)\n",
	    line);
}

static void
admin_read_cb(struct bufferevent *bev, void *arg)
{
	struct admin *a = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > ADMIN_MAX_LINE)
			bufferevent_free(bev);
		return;
	}
	admin_run(a, line, bufferevent_get_output(bev));
	free(line);
	/* One command per connection: close once the answer is out. */
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, admin_close_cb, admin_event_cb, a);
}

static void
admin_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct event_base *base = evconnlistener_get_base(l);
	struct bufferevent *bev;

	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, admin_read_cb, NULL, admin_event_cb, arg);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct admin *
admin_listen(struct event_base *base, const char *path, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct admin *a;
	mode_t old;

	if (strlen(path) >= sizeof sun.sun_path) {
		if (asprintf(cause, "socket path too long: %s", path) < 0)
			*cause = NULL;
		return NULL;
	}
	if ((a = calloc(1, sizeof *a)) == NULL)
		return NULL;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	snprintf(a->path, sizeof a->path, "%s", path);
	unlink(path);	/* a stale socket from a previous run */
	old = umask(0077);
	a->listener = evconnlistener_new_bind(base, admin_accept_cb, a,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, (int)sizeof sun);
	umask(old);
	if (a->listener == NULL) {
		if (asprintf(cause, "cannot listen on %s: %s", path,
		    strerror(errno)) < 0)
			*cause = NULL;
		free(a);
		return NULL;
	}
	return a;
}

void
admin_add_command(struct admin *a, const char *name, const char *help,
    admin_handler fn, void *arg)
{
	if (a->n_commands == ADMIN_MAX_COMMANDS)
		return;
	a->commands[a->n_commands++] = (struct admin_command){ name, help, fn,
	    arg };
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	evconnlistener_free(a->listener);
	unlink(a->path);
	free(a);
}
