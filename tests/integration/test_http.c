/*
 * test_http.c: farold's HTTP listener against the real farold, a private
 * PostgreSQL and gammu's dummy driver (suite `integration`):
 *   - /healthz answers 200 once the database and the modem are up, and
 *     503 naming the database while PostgreSQL is stopped;
 *   - /metrics is valid Prometheus text (every sample of a family with a
 *     TYPE, names prefixed farol_, numbers that parse, histogram buckets
 *     rising to +Inf = _count), and its counters move after a report:
 *     messages in, alerts by area, form and urgency, forwards, the
 *     report-to-first-forward histogram, the modem's sends;
 *   - / shows the alert on its island; neither page nor metrics carry the
 *     report's text or a phone number;
 *   - only GET and HEAD of /, /healthz and /metrics are served.
 * The status page's rendering is test_status_page.c's (headless Chromium).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "http_client.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000

static struct pgcluster *pg;
static struct gateway_proc g;
static int port;

/* Problems of a Prometheus text exposition: 0 when valid. Each problem
 * is printed. */
static int
exposition_problems(const char *text)
{
	char typed[64][96], name[96], family[96], *end;
	const char *line, *eol, *p;
	int n_typed = 0, problems = 0, known;
	size_t len;

	for (line = text; *line != '\0'; line = *eol ? eol + 1 : eol) {
		eol = strchrnul(line, '\n');
		if (eol == line)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			if (sscanf(line + 7, "%95s", name) == 1 && n_typed < 64)
				snprintf(typed[n_typed++], sizeof typed[0],
				    "%s", name);
			continue;
		}
		if (line[0] == '#')
			continue;
		len = strspn(line, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
		snprintf(name, sizeof name, "%.*s", (int)len, line);
		p = line + len;
		if (*p == '{') {
			/* label="value" pairs; values may hold \" */
			for (p++; *p != '}' && p < eol; p++)
				if (*p == '\\')
					p++;
			p++;
		}
		if (strncmp(name, "farol_", 6) != 0 || *p != ' ') {
			printf("  bad sample line: %.*s\n", (int)(eol - line),
			    line);
			problems++;
			continue;
		}
		if (strncmp(p + 1, "+Inf", 4) != 0) {
			strtod(p + 1, &end);
			if (end == p + 1 || end != eol) {
				printf("  bad value: %.*s\n",
				    (int)(eol - line), line);
				problems++;
			}
		}
		snprintf(family, sizeof family, "%s", name);
		known = 0;
		for (int i = 0; i < n_typed && !known; i++) {
			size_t tl = strlen(typed[i]);

			known = strcmp(typed[i], name) == 0 ||
			    (strncmp(typed[i], name, tl) == 0 &&
			    (strcmp(name + tl, "_bucket") == 0 ||
			    strcmp(name + tl, "_sum") == 0 ||
			    strcmp(name + tl, "_count") == 0));
		}
		if (!known) {
			printf("  sample before its TYPE: %s\n", family);
			problems++;
		}
	}
	return problems;
}

/* The value of the series written exactly as series ("name{...}" or
 * "name"), or NAN when absent. */
static double
series(const char *text, const char *want)
{
	size_t len = strlen(want);

	for (const char *p = text; p != NULL && *p != '\0';
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, want, len) == 0 && p[len] == ' ')
			return strncmp(p + len + 1, "+Inf", 4) == 0 ?
			    INFINITY : strtod(p + len + 1, NULL);
	}
	return NAN;
}

/* The sum of every series of metric name (labels or not); 0 if none. */
static double
metric_sum(const char *text, const char *name)
{
	size_t len = strlen(name);
	double sum = 0;

	for (const char *p = text; p != NULL && *p != '\0';
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, name, len) != 0 || (p[len] != ' ' &&
		    p[len] != '{'))
			continue;
		p = strchr(p, ' ');
		sum += strtod(p + 1, NULL);
	}
	return sum;
}

/* Whether the histogram name's buckets rise to +Inf, which is _count. */
static int
histogram_ok(const char *text, const char *name)
{
	char want[128];
	double last = 0, v;
	size_t len;
	int buckets = 0;

	snprintf(want, sizeof want, "%s_bucket{le=\"", name);
	len = strlen(want);
	for (const char *p = text; p != NULL && *p != '\0';
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, want, len) != 0)
			continue;
		v = strtod(strchr(p, ' ') + 1, NULL);
		if (v < last)
			return 0;
		last = v;
		buckets++;
		if (strncmp(p + len, "+Inf\"", 5) == 0) {
			snprintf(want, sizeof want, "%s_count", name);
			return buckets > 1 && series(text, want) == v;
		}
	}
	return 0;
}

static char *
get(const char *path, int *status)
{
	char *body = NULL;

	*status = http_client_request(port, "GET", path, &body);
	return body;
}

