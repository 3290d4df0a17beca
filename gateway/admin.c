/*
 * admin.c: the administration socket (see admin.h).
 *
 * Called from farold's start-up to listen, then driven by libevent: each
 * client gets a bufferevent; one line in, the handler's lines out, then the
 * connection is closed once the answer is flushed (a deferred command's
 * answer may come from a later callback). Must never happen here:
 * a blocking read or write, or a command run before its whole line came.
 *
 * Nothing a client does may knock the console over: at most
 * ADMIN_MAX_CLIENTS connections are open at once (one more is told "busy"
 * and closed), each is closed after ADMIN_IDLE_TIMEOUT_S without progress,
 * and when the process runs out of file descriptors the listener pauses
 * for ADMIN_PAUSE_MS instead of retrying accept() in a busy loop.
 */
#include <errno.h>
#include <libgen.h>
#include <pwd.h>
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
#include "cause.h"
#include "log.h"

#define ADMIN_MAX_COMMANDS 24
#define ADMIN_MAX_LINE 1024
/* farolctl sends one line at once and reads its answer to the end: a
 * client this slow or this numerous is stuck or hostile. */
#define ADMIN_MAX_CLIENTS 16
#define ADMIN_IDLE_TIMEOUT_S 10
/* Out of file descriptors: wait this long before accepting again. */
#define ADMIN_PAUSE_MS 500

struct admin_command {
	const char *name;
	const char *help;
	admin_handler fn;		/* answers at once, or */
	admin_deferred_handler deferred;	/* answers later */
	void *arg;
};

struct admin {
	struct evconnlistener *listener;
	struct event *resume;	/* re-enables the listener after EMFILE */
	int n_clients;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct admin_command commands[ADMIN_MAX_COMMANDS];
	int n_commands;
};

/* One command's answer being written; bev is NULL once the client left. */
struct admin_reply {
	struct admin *a;
	struct bufferevent *bev;
	struct evbuffer *buf;
	char user[64];		/* who asked: "unix:<name>" (SO_PEERCRED) */
};

/* The Unix user at the other end of fd, as "unix:<name>" ("unix:uid
 * <n>" without a name, "unix:?" when the kernel does not say). */
static void
admin_peer_user(int fd, char *out, size_t outsz)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		snprintf(out, outsz, "unix:?");
		return;
	}
	if (getpwuid_r(cred.uid, &pw, buf, sizeof buf, &found) == 0 &&
	    found != NULL)
		snprintf(out, outsz, "unix:%s", pw.pw_name);
	else
		snprintf(out, outsz, "unix:uid %u", (unsigned)cred.uid);
}

const char *
admin_reply_user(struct admin_reply *r)
{
	return r->user;
}

static void
admin_client_free(struct admin *a, struct bufferevent *bev)
{
	bufferevent_free(bev);
	a->n_clients--;
}

static void
admin_close_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		admin_client_free(arg, bev);
}

static void
admin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		admin_client_free(arg, bev);
}

/* The client went away while its answer was still being made. */
static void
admin_pending_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct admin_reply *r = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		admin_client_free(r->a, bev);
		r->bev = NULL;
	}
}

struct evbuffer *
admin_reply_buffer(struct admin_reply *r)
{
	return r->buf;
}

void
admin_reply_done(struct admin_reply *r, const char *error)
{
	struct evbuffer *out;

	if (r->bev != NULL) {
		out = bufferevent_get_output(r->bev);
		evbuffer_add_buffer(out, r->buf);
		if (error == NULL)
			evbuffer_add_printf(out, "OK\n");
		else
			evbuffer_add_printf(out, "ERR %s\n", error);
		/* One command per connection: close once the answer is out. */
		bufferevent_setcb(r->bev, NULL, admin_close_cb, admin_event_cb,
		    r->a);
		bufferevent_enable(r->bev, EV_WRITE);
	}
	evbuffer_free(r->buf);
	free(r);
}

static void
admin_help(struct admin *a, struct evbuffer *out)
{
	for (int i = 0; i < a->n_commands; i++)
		evbuffer_add_printf(out, "%-10s %s\n", a->commands[i].name,
		    a->commands[i].help);
}

static void
admin_run(struct admin *a, char *line, struct admin_reply *r)
{
	char *cause = NULL;
	char *args = line + strcspn(line, " ");
	char unknown[128];
	struct admin_command *c;

	if (*args != '\0')
		*args++ = '\0';
	if (strcmp(line, "help") == 0) {
		admin_help(a, r->buf);
		admin_reply_done(r, NULL);
		return;
	}
	for (int i = 0; i < a->n_commands; i++) {
		c = &a->commands[i];
		if (strcmp(c->name, line) != 0)
			continue;
		if (c->deferred != NULL)
			c->deferred(args, r, c->arg);
		else if (c->fn(args, r->buf, &cause, c->arg) == 0)
			admin_reply_done(r, NULL);
		else {
			admin_reply_done(r, cause != NULL ? cause : "failed");
			free(cause);
		}
		return;
	}
	snprintf(unknown, sizeof unknown, "unknown command \"%.64s\" (try "
	    "help)", line);
	admin_reply_done(r, unknown);
}

static void
admin_read_cb(struct bufferevent *bev, void *arg)
{
	struct admin *a = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct admin_reply *r;
	size_t len;
	char *line;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > ADMIN_MAX_LINE)
			admin_client_free(a, bev);
		return;
	}
	if ((r = calloc(1, sizeof *r)) == NULL ||
	    (r->buf = evbuffer_new()) == NULL) {
		free(r);
		free(line);
		admin_client_free(a, bev);
		return;
	}
	r->a = a;
	r->bev = bev;
	admin_peer_user(bufferevent_getfd(bev), r->user, sizeof r->user);
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, NULL, admin_pending_event_cb, r);
	admin_run(a, line, r);
	free(line);
}

