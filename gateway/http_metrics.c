/*
 * http_metrics.c: /metrics, in the Prometheus text format (version
 * 0.0.4), every name prefixed farol_. Two sources:
 *
 * - the database, through one prepared statement (http_metrics): what
 *   the tables say, counted since the database began (so a restart of
 *   farold resets nothing): messages in by modem and kind, alerts by
 *   area, form and urgency (an alert with two forms counts once under
 *   each), forwards, deliveries, acknowledgements and escalations, open
 *   and held alerts, the outbox's depth, and the histograms of time to
 *   acknowledgement and of report to first forward; the SMS each
 *   gateway is sending and each gateway's heartbeat age;
 * - memory, answered even while the database is down: whether it is up,
 *   whether this gateway holds its name and the janitor,
 *   the spool's depth and age, and each modem's health, signal, balance,
 *   queue and counters since start-up.
 *
 * The statement scans alert, message and outbox whole: fine at this
 * network's scale (thousands of alerts a year) and a scrape a minute.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "http_private.h"
#include "ingest.h"
#include "janitor.h"
#include "modem.h"
#include "presence.h"
#include "show.h"
#include "spool.h"

struct http_family {
	const char *name;
	const char *type;	/* counter, gauge, histogram */
	const char *help;
};

/* The database's families, in the order they are written. */
static const struct http_family http_db_families[] = {
	{ "farol_messages_received_total", "counter",
	    "Messages stored, by modem and kind (sms, ussd, binary)." },
	{ "farol_alerts_total", "counter",
	    "Alerts stored, by area, form and urgency (empty: not given)." },
	{ "farol_forwards_total", "counter",
	    "Forward SMS handed to a modem (submitted or delivered)." },
	{ "farol_escalations_total", "counter",
	    "Escalation SMS (rungs called after a wait) handed to a modem." },
	{ "farol_deliveries_total", "counter",
	    "Forward and escalation SMS the network reported delivered." },
	{ "farol_acknowledgements_total", "counter",
	    "Alerts acknowledged." },
	{ "farol_alerts_open", "gauge",
	    "Alerts not yet acknowledged nor in a final state." },
	{ "farol_alerts_held", "gauge",
	    "Open alerts held (PIN, flood quarantine), by reason." },
	{ "farol_outbox_depth", "gauge",
	    "Outgoing SMS queued or being sent, by purpose." },
	{ "farol_ack_seconds", "histogram",
	    "Time from a report's receipt to its acknowledgement." },
	{ "farol_first_forward_seconds", "histogram",
	    "Time from a report's receipt to its first forward's submission." },
	{ "farol_outbox_claimed", "gauge",
	    "Outgoing SMS being sent, by the gateway holding their lease." },
	{ "farol_gateway_heartbeat_age_seconds", "gauge",
	    "Seconds since each running gateway's last heartbeat." },
};

