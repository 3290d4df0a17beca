/*
 * presence.c: this gateway's registration and heartbeat (see presence.h).
 *
 * Called by farold (presence_db_ready at each connection, presence_stop
 * at shutdown) and by the outbox, the janitor and the reservation of
 * alert numbers, which ask presence_registered() first. Must never
 * happen here: two live processes both believing they hold one name
 * (the database decides, by instance), a blocking call.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "presence.h"
#include "rows.h"

#define PRESENCE_CALL_TIMEOUT_MS 5000

struct presence {
	struct event_base *base;
	struct db *db;
	struct event *tick;
	char name[64];
	char instance[48];
	char host[256];
	char pinned[1024];	/* array literal of the pinned modems */
	char problem[256];	/* why the name is not held; "" held */
	int lease_s;
	int pin_fallback_s;
	int registered;
	int calling;		/* a register or heartbeat in flight */
	int stopped;
	void (*registered_cb)(void *);
	void *registered_arg;
};

void
presence_prepare(struct db *db)
{
	db_prepare_add(db, "gateway_register", "SELECT registered::int AS "
	    "registered, holder_host, coalesce(holder_pid, 0) AS holder_pid, "
	    "coalesce(heartbeat_age_s, 0)::int AS age FROM "
	    "farol_gateway_register($1, $2, $3::int, $4::text[], $5::int, "
	    "$6::int, $7::boolean)", 7);
	db_prepare_add(db, "gateway_heartbeat", "SELECT "
	    "farol_gateway_heartbeat($1, $2::int)::int AS alive", 2);
	db_prepare_add(db, "gateway_stop", "SELECT farol_gateway_stop($1)", 1);
}

static void presence_register(struct presence *p, int force);

static void
presence_registered_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct presence *p = arg;
	const char *host;
	char *cause = NULL;
	int ok, pid, age;

	p->calling = 0;
	if (res == NULL) {
		log_warn("presence: registering gateway %s failed: %s",
		    p->name, error != NULL ? error->message : "no result");
		return;
	}
	if (rows_one_int(res, "registered", &ok, &cause) == -1 ||
	    rows_one_int(res, "holder_pid", &pid, &cause) == -1 ||
	    rows_one_int(res, "age", &age, &cause) == -1 ||
	    (host = rows_one_text(res, "holder_host", &cause)) == NULL) {
		log_error("presence: unreadable registration: %s", cause);
		free(cause);
		return;
	}
	if (ok) {
		if (!p->registered)
			log_info("presence: gateway %s registered (instance "
			    "%s)", p->name, p->instance);
		p->registered = 1;
		p->problem[0] = '\0';
		if (p->registered_cb != NULL)
			p->registered_cb(p->registered_arg);
		return;
	}
	/* Our own host, and the pid is gone: this gateway, restarted. */
	if (strcmp(host, p->host) == 0 && pid > 0 && pid != getpid() &&
	    kill(pid, 0) == -1 && errno == ESRCH) {
		log_info("presence: gateway %s's last instance (pid %d) is "
		    "gone; taking its name", p->name, pid);
		presence_register(p, 1);
		return;
	}
	if (p->problem[0] == '\0')
		log_error("presence: THE NAME %s IS IN USE by a live farold on "
		    "%s (pid %d, heartbeat %d s ago): this one does not claim "
		    "SMS, run the janitor or reserve alert numbers until it "
		    "stops; give each gateway its own gateway.name", p->name,
		    host, pid, age);
	snprintf(p->problem, sizeof p->problem, "gateway name %s in use by "
	    "%s pid %d", p->name, host, pid);
}

static void
presence_register(struct presence *p, int force)
{
	char pidbuf[16], leasebuf[16], pinbuf[16];
	const char *values[7];

	if (p->calling || p->stopped || !db_is_ready(p->db))
		return;
	snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
	snprintf(leasebuf, sizeof leasebuf, "%d", p->lease_s);
	snprintf(pinbuf, sizeof pinbuf, "%d", p->pin_fallback_s);
	values[0] = p->instance;
	values[1] = p->host;
	values[2] = pidbuf;
	values[3] = p->pinned;
	values[4] = leasebuf;
	values[5] = pinbuf;
	values[6] = force ? "true" : "false";
	p->calling = 1;
	if (db_call_timeout(p->db, PRESENCE_CALL_TIMEOUT_MS,
	    "gateway_register", 7, values, presence_registered_cb, p) != 0)
		p->calling = 0;
}

static void
presence_beat_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	struct presence *p = arg;
	char *cause = NULL;
	int alive;

	p->calling = 0;
	if (res == NULL) {
		log_warn("presence: heartbeat failed: %s", error != NULL ?
		    error->message : "no result");
		return;
	}
	if (rows_one_int(res, "alive", &alive, &cause) == -1) {
		log_error("presence: unreadable heartbeat: %s", cause);
		free(cause);
		return;
	}
	if (!alive && p->registered) {
		/* Our heartbeat was older than the lease (the database
		 * unreachable that long) and another farold took the name. */
		log_error("presence: gateway %s's name was taken by another "
		    "instance; claiming stops", p->name);
		p->registered = 0;
		snprintf(p->problem, sizeof p->problem, "gateway name %s "
		    "taken by another instance", p->name);
	}
}

