/*
 * bench_ussd.c: the USSD callback endpoint under load: callbacks per
 * second and the latency of each (request written to answer read), p50,
 * p99 and max, against the real farold and PostgreSQL (needs PostgreSQL).
 *
 *   bench_ussd [RATE [SECONDS [CONCURRENCY]]]
 *
 * Two runs, each of whole menu sessions (8 callbacks: the main menu,
 * area, form, urgency, victims, minors, the confirmation, and the
 * confirm that stores an alert: 1 callback in 8 goes to the database):
 * - paced: RATE callbacks a second (500) for SECONDS (5), each on its
 *   own connection, as many in flight as the answers allow;
 * - flat out: CONCURRENCY (50) connections, each sending its next
 *   callback as soon as the last is answered, for SECONDS.
 * Target (issue 18): p99 under 50 ms at 500 callbacks/s.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"
#include "ussd_client.h"

/* ussd.listen as gateway_proc writes it (http.listen is another
 * "listen", also off). */
#define USSD_LISTEN_LINE "ussd = {\n  listen = \"\";"

#define MAX_INFLIGHT 1024
#define MARIA "+2389912345"

static const char *const steps[] = { "", "1", "1*1", "1*1*1", "1*1*1*1",
    "1*1*1*1*2", "1*1*1*1*2*3", "1*1*1*1*2*3*1" };
#define NSTEPS (int)(sizeof steps / sizeof steps[0])

struct pending {
	int fd;
	long long t0;
	size_t have;
	char buf[1024];
};

static int port;
static long long *lat;
static int nlat, caplat, errors;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Send callback k (session k / NSTEPS, step k % NSTEPS). */
static int
send_one(struct pending *p, long k, const char *tag)
{
	struct ussd_call c;
	char body[512], session[48];

	snprintf(session, sizeof session, "%s-%ld", tag, k / NSTEPS);
	ussd_client_form(body, sizeof body, session, "*384#", MARIA,
	    steps[k % NSTEPS]);
	p->t0 = now_us();
	p->have = 0;
	if (ussd_client_send(&c, port, NULL, "/ussd", NULL, NULL, body,
	    strlen(body)) != 0) {
		errors++;
		return -1;
	}
	p->fd = c.fd;
	return 0;
}

/* Read what is there; 1 when the answer is complete. */
static int
read_some(struct pending *p)
{
	ssize_t r = read(p->fd, p->buf + p->have, sizeof p->buf - 1 -
	    p->have);

	if (r > 0) {
		p->have += (size_t)r;
		if (p->have < sizeof p->buf - 1)
			return 0;
	}
	p->buf[p->have] = '\0';
	close(p->fd);
	p->fd = -1;
	if (strncmp(p->buf, "HTTP/1.1 200", 12) != 0)
		errors++;
	if (nlat < caplat)
		lat[nlat++] = now_us() - p->t0;
	return 1;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double seconds)
{
	qsort(lat, (size_t)nlat, sizeof lat[0], cmp_ll);
	printf("%-28s %6d callbacks in %.2f s = %7.0f/s; latency p50 %.2f "
	    "ms, p99 %.2f ms, max %.2f ms; %d error(s)\n", what, nlat,
	    seconds, nlat / seconds, nlat ? lat[nlat / 2] / 1000.0 : 0,
	    nlat ? lat[(nlat * 99) / 100] / 1000.0 : 0,
	    nlat ? lat[nlat - 1] / 1000.0 : 0, errors);
}

