/*
 * farold.c: the farol daemon's entry point and life cycle.
 *
 * Parses the command line, loads the config (or only checks it), then runs
 * one libevent loop that owns the database engine, the inbox and the modem
 * workers. Signals arrive through evsignal: SIGTERM/SIGINT stop gracefully
 * (finish what is in flight, stop the workers, exit 0; exit 4 when
 * gateway.stop_deadline cuts that short), SIGHUP reloads the
 * config all-or-nothing. Nothing here may block the loop.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "admin.h"
#include "cause.h"
#include "config.h"
#include "console_act.h"
#include "db.h"
#include "decide_flood.h"
#include "audit.h"
#include "digest.h"
#include "erase.h"
#include "janitor.h"
#include "presence.h"
#include "farol_version.h"
#include "held.h"
#include "http.h"
#include "inbox.h"
#include "latency.h"
#include "log.h"
#include "ingest.h"
#include "modem.h"
#include "notify.h"
#include "outbox.h"
#include "registry.h"
#include "fwdq.h"
#include "replay.h"
#include "sendlog.h"
#include "show.h"
#include "purge.h"
#include "spool.h"
#include "ussd_http.h"
#include "ussd_push.h"

enum farold_exit {
	FAROLD_EXIT_OK = 0,
	FAROLD_EXIT_CONFIG = 1,	/* the config file is invalid */
	FAROLD_EXIT_USAGE = 2,	/* bad command line */
	FAROLD_EXIT_RUNTIME = 3,	/* could not start */
	FAROLD_EXIT_FORCED = 4,	/* stop_deadline passed with work in flight */
};

struct farold {
	struct event_base *base;
	struct config *cfg;
	const char *config_path;
	int debug;
	struct db *db;
	struct admin *admin;
	struct http *http;	/* NULL when http.listen is "" */
	struct notify *notify;	/* systemd's READY=1, WATCHDOG=1 */
	struct inbox *inbox;
	struct ussd_http *ussd;		/* NULL: no USSD endpoint */
	struct ussd_push *ussd_push;	/* the modems' +CUSD reports */
	struct spool *spool;
	struct replay *replay;
	struct sendlog *sendlog;	/* send results not yet recorded */
	struct fwdq *fwdq;		/* spooled alerts' forwards */
	struct ingest *ingest;
	/* The ingest lanes' own connections (database.ingest_connections
	 * - 1), started once the main one has migrated the schema. */
	struct farold_lane {
		struct farold *d;
		struct db *db;
		int i;
		int lost;	/* systemd was told it is unreachable */
	} lanes[CONFIG_INGEST_CONNECTIONS_MAX];
	int n_lanes;
	int lanes_started;
	struct outbox *outbox;
	struct digest *digest;	/* the janitor's U3 digest job */
	struct purge *purge;	/* the janitor's daily retention job */
	struct erase_sources erase;
	struct presence *presence;	/* this gateway's name held */
	struct janitor *janitor;	/* one gateway's jobs for all */
	struct latency latency;
	struct show_sources show;
	struct held_sources held;
	struct flood *flood;	/* the one flood counter: ingest, spool */
	struct console_act_sources act;
	struct modem *modems[CONFIG_MAX_MODEMS];
	int n_modems;
	int n_running;
	int stopping;
	int forced;		/* the stop deadline ended the loop */
	struct event *ev_term, *ev_int, *ev_hup, *ev_deadline;
};

static void
farold_usage(FILE *out)
{
	fprintf(out,
"usage: farold [-d] [-c FILE]\n"
"       farold --check-config FILE\n"
"\n"
"farold is the farol alert gateway daemon: it reads reports from GSM modems,\n"
"stores them in PostgreSQL and forwards urgent alerts. It runs in the\n"
"foreground and logs to stderr; run it under systemd or a supervisor.\n"
"\n"
"options:\n"
"  -c, --config FILE        configuration file (default %s/farol.conf)\n"
"  -t, --check-config FILE  check FILE, print \"ok\" or each problem as\n"
"                           FILE:LINE: reason, and exit 0 (ok) or 1\n"
"  -d, --debug              log at debug level (overrides log_level)\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the config (a bad\n"
"file is refused and the running config kept).\n"
"exit status: 0 ok, 1 invalid config, 2 usage error, 3 start-up failure,\n"
"4 stopped by gateway.stop_deadline with work still in flight.\n",
	    FAROL_SYSCONFDIR);
}