void
http_metrics_prepare(struct db *db)
{
	/* Rows of (metric, k1, v1, k2, v2, k3, v3, value); a NULL key is
	 * no label. Every value is float8 so one column takes them all. */
	db_prepare_add(db, "http_metrics",
	    "WITH ack AS (SELECT extract(epoch FROM acknowledged_at - "
	    "received_at)::float8 AS s FROM alert "
	    "WHERE acknowledged_at IS NOT NULL), "
	    "fwd AS (SELECT extract(epoch FROM min(o.submitted_at) - "
	    "a.received_at)::float8 AS s FROM alert a JOIN outbox o "
	    "ON o.alert_id = a.id AND o.purpose = 'forward' "
	    "AND o.submitted_at IS NOT NULL GROUP BY a.id, a.received_at), "
	    "ack_le(le) AS (VALUES (30::float8), (60), (120), (300), (600), "
	    "(900), (1800), (3600), (7200), ('Infinity')), "
	    "fwd_le(le) AS (VALUES (1::float8), (2), (5), (10), (30), (60), "
	    "(120), (300), (600), ('Infinity')), "
	    "open AS (SELECT a.* FROM alert a JOIN alert_state st "
	    "ON st.state = a.state WHERE NOT st.final "
	    "AND a.state <> 'acknowledged'), "
	    /* The rows the alerts still plan (alert.rung_plan: the
	     * forwards not yet claimed, the later rungs), by purpose. */
	    "planned AS (SELECT r.purpose, count(*) AS n FROM alert a "
	    "CROSS JOIN LATERAL farol_alert_plan_rows(a.rung_plan) r "
	    "WHERE a.rung_plan_next_at IS NOT NULL GROUP BY r.purpose) "
	    "SELECT 'farol_messages_received_total' AS metric, "
	    "'modem' AS k1, modem AS v1, 'kind' AS k2, kind AS v2, "
	    "NULL AS k3, NULL AS v3, count(*)::float8 AS value "
	    "FROM message GROUP BY modem, kind "
	    "UNION ALL SELECT 'farol_alerts_total', 'area', "
	    "coalesce(a.area, ''), 'form', f.form, 'urgency', "
	    "coalesce(a.urgency::text, ''), count(*) FROM alert a, "
	    "unnest(CASE WHEN cardinality(a.forms) = 0 THEN '{\"\"}'::text[] "
	    "ELSE a.forms END) AS f(form) GROUP BY 3, 5, 7 "
	    "UNION ALL SELECT 'farol_forwards_total', NULL, NULL, NULL, NULL, "
	    "NULL, NULL, count(*) FROM outbox WHERE purpose = 'forward' "
	    "AND state IN ('submitted', 'delivered') "
	    "UNION ALL SELECT 'farol_escalations_total', NULL, NULL, NULL, "
	    "NULL, NULL, NULL, count(*) FROM outbox "
	    "WHERE purpose = 'escalation' "
	    "AND state IN ('submitted', 'delivered') "
	    "UNION ALL SELECT 'farol_deliveries_total', NULL, NULL, NULL, "
	    "NULL, NULL, NULL, count(*) FROM outbox "
	    "WHERE purpose IN ('forward', 'escalation') "
	    "AND state = 'delivered' "
	    "UNION ALL SELECT 'farol_acknowledgements_total', NULL, NULL, "
	    "NULL, NULL, NULL, NULL, count(*) FROM alert "
	    "WHERE acknowledged_at IS NOT NULL "
	    "UNION ALL SELECT 'farol_alerts_open', NULL, NULL, NULL, NULL, "
	    "NULL, NULL, count(*) FROM open "
	    "UNION ALL SELECT 'farol_alerts_held', 'reason', held_reason, "
	    "NULL, NULL, NULL, NULL, count(*) FROM open "
	    "WHERE held_reason IS NOT NULL GROUP BY held_reason "
	    /* The rows the alerts still plan wait as queued rows of
	     * their purpose. */
	    "UNION ALL SELECT 'farol_outbox_depth', 'purpose', p.purpose, "
	    "NULL, NULL, NULL, NULL, count(o.id) + coalesce((SELECT n "
	    "FROM planned WHERE planned.purpose = p.purpose), 0) "
	    "FROM outbox_purpose p "
	    "LEFT JOIN outbox o ON o.purpose = p.purpose "
	    "AND o.state IN ('queued', 'sending') GROUP BY p.purpose "
	    "UNION ALL SELECT 'farol_ack_seconds_bucket', 'le', "
	    "CASE WHEN le = 'Infinity' THEN '+Inf' ELSE le::text END, NULL, "
	    "NULL, NULL, NULL, (SELECT count(*) FROM ack WHERE s <= le) "
	    "FROM ack_le "
	    "UNION ALL SELECT 'farol_ack_seconds_sum', NULL, NULL, NULL, "
	    "NULL, NULL, NULL, coalesce(sum(s), 0) FROM ack "
	    "UNION ALL SELECT 'farol_ack_seconds_count', NULL, NULL, NULL, "
	    "NULL, NULL, NULL, count(*) FROM ack "
	    "UNION ALL SELECT 'farol_first_forward_seconds_bucket', 'le', "
	    "CASE WHEN le = 'Infinity' THEN '+Inf' ELSE le::text END, NULL, "
	    "NULL, NULL, NULL, (SELECT count(*) FROM fwd WHERE s <= le) "
	    "FROM fwd_le "
	    "UNION ALL SELECT 'farol_first_forward_seconds_sum', NULL, NULL, "
	    "NULL, NULL, NULL, NULL, coalesce(sum(s), 0) FROM fwd "
	    "UNION ALL SELECT 'farol_first_forward_seconds_count', NULL, "
	    "NULL, NULL, NULL, NULL, NULL, count(*) FROM fwd "
	    "UNION ALL SELECT 'farol_outbox_claimed', 'gateway', "
	    "coalesce(claimed_by, ''), NULL, NULL, NULL, NULL, count(*) "
	    "FROM outbox WHERE state = 'sending' GROUP BY claimed_by "
	    "UNION ALL SELECT 'farol_gateway_heartbeat_age_seconds', "
	    "'gateway', name, NULL, NULL, NULL, NULL, extract(epoch FROM "
	    "now() - heartbeat_at)::float8 FROM gateway "
	    "WHERE stopped_at IS NULL", 0);
}