static void
admin_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	static const char busy[] = "ERR busy: too many admin connections\n";
	struct event_base *base = evconnlistener_get_base(l);
	struct timeval idle = { ADMIN_IDLE_TIMEOUT_S, 0 };
	struct admin *a = arg;
	struct bufferevent *bev;

	if (a->n_clients >= ADMIN_MAX_CLIENTS) {
		/* Best effort: a fresh socket's buffer takes one line. */
		if (send(fd, busy, sizeof busy - 1, MSG_DONTWAIT |
		    MSG_NOSIGNAL) == -1)
			log_debug("admin: cannot say busy: %s",
			    strerror(errno));
		close(fd);
		log_warn("admin: %d connections open; one more refused",
		    a->n_clients);
		return;
	}
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	a->n_clients++;
	bufferevent_setcb(bev, admin_read_cb, NULL, admin_event_cb, arg);
	bufferevent_set_timeouts(bev, &idle, &idle);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
admin_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admin *a = arg;

	evconnlistener_enable(a->listener);
}

/*
 * accept() failed. Out of descriptors, the pending connection stays in the
 * backlog and the socket stays readable: retrying at once would spin, so
 * stop listening for a while (closing connections frees descriptors).
 */
static void
admin_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct timeval tv = { 0, ADMIN_PAUSE_MS * 1000 };
	struct admin *a = arg;
	int error = EVUTIL_SOCKET_ERROR();

	if (error != EMFILE && error != ENFILE && error != ENOBUFS &&
	    error != ENOMEM) {
		log_warn("admin: accept: %s", strerror(error));
		return;
	}
	log_error("admin: accept: %s; not accepting for %d ms",
	    strerror(error), ADMIN_PAUSE_MS);
	evconnlistener_disable(l);
	evtimer_add(a->resume, &tv);
}

/*
 * Whether a live process listens on path: a connection is accepted (or
 * queued; EAGAIN when its backlog is full, which a non-blocking connect
 * says instead of waiting). A socket nobody listens on refuses
 * (ECONNREFUSED): stale.
 */
static int
admin_socket_live(const struct sockaddr_un *sun)
{
	int fd, live;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0 ||
	    errno == EAGAIN;
	close(fd);
	return live;
}

/*
 * The socket's directory (/run/farol) does not survive a reboot: create
 * it (one level) if missing, traversable by the admin group only. An
 * existing directory is left as its owner made it.
 */
static int
admin_make_dir(const char *path, long gid, char **cause)
{
	char copy[sizeof(((struct sockaddr_un *)0)->sun_path)], *dir;

	snprintf(copy, sizeof copy, "%s", path);
	dir = dirname(copy);
	if (mkdir(dir, 0750) != 0) {
		if (errno == EEXIST)
			return 0;
		cause_set(cause, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (gid != -1 && chown(dir, (uid_t)-1, (gid_t)gid) != 0) {
		cause_set(cause, "cannot give %s to group %ld: %s", dir, gid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct admin *
admin_listen(struct event_base *base, const char *path, long gid,
    char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct admin *a;
	mode_t old;

	if (strlen(path) >= sizeof sun.sun_path) {
		if (asprintf(cause, "socket path too long: %s", path) < 0)
			*cause = NULL;
		return NULL;
	}
	if (admin_make_dir(path, gid, cause) != 0)
		return NULL;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return NULL;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	snprintf(a->path, sizeof a->path, "%s", path);
	if (admin_socket_live(&sun)) {
		if (asprintf(cause, "another process is listening on %s",
		    path) < 0)
			*cause = NULL;
		free(a);
		return NULL;
	}
	unlink(path);	/* a stale socket from a previous run */
	if ((a->resume = evtimer_new(base, admin_resume_cb, a)) == NULL) {
		free(a);
		return NULL;
	}
	/* 0660: the group's members (gateway.admin_group) may connect;
	 * the socket is never open to others, not even for a moment. */
	old = umask(0117);
	a->listener = evconnlistener_new_bind(base, admin_accept_cb, a,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, (int)sizeof sun);
	umask(old);
	if (a->listener != NULL && gid != -1 &&
	    chown(path, (uid_t)-1, (gid_t)gid) != 0) {
		cause_set(cause, "cannot give %s to group %ld: %s", path, gid,
		    strerror(errno));
		evconnlistener_free(a->listener);
		unlink(path);
		event_free(a->resume);
		free(a);
		return NULL;
	}
	if (a->listener == NULL) {
		if (asprintf(cause, "cannot listen on %s: %s", path,
		    strerror(errno)) < 0)
			*cause = NULL;
		event_free(a->resume);
		free(a);
		return NULL;
	}
	evconnlistener_set_error_cb(a->listener, admin_accept_error_cb);
	return a;
}

void
admin_add_command(struct admin *a, const char *name, const char *help,
    admin_handler fn, void *arg)
{
	if (a->n_commands == ADMIN_MAX_COMMANDS)
		return;
	a->commands[a->n_commands++] = (struct admin_command){ name, help, fn,
	    NULL, arg };
}

void
admin_add_deferred(struct admin *a, const char *name, const char *help,
    admin_deferred_handler fn, void *arg)
{
	if (a->n_commands == ADMIN_MAX_COMMANDS)
		return;
	a->commands[a->n_commands++] = (struct admin_command){ name, help,
	    NULL, fn, arg };
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	evconnlistener_free(a->listener);
	event_free(a->resume);
	unlink(a->path);
	free(a);
}