static int
farold_check_config(const char *path)
{
	char *cause = NULL;
	struct config *cfg = config_load(path, &cause);

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return FAROLD_EXIT_CONFIG;
	}
	config_free(cfg);
	printf("ok\n");
	return FAROLD_EXIT_OK;
}

static void
farold_finish(struct farold *d)
{
	log_info("farold: stopped");
	event_base_loopexit(d->base, NULL);
}

static void
farold_modem_stopped(struct modem *m, void *arg)
{
	struct farold *d = arg;

	if (--d->n_running == 0)
		farold_finish(d);
}

/* The inbox and the replay have nothing in flight: stop the workers. */
static void
farold_drained(void *arg)
{
	struct farold *d = arg;

	log_info("farold: nothing in flight; stopping %d modem worker(s)",
	    d->n_running);
	/* Nothing claimed is left: the name is free for a successor. */
	janitor_stop(d->janitor);
	presence_stop(d->presence);
	if (d->n_running == 0) {
		farold_finish(d);
		return;
	}
	for (int i = 0; i < d->n_modems; i++)
		modem_stop(d->modems[i], farold_modem_stopped, d);
}

static void
farold_replay_drained(void *arg)
{
	struct farold *d = arg;

	outbox_drain(d->outbox, farold_drained, d);
}

static void
farold_inbox_drained(void *arg)
{
	struct farold *d = arg;

	replay_drain(d->replay, farold_replay_drained, d);
}

static void
farold_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct farold *d = arg;

	log_error("farold: still busy %d s after the stop request; exiting "
	    "anyway with status %d (messages not yet stored stay on the SIM)",
	    d->cfg->stop_deadline_s, FAROLD_EXIT_FORCED);
	log_error("farold: left in flight: %d message(s) being stored, %d "
	    "being replayed from the spool, %d SMS handed to modems and not "
	    "answered, %d of %d modem worker(s) not stopped; %d message(s) "
	    "in the spool", inbox_in_flight(d->inbox),
	    replay_in_flight(d->replay), outbox_in_flight(d->outbox),
	    d->n_running, d->n_modems, spool_count(d->spool));
	d->forced = 1;
	event_base_loopbreak(d->base);
}

static void
farold_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct farold *d = arg;
	struct timeval tv = { d->cfg->stop_deadline_s, 0 };

	if (d->stopping)
		return;
	d->stopping = 1;
	notify_send(d->notify, "STOPPING=1");
	log_info("farold: %s received, stopping (%d message(s) in flight)",
	    sig == SIGINT ? "SIGINT" : "SIGTERM", inbox_in_flight(d->inbox));
	evtimer_add(d->ev_deadline, &tv);
	/* No new USSD step; a screen still waiting is answered now. */
	ussd_http_free(d->ussd);
	d->ussd = NULL;
	inbox_drain(d->inbox, farold_inbox_drained, d);
}

#define FAROLD_MAX_RESTART_KEYS 12

/* The settings that changed but only take effect at the next restart
 * (read once at start-up); each is logged, and farolctl reload lists them.
 * Returns their count. */