static void
presence_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct presence *p = arg;
	char leasebuf[16];
	const char *values[2];

	if (p->stopped || p->calling || !db_is_ready(p->db))
		return;
	if (!p->registered) {
		presence_register(p, 0);
		return;
	}
	snprintf(leasebuf, sizeof leasebuf, "%d", p->lease_s);
	values[0] = p->instance;
	values[1] = leasebuf;
	p->calling = 1;
	if (db_call_timeout(p->db, PRESENCE_CALL_TIMEOUT_MS,
	    "gateway_heartbeat", 2, values, presence_beat_cb, p) != 0)
		p->calling = 0;
}

/* The pinned modems as a PostgreSQL array literal, each name quoted. */
static void
presence_pinned(struct presence *p, const struct config *cfg)
{
	size_t len = 0;

	len += snprintf(p->pinned + len, sizeof p->pinned - len, "{");
	for (int i = 0; i < cfg->n_modems && len < sizeof p->pinned; i++) {
		if (!cfg->modems[i].pinned)
			continue;
		len += snprintf(p->pinned + len, sizeof p->pinned - len,
		    "%s\"", len > 1 ? "," : "");
		for (const char *c = cfg->modems[i].name; *c != '\0' &&
		    len + 3 < sizeof p->pinned; c++) {
			if (*c == '"' || *c == '\\')
				p->pinned[len++] = '\\';
			p->pinned[len++] = *c;
		}
		if (len < sizeof p->pinned)
			len += snprintf(p->pinned + len, sizeof p->pinned -
			    len, "\"");
	}
	if (len < sizeof p->pinned)
		snprintf(p->pinned + len, sizeof p->pinned - len, "}");
	else
		snprintf(p->pinned, sizeof p->pinned, "{}");
}

struct presence *
presence_new(struct event_base *base, struct db *db,
    const struct config *cfg)
{
	struct presence *p = calloc(1, sizeof *p);
	struct timespec ts;
	struct timeval tv;

	if (p == NULL)
		return NULL;
	p->base = base;
	p->db = db;
	p->lease_s = cfg->lease_s;
	p->pin_fallback_s = cfg->pin_fallback_s;
	snprintf(p->name, sizeof p->name, "%s", cfg->name);
	if (gethostname(p->host, sizeof p->host) == -1)
		p->host[0] = '\0';
	p->host[sizeof p->host - 1] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(p->instance, sizeof p->instance, "%d-%lld.%09ld",
	    (int)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
	presence_pinned(p, cfg);
	snprintf(p->problem, sizeof p->problem, "gateway %s not registered "
	    "yet", p->name);
	/* A third of the lease: two beats may be lost before it expires. */
	tv.tv_sec = p->lease_s / 3 > 0 ? p->lease_s / 3 : 1;
	tv.tv_usec = 0;
	if ((p->tick = event_new(base, -1, EV_PERSIST, presence_tick_cb, p))
	    == NULL) {
		free(p);
		return NULL;
	}
	event_add(p->tick, &tv);
	return p;
}

void
presence_set_registered_cb(struct presence *p, void (*fn)(void *),
    void *arg)
{
	p->registered_cb = fn;
	p->registered_arg = arg;
}

/* At each connection: register, or (back after an outage) beat at once,
 * so that our leases are renewed before another gateway may take our
 * rows over (farol_outbox_claim waits a lease after its own connection). */
void
presence_db_ready(struct presence *p)
{
	if (!p->registered)
		presence_register(p, 0);
	else
		presence_tick_cb(-1, 0, p);
}

int
presence_registered(const struct presence *p)
{
	return p == NULL || p->registered;
}

const char *
presence_instance(const struct presence *p)
{
	return p->instance;
}

const char *
presence_problem(const struct presence *p)
{
	return p->problem;
}

static void
presence_stopped_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	if (res == NULL)
		log_warn("presence: recording the stop failed: %s", error !=
		    NULL ? error->message : "no result");
}

void
presence_stop(struct presence *p)
{
	const char *values[1];

	if (p == NULL || p->stopped)
		return;
	p->stopped = 1;
	event_del(p->tick);
	if (!p->registered || !db_is_ready(p->db))
		return;
	values[0] = p->instance;
	db_call_timeout(p->db, PRESENCE_CALL_TIMEOUT_MS, "gateway_stop", 1,
	    values, presence_stopped_cb, p);
}

void
presence_free(struct presence *p)
{
	if (p == NULL)
		return;
	event_free(p->tick);
	free(p);
}