/* A label value as the format wants it: \, " and newline escaped. */
static void
http_label_value(struct evbuffer *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(out, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

static void
http_family_head(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* One sample of a per-modem family. */
static void
http_modem_sample(struct evbuffer *out, const char *name, const char *modem,
    double value)
{
	evbuffer_add_printf(out, "%s{modem=\"", name);
	http_label_value(out, modem);
	evbuffer_add_printf(out, "\"} %.17g\n", value);
}

/* Whether the row's metric belongs to family (a histogram's rows are
 * NAME_bucket, NAME_sum and NAME_count). */
static int
http_in_family(const char *metric, const char *family)
{
	size_t len = strlen(family);

	return strncmp(metric, family, len) == 0 && (metric[len] == '\0' ||
	    strcmp(metric + len, "_bucket") == 0 ||
	    strcmp(metric + len, "_sum") == 0 ||
	    strcmp(metric + len, "_count") == 0);
}

static void
http_metrics_db(struct evbuffer *out, const PGresult *res)
{
	int rows = PQntuples(res), metric = PQfnumber(res, "metric");
	int value = PQfnumber(res, "value"), key[3], val[3];
	char name[8];

	for (int k = 0; k < 3; k++) {
		snprintf(name, sizeof name, "k%d", k + 1);
		key[k] = PQfnumber(res, name);
		snprintf(name, sizeof name, "v%d", k + 1);
		val[k] = PQfnumber(res, name);
		if (key[k] < 0 || val[k] < 0)
			return;
	}
	if (metric < 0 || value < 0)
		return;
	for (size_t f = 0; f < sizeof http_db_families /
	    sizeof *http_db_families; f++) {
		const struct http_family *fam = &http_db_families[f];

		http_family_head(out, fam->name, fam->type, fam->help);
		for (int i = 0; i < rows; i++) {
			int n = 0;

			if (!http_in_family(PQgetvalue(res, i, metric),
			    fam->name))
				continue;
			evbuffer_add_printf(out, "%s",
			    PQgetvalue(res, i, metric));
			for (int k = 0; k < 3; k++) {
				if (PQgetisnull(res, i, key[k]))
					continue;
				evbuffer_add_printf(out, "%s%s=\"",
				    n++ == 0 ? "{" : ",",
				    PQgetvalue(res, i, key[k]));
				http_label_value(out,
				    PQgetvalue(res, i, val[k]));
				evbuffer_add(out, "\"", 1);
			}
			evbuffer_add_printf(out, "%s %s\n", n > 0 ? "}" : "",
			    PQgetvalue(res, i, value));
		}
	}
}

static void
http_metrics_memory(struct evbuffer *out, const struct http_sources *src)
{
	static const struct http_family modem_families[] = {
		{ "farol_modem_connected", "gauge",
		    "1 when the modem's state machine is up." },
		{ "farol_modem_healthy", "gauge",
		    "1 when the modem is connected, its PIN accepted, "
		    "answering and not failing." },
		{ "farol_modem_signal_percent", "gauge",
		    "Signal strength at the last health check (absent: "
		    "unknown)." },
		{ "farol_modem_balance", "gauge",
		    "Airtime balance, the first number of the balance USSD's "
		    "answer (absent: unknown or not configured)." },
		{ "farol_modem_send_queue", "gauge",
		    "SMS queued in the modem's worker." },
		{ "farol_modem_sent_total", "counter",
		    "SMS the modem submitted since farold started." },
		{ "farol_modem_failed_total", "counter",
		    "SMS the modem failed to submit since farold started." },
		{ "farol_modem_received_total", "counter",
		    "Messages the modem read since farold started." },
	};
	const struct show_sources *s = src->show;
	struct modem_health mh;
	time_t oldest = spool_oldest_time(s->spool);
	double v;

	http_family_head(out, "farol_database_up", "gauge",
	    "1 when PostgreSQL is connected.");
	evbuffer_add_printf(out, "farol_database_up %d\n",
	    db_is_ready(s->db) ? 1 : 0);
	/* Lane 0 is the connection above; a lane down spools its
	 * senders' reports while farol_database_up may still say 1. */
	http_family_head(out, "farol_ingest_lane_up", "gauge",
	    "1 when the ingest lane's connection is up "
	    "(database.ingest_connections; lane 0 is the main one).");
	for (int i = 0; i < ingest_lanes(s->ingest); i++) {
		struct ingest_lane_stats st;

		ingest_get_lane(s->ingest, i, &st);
		evbuffer_add_printf(out, "farol_ingest_lane_up{lane=\"%d\"} "
		    "%d\n", i, strcmp(st.state, db_state_name(DB_READY)) ==
		    0 || strcmp(st.state, db_state_name(DB_BUSY)) == 0);
	}
	http_family_head(out, "farol_gateway_registered", "gauge",
	    "1 while this gateway holds its name (gateway.name).");
	evbuffer_add_printf(out, "farol_gateway_registered{gateway=\"");
	http_label_value(out, (*src->cfg)->name);
	evbuffer_add_printf(out, "\"} %d\n",
	    presence_registered(s->presence) ? 1 : 0);
	http_family_head(out, "farol_janitor", "gauge",
	    "1 while this gateway is the janitor (gateway/janitor.h).");
	evbuffer_add_printf(out, "farol_janitor{gateway=\"");
	http_label_value(out, (*src->cfg)->name);
	evbuffer_add_printf(out, "\"} %d\n",
	    janitor_held(s->janitor) ? 1 : 0);
	http_family_head(out, "farol_spool_depth", "gauge",
	    "Messages in the local spool, waiting for the database.");
	evbuffer_add_printf(out, "farol_spool_depth %d\n",
	    spool_count(s->spool));
	http_family_head(out, "farol_spool_oldest_seconds", "gauge",
	    "Age of the spool's oldest message (0: empty).");
	evbuffer_add_printf(out, "farol_spool_oldest_seconds %lld\n",
	    oldest == 0 ? 0LL : (long long)(time(NULL) - oldest));
	for (size_t f = 0; f < sizeof modem_families /
	    sizeof *modem_families; f++) {
		http_family_head(out, modem_families[f].name,
		    modem_families[f].type, modem_families[f].help);
		for (int i = 0; i < *s->n_modems; i++) {
			modem_get_health(s->modems[i], &mh);
			switch (f) {
			case 0: v = mh.connected != 0; break;
			case 1: v = mh.healthy != 0; break;
			case 2: v = mh.signal_percent; break;
			case 3: v = mh.balance_value; break;
			case 4: v = mh.send_queue; break;
			case 5: v = (double)mh.sent; break;
			case 6: v = (double)mh.failed; break;
			default: v = (double)mh.received; break;
			}
			/* Unknown is absent, not a false zero. */
			if ((f == 2 || f == 3) && v < 0)
				continue;
			http_modem_sample(out, modem_families[f].name,
			    mh.name, v);
		}
	}
}

static void
http_metrics_done(struct evhttp_request *req, const struct http_sources *src,
    const PGresult *res, const struct db_error *error)
{
	struct evbuffer *body = evbuffer_new();

	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	http_metrics_memory(body, src);
	/* Without the database its families are absent, not zero: a
	 * counter that fell to zero would read as a reset. */
	if (res != NULL)
		http_metrics_db(body, res);
	http_family_head(body, "farol_metrics_database_ok", "gauge",
	    "1 when this scrape includes the database's figures.");
	evbuffer_add_printf(body, "farol_metrics_database_ok %d\n",
	    res != NULL);
	http_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", body);
	evbuffer_free(body);
}

void
http_metrics(struct http *h, struct evhttp_request *req,
    const struct http_sources *src)
{
	http_query(h, req, "http_metrics", http_metrics_done);
}