static int
farold_restart_keys(const struct config *old, const struct config *new,
    const char **keys)
{
	int n = 0;

	if (strcmp(old->conninfo, new->conninfo) != 0)
		keys[n++] = "database.conninfo";
	if (old->migrate != new->migrate)
		keys[n++] = "database.migrate";
	if (old->connect_timeout_s != new->connect_timeout_s)
		keys[n++] = "database.connect_timeout";
	if (old->ingest_connections != new->ingest_connections)
		keys[n++] = "database.ingest_connections";
	if (strcmp(old->spool_dir, new->spool_dir) != 0)
		keys[n++] = "gateway.spool_dir";
	if (strcmp(old->admin_socket, new->admin_socket) != 0)
		keys[n++] = "gateway.admin_socket";
	if (strcmp(old->admin_group, new->admin_group) != 0)
		keys[n++] = "gateway.admin_group";
	if (strcmp(old->http_listen, new->http_listen) != 0)
		keys[n++] = "http.listen";
	if (old->multipart_timeout_s != new->multipart_timeout_s)
		keys[n++] = "gateway.multipart_timeout";
	if (old->n_modems != new->n_modems ||
	    memcmp(old->modems, new->modems, sizeof old->modems) != 0)
		keys[n++] = "modems";
	if (strcmp(old->ussd.listen, new->ussd.listen) != 0 ||
	    strcmp(old->ussd.path, new->ussd.path) != 0)
		keys[n++] = "ussd.listen";
	for (int i = 0; i < n; i++)
		log_warn("config: %s changed; it takes effect at the next "
		    "restart", keys[i]);
	return n;
}

/* Load the file again and swap it in, or keep the running one. On -1,
 * *cause (the caller frees it) holds the file's problems, one a line.
 * keys (room for FAROLD_MAX_RESTART_KEYS, may be NULL) gets the changed
 * settings that need a restart, *n_keys their count. */
static int
farold_reload(struct farold *d, char **cause, const char **keys,
    int *n_keys)
{
	const char *ignored[FAROLD_MAX_RESTART_KEYS];
	struct config *cfg;
	const char *line, *end;
	int n;

	cfg = config_load(d->config_path, cause);
	if (cfg == NULL) {
		for (line = *cause; *line != '\0'; line = end + 1) {
			end = strchrnul(line, '\n');
			log_error("config: %.*s", (int)(end - line), line);
			if (*end == '\0')
				break;
		}
		log_error("config: reload refused; still running on the "
		    "previous configuration");
		return -1;
	}
	n = farold_restart_keys(d->cfg, cfg, keys != NULL ? keys : ignored);
	if (n_keys != NULL)
		*n_keys = n;
	config_free(d->cfg);
	d->cfg = cfg;
	log_set_level(d->debug ? LOG_LEVEL_DEBUG : cfg->log_level);
	if (db_is_ready(d->db))
		registry_sync(d->db, d->cfg);
	digest_schedule(d->digest);	/* digest_at may have changed */
	log_info("config: reloaded %s", d->config_path);
	return 0;
}

static void
farold_reload_cb(evutil_socket_t sig, short what, void *arg)
{
	struct farold *d = arg;
	char *cause = NULL;

	log_info("config: SIGHUP received, reloading %s", d->config_path);
	notify_send(d->notify, "RELOADING=1");
	farold_reload(d, &cause, NULL, NULL);
	notify_send(d->notify, "READY=1");
	free(cause);
}

static int
farold_admin_reload(const char *args, struct evbuffer *out,
    char **cause, void *arg)
{
	const char *keys[FAROLD_MAX_RESTART_KEYS];
	struct farold *d = arg;
	char *problems = NULL;
	int rc, n_keys = 0;

	log_info("config: reload requested by farolctl");
	rc = farold_reload(d, &problems, keys, &n_keys);
	if (problems != NULL)
		evbuffer_add_printf(out, "%s\n", problems);
	free(problems);
	if (rc != 0)
		cause_set(cause, "reload refused; the previous configuration "
		    "is still in use");
	else {
		evbuffer_add_printf(out, "reloaded %s\n", d->config_path);
		for (int i = 0; i < n_keys; i++)
			evbuffer_add_printf(out, "restart needed: %s\n",
			    keys[i]);
	}
	return rc;
}