static void
test_metrics_follow_a_report(void)
{
	char *before, *after = NULL, *page, want[64];
	double msgs, fwds, sv;
	long ref;
	int st, tries;

	before = get("/metrics", &st);
	CHECK(st == 200 && before != NULL, "/metrics 200 got=%d", st);
	if (before == NULL)
		return;
	CHECK(exposition_problems(before) == 0, "valid exposition (before)");
	CHECK(series(before, "farol_database_up") == 1, "database up");
	CHECK(series(before, "farol_ingest_lane_up{lane=\"0\"}") == 1 &&
	    series(before, "farol_ingest_lane_up{lane=\"1\"}") == 1,
	    "both ingest lanes up");
	CHECK(series(before, "farol_metrics_database_ok") == 1,
	    "database figures included");
	CHECK(histogram_ok(before, "farol_ack_seconds"), "ack histogram");
	CHECK(strstr(before, "# TYPE farol_first_forward_seconds histogram")
	    != NULL, "first-forward histogram typed");
	msgs = metric_sum(before, "farol_messages_received_total");
	fwds = metric_sum(before, "farol_forwards_total");
	sv = series(before, "farol_alerts_total{area=\"SV\",form=\"SX\","
	    "urgency=\"1\"}");
	CHECK(isnan(sv), "no SV SX U1 alert yet");

	CHECK(gateway_proc_drop_sms(&g, "+2389912345", "ALERTA SV SX U1 V2 "
	    "MENOR bar Calheta", NULL) == 0, "drop");
	ref = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert") == 1
	    ? stored_q(pg, "SELECT ref FROM alert") : -1;
	CHECK(ref > 0, "alert made");
	/* Three forwards for U1 in SV; wait until all are submitted. */
	for (tries = 0; tries < WAIT_MS / 200; tries++) {
		free(after);
		after = get("/metrics", &st);
		if (after != NULL &&
		    metric_sum(after, "farol_forwards_total") >= fwds + 3)
			break;
		usleep(200 * 1000);
	}
	if (after == NULL)
		return;
	CHECK(exposition_problems(after) == 0, "valid exposition (after)");
	CHECK(metric_sum(after, "farol_forwards_total") == fwds + 3,
	    "forwards +3 got=%g", metric_sum(after, "farol_forwards_total"));
	CHECK(metric_sum(after, "farol_messages_received_total") == msgs + 1,
	    "messages +1 got=%g",
	    metric_sum(after, "farol_messages_received_total"));
	CHECK(series(after, "farol_alerts_total{area=\"SV\",form=\"SX\","
	    "urgency=\"1\"}") == 1, "alerts_total{SV,SX,1} = 1");
	CHECK(series(after, "farol_first_forward_seconds_count") == 1,
	    "first-forward histogram counted the alert");
	CHECK(histogram_ok(after, "farol_first_forward_seconds"),
	    "first-forward buckets rise to +Inf = count");
	CHECK(series(after, "farol_alerts_open") == 1, "one open alert");
	CHECK(metric_sum(after, "farol_modem_sent_total") >= 3,
	    "the modem's sends");
	CHECK(metric_sum(after, "farol_modem_healthy") == 1, "modem healthy");
	CHECK(strstr(after, "Calheta") == NULL &&
	    strstr(after, "9912345") == NULL, "no text, no number");

	page = get("/", &st);
	CHECK(st == 200 && page != NULL, "/ 200 got=%d", st);
	snprintf(want, sizeof want, "data-ref=\"%ld\"", ref);
	CHECK(page != NULL && strstr(page, want) != NULL, "alert on the page");
	CHECK(page != NULL && strstr(page, "data-area=\"SV\"") != NULL,
	    "SV's tile");
	CHECK(page != NULL && strstr(page, "Calheta") == NULL &&
	    strstr(page, "9912345") == NULL && strstr(page, "+238") == NULL,
	    "no text, no number on the page");
	free(page);
	free(before);
	free(after);
}

static void
test_only_our_paths(void)
{
	char *body = NULL;

	CHECK(http_client_request(port, "GET", "/nope", NULL) == 404, "404");
	CHECK(http_client_request(port, "HEAD", "/healthz", NULL) == 200,
	    "HEAD");
	CHECK(http_client_request(port, "POST", "/", &body) != 200,
	    "POST refused");
	free(body);
}

static void
test_database_down(void)
{
	char *body;
	int st;

	CHECK(pgcluster_stop(pg, 1) == 0, "stop PostgreSQL");
	CHECK(http_client_wait(port, "/healthz", 503, WAIT_MS) == 503,
	    "/healthz 503 with PostgreSQL stopped");
	body = get("/healthz", &st);
	CHECK(st == 503 && body != NULL && strncmp(body, "database: ", 10)
	    == 0, "the reason names the database: %s", body ? body : "-");
	free(body);
	body = get("/metrics", &st);
	CHECK(st == 200 && body != NULL, "/metrics still answers");
	CHECK(body != NULL && series(body, "farol_ingest_lane_up{lane=\"1\"}")
	    == 0, "the second ingest lane down too");
	CHECK(body != NULL && series(body, "farol_database_up") == 0 &&
	    series(body, "farol_metrics_database_ok") == 0 &&
	    metric_sum(body, "farol_modem_sent_total") >= 3 &&
	    strstr(body, "farol_alerts_total") == NULL,
	    "memory figures only");
	CHECK(body != NULL && exposition_problems(body) == 0,
	    "valid exposition (database down)");
	free(body);
	body = get("/", &st);
	CHECK(st == 200 && body != NULL &&
	    strstr(body, "id=\"alerts-unavailable\"") != NULL,
	    "the page says the alerts are unavailable");
	free(body);
	CHECK(pgcluster_restart(pg) == 0, "restart PostgreSQL");
	CHECK(http_client_wait(port, "/healthz", 200, WAIT_MS) == 200,
	    "/healthz 200 again");
}

int
main(void)
{
	int ready;

	REQUIRE((pg = pgcluster_start("http")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE((port = http_client_enable(&g)) > 0, "http on");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = http_client_wait(port, "/healthz", 200, WAIT_MS) ==
	    200))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "/healthz 200: database and modem ready");
	test_metrics_follow_a_report();
	test_only_our_paths();
	test_database_down();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
