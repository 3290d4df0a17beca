/*
 * test_notify.c: farold speaks systemd's notification protocol (suite
 * `integration`). The test owns an AF_UNIX datagram socket, names it in
 * NOTIFY_SOCKET with WATCHDOG_USEC at 400 ms, and reads what farold
 * sends, as systemd would for Type=notify and WatchdogSec: READY=1 once
 * it runs, WATCHDOG=1 every 200 ms from the loop, STATUS= lines as the
 * database comes up, STOPPING=1 at SIGTERM. The same again with an
 * abstract socket ("@name"). A farold with a WATCHDOG_PID not its own
 * sends no pings (the interval was for another process).
 */
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "gateway_proc.h"
#include "pgcluster.h"

#define WAIT_MS 30000
/* 400 ms asks for a ping every 200 ms: in 2 s, about 10. */
#define WATCHDOG_USEC "400000"
#define WATCH_MS 2000

static struct pgcluster *pg;

struct seen {
	int ready, watchdog, stopping, status_db;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read datagrams for ms milliseconds (or until *until, if not NULL, is
 * set), counting what they say in s. */
static void
collect(int fd, int ms, const int *until, struct seen *s)
{
	long long end = now_ms() + ms;
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[512];
	ssize_t n;

	while (now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof buf - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		s->ready += strcmp(buf, "READY=1") == 0;
		s->watchdog += strcmp(buf, "WATCHDOG=1") == 0;
		s->stopping += strcmp(buf, "STOPPING=1") == 0;
		s->status_db += strcmp(buf, "STATUS=database ready") == 0;
		if (until != NULL && *until > 0)
			return;
	}
}

/* A datagram socket at path (a file) or, abstract, at "@name". */
static int
listen_at(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd < 0 || len >= sizeof sun.sun_path)
		return -1;
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct
	    sockaddr_un, sun_path) + len + (name[0] != '@'))) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
run(const char *kind, int abstract, const char *watchdog_pid)
{
	struct gateway_proc g;
	struct seen s = { 0 };
	char name[300];
	int fd;

	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	if (abstract)
		snprintf(name, sizeof name, "@farol-notify-test-%ld",
		    (long)getpid());
	else
		snprintf(name, sizeof name, "%s/notify", g.dir);
	REQUIRE((fd = listen_at(name)) >= 0, "%s: socket %s", kind, name);
	setenv("NOTIFY_SOCKET", name, 1);
	setenv("WATCHDOG_USEC", WATCHDOG_USEC, 1);
	if (watchdog_pid != NULL)
		setenv("WATCHDOG_PID", watchdog_pid, 1);
	else
		unsetenv("WATCHDOG_PID");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");

	collect(fd, WAIT_MS, &s.ready, &s);
	CHECK(s.ready == 1, "%s: READY=1 got=%d", kind, s.ready);
	collect(fd, WATCH_MS, NULL, &s);
	if (watchdog_pid == NULL) {
		/* 10 expected; a loaded machine may delay a few. */
		CHECK(s.watchdog >= 5, "%s: WATCHDOG=1 every 200 ms got=%d in "
		    "%d ms", kind, s.watchdog, WATCH_MS);
		CHECK(s.status_db >= 1, "%s: STATUS=database ready", kind);
	} else
		CHECK(s.watchdog == 0, "%s: no ping for another pid got=%d",
		    kind, s.watchdog);
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	collect(fd, WAIT_MS, &s.stopping, &s);
	CHECK(s.stopping == 1, "%s: STOPPING=1 got=%d", kind, s.stopping);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "%s: exit 0", kind);
	close(fd);
}

int
main(void)
{
	REQUIRE((pg = pgcluster_start("notify")) != NULL, "PostgreSQL");
	run("path socket", 0, NULL);
	run("abstract socket", 1, NULL);
	run("watchdog for another pid", 0, "1");
	pgcluster_destroy(pg);
	return check_status();
}