static int
farold_admin_status(const char *args, struct evbuffer *out,
    char **cause, void *arg)
{
	struct farold *d = arg;

	evbuffer_add_printf(out, "farold %s, config %s\n", FAROL_VERSION,
	    d->config_path);
	evbuffer_add_printf(out, "database: %s\n", db_is_ready(d->db) ?
	    "ready" : "not connected");
	if (d->n_lanes > 0)
		evbuffer_add_printf(out, "ingest: %d connection(s), %s\n",
		    d->n_lanes + 1, ingest_ready(d->ingest) ? "all ready" :
		    "NOT ALL READY (their senders' reports go to the spool)");
	if (presence_registered(d->presence))
		evbuffer_add_printf(out, "gateway: %s, registered%s\n",
		    d->cfg->name, janitor_held(d->janitor) ? ", the janitor" :
		    "");
	else
		evbuffer_add_printf(out, "gateway: %s, NOT REGISTERED: %s\n",
		    d->cfg->name, presence_problem(d->presence));
	evbuffer_add_printf(out, "inbox: %d message(s) in flight\n",
	    inbox_in_flight(d->inbox));
	evbuffer_add_printf(out, "spool: %d message(s) waiting for the "
	    "database\n", spool_count(d->spool));
	evbuffer_add_printf(out, "outbox: %d SMS handed to modems, not yet "
	    "answered\n", outbox_in_flight(d->outbox));
	for (int i = 0; i < d->n_modems; i++) {
		struct modem_health h;

		modem_get_health(d->modems[i], &h);
		evbuffer_add_printf(out, "modem %s: %s%s%s, signal %d%%, "
		    "%d queued, %lld sent, %lld failed, %lld received\n",
		    h.name, h.healthy ? "healthy" : "NOT HEALTHY",
		    h.problem[0] != '\0' ? ": " : "", h.problem,
		    h.signal_percent, h.send_queue, h.sent, h.failed,
		    h.received);
	}
	return 0;
}

static void
farold_db_state_cb(enum db_state state, const char *reason, void *arg)
{
	struct farold *d = arg;

	notify_send(d->notify, state == DB_READY ? "STATUS=database ready" :
	    state == DB_BACKOFF ? "STATUS=database unreachable; reports go "
	    "to the spool" : "STATUS=connecting to the database");
	if (state == DB_READY) {
		log_info("db: ready");
		/* Before any message: alerts refer to the registry. */
		registry_sync(d->db, d->cfg);
		/* Before the spool's messages: the quarantines that last. */
		ingest_flood_seed(d->ingest);
		replay_kick(d->replay);
		presence_db_ready(d->presence);
		outbox_db_ready(d->outbox);
		/* The schema is there: the lanes may prepare their call. */
		if (!d->lanes_started)
			for (int i = 0; i < d->n_lanes; i++)
				db_start(d->lanes[i].db);
		d->lanes_started = 1;
		/* The digest's catch-up runs when this gateway becomes the
		 * janitor (digest_janitor_job). */
	} else if (reason != NULL) {
		log_warn("db: %s", reason);
	}
	if (state == DB_BACKOFF)
		janitor_db_lost(d->janitor);
	if (state == DB_READY || state == DB_BACKOFF)
		inbox_db_settled(d->inbox);
}

/* An ingest lane's connection: while it is lost its senders' reports go
 * to the spool; back, the replay stores them. */
static void
farold_lane_state_cb(enum db_state state, const char *reason, void *arg)
{
	struct farold_lane *l = arg;

	if (state == DB_READY) {
		log_info("db: ingest lane %d ready", l->i);
		if (l->lost && db_is_ready(l->d->db))
			notify_send(l->d->notify, "STATUS=database ready");
		l->lost = 0;
		replay_kick(l->d->replay);
	} else if (reason != NULL)
		log_warn("db: ingest lane %d: %s", l->i, reason);
	if (state == DB_BACKOFF && !l->lost) {
		notify_send(l->d->notify, "STATUS=an ingest connection is "
		    "unreachable; its senders' reports go to the spool");
		l->lost = 1;
	}
}

/*
 * The lanes beyond the first (database.ingest_connections): the main
 * engine's settings, with their own name in pg_stat_activity, never
 * migrating (the main engine does, before they start).
 */