/* Open loop: a callback every 1/rate s, answers read as they come. */
static void
run_paced(int rate, int seconds)
{
	static struct pending p[MAX_INFLIGHT];
	struct pollfd pfd[MAX_INFLIGHT];
	int idx[MAX_INFLIGHT], i, n, inflight = 0;
	long total = (long)rate * seconds, sent = 0;
	long long start = now_us(), next, wait;

	nlat = errors = 0;
	for (i = 0; i < MAX_INFLIGHT; i++)
		p[i].fd = -1;
	while (sent < total || inflight > 0) {
		next = start + sent * 1000000LL / rate;
		while (sent < total && now_us() >= next &&
		    inflight < MAX_INFLIGHT) {
			for (i = 0; p[i].fd >= 0; i++)
				;
			if (send_one(&p[i], sent, "paced") == 0)
				inflight++;
			sent++;
			next = start + sent * 1000000LL / rate;
		}
		for (i = 0, n = 0; i < MAX_INFLIGHT; i++)
			if (p[i].fd >= 0) {
				pfd[n].fd = p[i].fd;
				pfd[n].events = POLLIN;
				idx[n++] = i;
			}
		wait = sent < total ? (next - now_us()) / 1000 : 100;
		if (poll(pfd, (nfds_t)n, wait < 0 ? 0 : (int)wait) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0 && read_some(&p[idx[i]]))
				inflight--;
	}
	report("paced", (now_us() - start) / 1e6);
}

/* Closed loop: conc connections, each sends again once answered. */
static void
run_flat(int conc, int seconds)
{
	static struct pending p[MAX_INFLIGHT];
	struct pollfd pfd[MAX_INFLIGHT];
	long long start = now_us(), end = start + seconds * 1000000LL;
	long k[MAX_INFLIGHT];
	int i, live = 0;

	nlat = errors = 0;
	for (i = 0; i < conc; i++) {
		k[i] = (long)i * 100000 * NSTEPS;
		if (send_one(&p[i], k[i], "flat") == 0)
			live++;
		else
			p[i].fd = -1;
	}
	while (live > 0) {
		for (i = 0; i < conc; i++) {
			pfd[i].fd = p[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)conc, 1000) <= 0)
			continue;
		for (i = 0; i < conc; i++) {
			if (p[i].fd < 0 || pfd[i].revents == 0 ||
			    !read_some(&p[i]))
				continue;
			live--;
			if (now_us() < end && send_one(&p[i], ++k[i],
			    "flat") == 0)
				live++;
		}
	}
	report("flat out", (now_us() - start) / 1e6);
}

int
main(int argc, char **argv)
{
	int rate = argc > 1 ? atoi(argv[1]) : 500;
	int seconds = argc > 2 ? atoi(argv[2]) : 5;
	int conc = argc > 3 ? atoi(argv[3]) : 50;
	struct gateway_proc g;
	struct pgcluster *pg;
	char listen[80];
	double load[3] = { 0 };
	FILE *f;

	REQUIRE(rate > 0 && seconds > 0 && conc > 0 && conc <= MAX_INFLIGHT,
	    "usage: bench_ussd [RATE [SECONDS [CONCURRENCY]]]");
	caplat = rate * seconds * 4 + conc * 20000;
	REQUIRE((lat = calloc((size_t)caplat, sizeof *lat)) != NULL, "mem");
	REQUIRE((pg = pgcluster_start("bench_ussd")) != NULL, "pg");
	port = 20000 + getpid() % 20000;
	snprintf(listen, sizeof listen, "ussd = {\n  listen = "
	    "\"127.0.0.1:%d\";", port);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_edit_config(&g, USSD_LISTEN_LINE, listen) == 0 &&
	    gateway_proc_edit_config(&g, "max_sessions = 2000;",
	    "max_sessions = 100000;") == 0 &&
	    GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "config");
	REQUIRE(gateway_proc_start(&g) == 0, "start");
	REQUIRE(console_wait_db_ready(&g, 30000) == 0, "db ready");
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
			load[0] = -1;
		fclose(f);
	}
	printf("load average before: %.2f %.2f %.2f (nproc %ld)\n", load[0],
	    load[1], load[2], sysconf(_SC_NPROCESSORS_ONLN));
	printf("sessions of %d callbacks, 1 in %d stores an alert\n", NSTEPS,
	    NSTEPS);
	run_paced(rate, seconds);
	run_flat(conc, seconds);
	printf("alerts stored: %ld\n", stored_q(pg, "SELECT count(*) FROM "
	    "alert"));
	gateway_proc_finish(&g, 30000);
	pgcluster_destroy(pg);
	free(lat);
	return 0;
}