static int
farold_add_lanes(struct farold *d, const struct db_settings *main)
{
	struct db_settings settings = *main;
	char name[32];

	settings.skip_migrations = 1;
	settings.check_schema_only = 0;
	settings.state_cb = farold_lane_state_cb;
	settings.application_name = name;
	for (int i = 1; i < d->cfg->ingest_connections; i++) {
		struct farold_lane *l = &d->lanes[d->n_lanes];

		snprintf(name, sizeof name, "farold-lane-%d", i);
		l->d = d;
		l->i = i;
		settings.state_arg = l;
		if ((l->db = db_new(d->base, &settings)) == NULL ||
		    ingest_add_lane(d->ingest, l->db) != 0) {
			log_error("db: cannot set up ingest lane %d", i);
			db_free(l->db);
			return -1;
		}
		d->n_lanes++;
	}
	return 0;
}

/* The database is down: urgent alerts go out from the spool. */
static void
farold_spooled_cb(const struct inbound_sms *msg, const char *id, void *arg)
{
	struct farold *d = arg;

	outbox_forward_spooled(d->outbox, d->cfg, msg, id);
}

static void
farold_spool_report(enum spool_event event, const char *file,
    const char *reason, void *arg)
{
	if (event == SPOOL_EVENT_MOVED_ASIDE || event == SPOOL_EVENT_NOT_MOVED)
		log_error("spool: %s: %s", file, reason);
	else
		log_warn("spool: %s: %s", file, reason);
}

/* The db engine's log sink: syslog levels to ours, with a "db: " prefix. */
static void farold_db_log(void *arg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
farold_db_log(void *arg, int level, const char *fmt, ...)
{
	char line[900];
	va_list ap;
	int ours = level <= DB_LOG_ERR ? LOG_LEVEL_ERROR :
	    level == DB_LOG_WARNING ? LOG_LEVEL_WARNING :
	    level == DB_LOG_INFO ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	switch (ours) {
	case LOG_LEVEL_ERROR:
		log_error("db: %s", line);
		break;
	case LOG_LEVEL_WARNING:
		log_warn("db: %s", line);
		break;
	case LOG_LEVEL_INFO:
		log_info("db: %s", line);
		break;
	default:
		log_debug("db: %s", line);
	}
}

static int
farold_start(struct farold *d)
{
	struct db_settings settings = { 0 };
	char *cause = NULL;
	char *why = NULL;
	int set_aside;

	/* The spool's lock first: a second farold on the same config stops
	 * here, before it touches the running one's admin socket. */
	if ((d->spool = spool_open(d->cfg->spool_dir, farold_spool_report, d,
	    &why)) == NULL) {
		log_error("spool: %s: %s", d->cfg->spool_dir,
		    why ? why : "cannot open");
		free(why);
		return -1;
	}
	if ((d->admin = admin_listen(d->base, d->cfg->admin_socket,
	    d->cfg->admin_gid, &why))
	    == NULL) {
		log_error("admin: %s", why ? why : "cannot listen");
		free(why);
		return -1;
	}
	admin_add_command(d->admin, "status", "show the gateway's state",
	    farold_admin_status, d);
	admin_add_command(d->admin, "reload", "reload the configuration file",
	    farold_admin_reload, d);
	admin_add_deferred(d->admin, "show", "show modems|inbox|spool|outbox|"
	    "alerts|gateways|audit|purges [json]: one table", show_run,
	    &d->show);
	admin_add_deferred(d->admin, "release", "release REF: route a held "
	    "alert as if it had just arrived", held_release_run, &d->held);
	admin_add_deferred(d->admin, "dismiss", "dismiss REF REASON: close a "
	    "held alert, send nothing", held_dismiss_run, &d->held);
	admin_add_deferred(d->admin, "alerts", "alerts [json] [area=A] "
	    "[state=S] [urgency=U] [since=T]", console_alerts_run, &d->show);
	admin_add_deferred(d->admin, "alert", "alert REF [json]: the alert "
	    "and its history", console_alert_run, &d->show);
	admin_add_deferred(d->admin, "ack", "ack REF: acknowledge on behalf "
	    "of an officer", console_ack_run, &d->act);
	admin_add_deferred(d->admin, "close", "close REF: close on behalf of "
	    "an officer", console_close_run, &d->act);
	admin_add_deferred(d->admin, "resend", "resend OUTBOX-ID: send an "
	    "outgoing SMS again", console_resend_run, &d->act);
	admin_add_deferred(d->admin, "pause", "pause MODEM: it takes no "
	    "sends", console_pause_run, &d->act);
	admin_add_deferred(d->admin, "resume", "resume MODEM",
	    console_resume_run, &d->act);

	settings.conninfo = d->cfg->conninfo;
	settings.connect_timeout_ms = d->cfg->connect_timeout_s * 1000;
	settings.check_schema_only = !d->cfg->migrate;
	settings.backoff_min_ms = 250;
	/* Short: the spool must drain soon after the database returns. */
	settings.backoff_max_ms = 2000;
	settings.state_cb = farold_db_state_cb;
	settings.state_arg = d;
	settings.log = farold_db_log;
	settings.log_arg = d;
	settings.close_timeout_ms = 3000;
	settings.gateway = d->cfg->name;
	if ((d->db = db_new(d->base, &settings)) == NULL) {
		log_error("db: cannot set up the database engine");
		return -1;
	}
	ingest_prepare(d->db);
	registry_prepare(d->db);
	outbox_prepare(d->db);
	digest_prepare(d->db);
	purge_prepare(d->db);
	erase_prepare(d->db);
	audit_prepare(d->db);
	presence_prepare(d->db);
	janitor_prepare(d->db);
	show_prepare(d->db);
	held_prepare(d->db);
	console_alerts_prepare(d->db);
	console_act_prepare(d->db);
	http_prepare(d->db);
	if (spool_count(d->spool) > 0)
		log_info("spool: %d message(s) waiting for the database",
		    spool_count(d->spool));
	if ((d->sendlog = sendlog_open(d->cfg->spool_dir, &set_aside, &why))
	    == NULL) {
		log_error("spool: %s", why ? why : "cannot open");
		free(why);
		return -1;
	}
	if (set_aside > 0)
		log_error("spool: %d unreadable send result file(s) renamed "
		    "*.bad in %s/" SENDLOG_DIR, set_aside, d->cfg->spool_dir);
	if (sendlog_count(d->sendlog) > 0)
		log_info("spool: %d send result(s) waiting for the database",
		    sendlog_count(d->sendlog));
	if ((d->fwdq = fwdq_open(d->cfg->spool_dir, &set_aside, &why)) ==
	    NULL) {
		log_error("spool: %s", why ? why : "cannot open");
		free(why);
		return -1;
	}
	if (set_aside > 0)
		log_error("spool: %d unreadable forward file(s) renamed *.bad "
		    "in %s/" FWDQ_DIR, set_aside, d->cfg->spool_dir);
	log_info("spool: %d alert number(s) reserved for an outage, %d "
	    "forward(s) waiting for a modem", fwdq_refs_count(d->fwdq),
	    fwdq_queued(d->fwdq));
	if ((d->flood = flood_new()) == NULL ||
	    (d->outbox = outbox_new(d->base, d->db, &d->cfg, d->flood,
	    d->modems, &d->n_modems)) == NULL ||
	    (d->ingest = ingest_new(d->db, &d->cfg, d->flood, outbox_kick,
	    d->outbox)) == NULL ||
	    (d->replay = replay_new(d->base, d->db, d->ingest, d->spool))
	    == NULL ||
	    (d->inbox = inbox_new(d->base, d->db, d->ingest, d->spool,
	    d->replay)) == NULL ||
	    (d->digest = digest_new(d->base, d->db, &d->cfg, outbox_kick,
	    d->outbox)) == NULL ||
	    (d->ussd_push = ussd_push_new(&d->cfg, d->inbox)) == NULL ||
	    (d->presence = presence_new(d->base, d->db, d->cfg)) == NULL ||
	    (d->janitor = janitor_new(d->base, d->db, &d->cfg, d->presence,
	    outbox_kick, d->outbox)) == NULL ||
	    farold_add_lanes(d, &settings) != 0)
		return -1;
	outbox_set_presence(d->outbox, d->presence);
	presence_set_registered_cb(d->presence, outbox_registered, d->outbox);
	digest_set_janitor(d->digest, d->janitor);
	janitor_add_job(d->janitor, digest_janitor_job, d->digest);
	digest_schedule(d->digest);
	if ((d->purge = purge_new(d->db, &d->cfg)) == NULL)
		return -1;
	janitor_add_job(d->janitor, purge_janitor_job, d->purge);
	d->erase = (struct erase_sources){ d->db, &d->cfg };
	admin_add_deferred(d->admin, "purge", "purge [dry]: replace the "
	    "text and numbers past their retention now", purge_console_run,
	    d->purge);
	admin_add_deferred(d->admin, "erase-focal-point", "erase-focal-point "
	    "ID: its number and name leave the database",
	    erase_focal_point_run, &d->erase);
	admin_add_deferred(d->admin, "read", "read REF [json] REASON: an "
	    "alert's text and numbers, recorded in the audit",
	    audit_read_run, &d->show);
	inbox_set_spooled_cb(d->inbox, farold_spooled_cb, d);
	outbox_set_sendlog(d->outbox, d->sendlog);
	outbox_set_fwdq(d->outbox, d->fwdq);
	replay_set_fwdq(d->replay, d->fwdq);
	replay_set_kick(d->replay, outbox_kick, d->outbox);
	if (d->cfg->ussd.listen[0] != '\0' && (d->ussd = ussd_http_new(d->base,
	    &d->cfg, d->inbox, &cause)) == NULL) {
		log_error("ussd: %s", cause);
		free(cause);
		return -1;
	}
	d->show = (struct show_sources){ d->db, d->inbox, d->spool,
	    d->replay, d->outbox, d->modems, &d->n_modems, d->presence,
	    d->janitor, d->ingest };
	d->held = (struct held_sources){ d->db, outbox_kick, d->outbox };
	d->act = (struct console_act_sources){ d->db, d->modems,
	    &d->n_modems, outbox_kick, d->outbox };
	if (d->cfg->http_listen[0] != '\0' && (d->http = http_start(d->base,
	    d->cfg->http_listen, &d->show, &d->cfg, &why)) == NULL) {
		log_error("http: %s", why);
		free(why);
		return -1;
	}
	ingest_set_latency(d->ingest, &d->latency);
	outbox_set_latency(d->outbox, &d->latency);
	db_start(d->db);

	modem_global_init();
	for (int i = 0; i < d->cfg->n_modems; i++) {
		d->modems[i] = modem_start(d->base, &d->cfg->modems[i],
		    d->cfg->multipart_timeout_s, inbox_receive_cb, d->inbox,
		    &cause);
		if (d->modems[i] == NULL) {
			log_error("modem %s: %s", d->cfg->modems[i].name,
			    cause);
			free(cause);
			return -1;
		}
		outbox_attach_modem(d->outbox, d->modems[i]);
		modem_set_ussd_callback(d->modems[i], ussd_push_received,
		    d->ussd_push);
		d->n_modems++;
		d->n_running++;
	}
	return 0;
}

/*
 * After the loop: free the modems, the admin socket and the signal events,
 * then close the database and run the loop until it is gone (calls still
 * queued get their "db closed" callbacks while inbox and replay exist),
 * and only then free those.
 */
static void
farold_cleanup(struct farold *d)
{
	for (int i = 0; i < d->n_modems; i++) {
		if (d->inbox != NULL)
			inbox_forget_modem(d->inbox, d->modems[i]);
		modem_free(d->modems[i]);
	}
	admin_free(d->admin);
	http_free(d->http);
	/* Its watchdog timer would keep the loop alive; NULL because closing
	 * the database below still reports its state (farold_db_state_cb). */
	notify_free(d->notify);
	d->notify = NULL;
	if (d->ev_term != NULL) {
		event_free(d->ev_term);
		event_free(d->ev_int);
		event_free(d->ev_hup);
		event_free(d->ev_deadline);
		/* Stopping already: a second SIGTERM while the database's
		 * last call ends (close_timeout_ms at most) must not kill
		 * farold with the signal instead of exit 0. */
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
	}
	/* Nothing may keep the loop alive but the database's last calls. */
	ussd_http_free(d->ussd);
	d->ussd = NULL;
	ussd_push_free(d->ussd_push);
	d->ussd_push = NULL;
	if (d->inbox != NULL)
		inbox_drain(d->inbox, NULL, NULL);
	if (d->replay != NULL)
		replay_drain(d->replay, NULL, NULL);
	if (d->outbox != NULL)
		outbox_drain(d->outbox, NULL, NULL);
	digest_stop(d->digest);
	purge_stop(d->purge);
	janitor_stop(d->janitor);
	presence_stop(d->presence);
	for (int i = 0; i < d->n_lanes; i++)
		db_free(d->lanes[i].db);
	if (d->db != NULL) {
		db_free(d->db);
		event_base_dispatch(d->base);
	}
	inbox_free(d->inbox);
	replay_free(d->replay);
	outbox_free(d->outbox);
	digest_free(d->digest);
	purge_free(d->purge);
	janitor_free(d->janitor);
	presence_free(d->presence);
	ingest_free(d->ingest);
	flood_free(d->flood);
	sendlog_close(d->sendlog);
	fwdq_close(d->fwdq);
	spool_close(d->spool);
	if (d->base != NULL)
		event_base_free(d->base);
	config_free(d->cfg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct farold d = { .config_path = FAROL_SYSCONFDIR "/farol.conf" };
	char *cause = NULL;
	int ch, rc = FAROLD_EXIT_OK;

	while ((ch = getopt_long(argc, argv, "c:t:dhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			return farold_check_config(optarg);
		case 'd':
			d.debug = 1;
			break;
		case 'h':
			farold_usage(stdout);
			return FAROLD_EXIT_OK;
		case 'V':
			printf("farold %s\n", FAROL_VERSION);
			return FAROLD_EXIT_OK;
		default:
			farold_usage(stderr);
			return FAROLD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		farold_usage(stderr);
		return FAROLD_EXIT_USAGE;
	}

	/* Without TZ, glibc stats /etc/localtime at every mktime() (gammu
	 * calls it 4 times for each message it reads, the routes once a
	 * report): named, the zone is read once, before any thread starts.
	 * A change of the host's zone is seen at the next start. */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 1);
	tzset();
	log_init("farold", d.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if ((d.cfg = config_load(d.config_path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		log_error("farold: %s is invalid; not starting", d.config_path);
		return FAROLD_EXIT_CONFIG;
	}
	if (!d.debug)
		log_set_level(d.cfg->log_level);
	log_info("farold %s starting with %s (%d modem(s))", FAROL_VERSION,
	    d.config_path, d.cfg->n_modems);

	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	if ((d.base = event_base_new()) == NULL) {
		log_error("farold: cannot create the event loop");
		config_free(d.cfg);
		return FAROLD_EXIT_RUNTIME;
	}
	d.ev_term = evsignal_new(d.base, SIGTERM, farold_stop_cb, &d);
	d.ev_int = evsignal_new(d.base, SIGINT, farold_stop_cb, &d);
	d.ev_hup = evsignal_new(d.base, SIGHUP, farold_reload_cb, &d);
	d.ev_deadline = evtimer_new(d.base, farold_deadline_cb, &d);
	evsignal_add(d.ev_term, NULL);
	evsignal_add(d.ev_int, NULL);
	evsignal_add(d.ev_hup, NULL);

	d.notify = notify_new(d.base);
	if (farold_start(&d) != 0) {
		rc = FAROLD_EXIT_RUNTIME;
	} else {
		log_info("farold: running");
		/* The sockets are listening and the workers started. */
		notify_send(d.notify, "READY=1");
		event_base_dispatch(d.base);
	}
	farold_cleanup(&d);
	if (rc == FAROLD_EXIT_OK && d.forced)
		rc = FAROLD_EXIT_FORCED;
	return rc;
}
