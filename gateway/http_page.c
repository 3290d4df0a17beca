/*
 * http_page.c: `/', the status page for a person at the server: open and
 * held alerts by island, on a grid laid out like Cabo Verde's islands
 * with their codes, each alert with its reference, urgency, forms, age
 * and rung; each modem's health; the queues. HTML and CSS only: nothing
 * loaded from anywhere (the Content-Security-Policy forbids it), no
 * script; it refreshes itself every HTTP_PAGE_REFRESH_S seconds.
 *
 * No free text and no phone number: alerts are shown by their codes, and
 * every string that reaches the page (area names, modem names, network
 * names) is escaped. With the database down the page still shows the
 * modems and the queues, and says why the alerts are missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "http_private.h"
#include "modem.h"
#include "outbox.h"
#include "show.h"
#include "spool.h"

#define HTTP_PAGE_REFRESH_S 10
/* More than this many open alerts is a crisis the page cannot fix. */
#define HTTP_PAGE_MAX_ALERTS "500"

/* Where each island sits on the grid: columns west to east, rows north
 * to south, roughly as on a map. An area the table does not know goes
 * where the grid has room. */
static const struct {
	const char *code;
	int row, col;
} http_islands[] = {
	{ "SA", 1, 1 }, { "SV", 1, 2 }, { "SL", 1, 6 },
	{ "SN", 2, 3 },
	{ "BV", 3, 6 },
	{ "ST", 4, 4 }, { "MA", 4, 5 },
	{ "BR", 5, 2 }, { "FG", 5, 3 },
};

static const char http_page_style[] =
"body{margin:0;font:15px/1.35 system-ui,sans-serif;background:#0f1b24;"
"color:#e8eef2}"
"header{display:flex;flex-wrap:wrap;gap:1em;align-items:baseline;"
"padding:.6em 1.2em;background:#162a38;border-bottom:3px solid #2b4a60}"
"h1{margin:0;font-size:1.4em}h1 span{font-weight:400;color:#9fb6c6}"
"h2{font-size:1.05em;margin:0 0 .5em;color:#9fb6c6;text-transform:uppercase;"
"letter-spacing:.06em}"
"#health{padding:.15em .7em;border-radius:1em;font-weight:600}"
"#health.ok{background:#1f6f43}#health.bad{background:#a3262a}"
".updated{color:#9fb6c6;margin-left:auto}"
"main{display:grid;grid-template-columns:minmax(0,3fr) minmax(27em,1fr);"
"gap:1.2em;padding:1.2em}"
"section{background:#13232f;border:1px solid #24404f;border-radius:.5em;"
"padding:.8em}"
".legend{font-size:.8em;color:#9fb6c6;margin:-.2em 0 .6em}"
".legend span{display:inline-block;padding:0 .4em;margin-right:.5em;"
"border-radius:.3em;background:#2c4a5c;color:#e8eef2}"
".legend .u1{background:#8e1f24}.legend .u2{background:#8a5a12}"
".legend .held{outline:2px dashed #ffd166}"
".map{display:grid;grid-template-columns:repeat(6,minmax(8em,1fr));"
"grid-auto-rows:minmax(6.5em,auto);gap:.6em;background:radial-gradient("
"ellipse at 60% 40%,#173447,#0f2331)}"
".island{background:#20394a;border:2px solid #35586e;border-radius:40% 30% "
"45% 35%/35% 45% 30% 40%;padding:.5em .7em}"
".island.quiet{opacity:.75}"
".island.alerting{border-color:#e0a030}.island.urgent{border-color:#ff4d4f;"
"box-shadow:0 0 .8em #ff4d4f88}"
".island h3{margin:0 0 .3em;font-size:.95em;font-weight:400}"
".island h3 b{font-size:1.35em;margin-right:.3em}"
".island ul{list-style:none;margin:0;padding:0}"
".alert{margin:.25em 0;padding:.2em .45em;border-radius:.3em;"
"background:#2c4a5c;font-size:.85em}"
".alert small{display:block;font-size:.85em;opacity:.9}"
".alert.u1{background:#8e1f24}.alert.u2{background:#8a5a12}"
".alert.held{outline:2px dashed #ffd166}"
".none{color:#6f8ea3;font-size:.85em}"
"table{border-collapse:collapse;width:100%;font-size:.85em;margin-bottom:1em}"
"th,td{text-align:left;padding:.25em .3em;border-bottom:1px solid #24404f}"
"th{color:#9fb6c6;font-weight:400}"
".yes{color:#5fd38d}.no{color:#ff6b6e;font-weight:600}"
".error{background:#a3262a;padding:.4em .7em;border-radius:.3em}";

void
http_page_prepare(struct db *db)
{
	/* The open alerts (not final, not yet acknowledged), held ones
	 * among them; codes and figures only. */
	db_prepare_add(db, "http_page_alerts", "SELECT a.ref, a.area, "
	    "array_to_string(a.forms, ',') AS forms, a.urgency, a.state, "
	    "a.held_reason AS held, "
	    "max(o.rung) FILTER (WHERE o.state IN ('submitted', "
	    "'delivered')) AS rung, "
	    "extract(epoch FROM now() - a.received_at)::bigint AS age_s "
	    "FROM alert a JOIN alert_state st ON st.state = a.state "
	    "LEFT JOIN outbox o ON o.alert_id = a.id "
	    "WHERE NOT st.final AND a.state <> 'acknowledged' "
	    "GROUP BY a.id ORDER BY a.urgency NULLS LAST, a.id "
	    "LIMIT " HTTP_PAGE_MAX_ALERTS, 0);
}

void
http_html_escape(struct evbuffer *out, const char *text)
{
	for (; *text != '\0'; text++) {
		switch (*text) {
		case '&': evbuffer_add_printf(out, "&amp;"); break;
		case '<': evbuffer_add_printf(out, "&lt;"); break;
		case '>': evbuffer_add_printf(out, "&gt;"); break;
		case '"': evbuffer_add_printf(out, "&quot;"); break;
		case '\'': evbuffer_add_printf(out, "&#39;"); break;
		default: evbuffer_add(out, text, 1);
		}
	}
}

static void
http_page_age(struct evbuffer *out, long long s)
{
	if (s < 60)
		evbuffer_add_printf(out, "%lld s", s < 0 ? 0 : s);
	else if (s < 3600)
		evbuffer_add_printf(out, "%lld min", s / 60);
	else if (s < 86400)
		evbuffer_add_printf(out, "%lld h %02lld", s / 3600,
		    s / 60 % 60);
	else
		evbuffer_add_printf(out, "%lld d %lld h", s / 86400,
		    s / 3600 % 24);
}

/* The columns of http_page_alerts, by name. */
struct http_page_cols {
	int ref, area, forms, urgency, state, held, rung, age;
};

static void
http_page_alert(struct evbuffer *out, const PGresult *res, int i,
    const struct http_page_cols *c)
{
	const char *urgency = PQgetvalue(res, i, c->urgency);
	int held = !PQgetisnull(res, i, c->held);

	evbuffer_add_printf(out, "<li class=\"alert u%s%s\" data-ref=\"",
	    PQgetisnull(res, i, c->urgency) ? "0" : urgency,
	    held ? " held" : "");
	http_html_escape(out, PQgetvalue(res, i, c->ref));
	evbuffer_add_printf(out, "\" data-state=\"");
	http_html_escape(out, PQgetvalue(res, i, c->state));
	evbuffer_add_printf(out, "\"><b>#");
	http_html_escape(out, PQgetvalue(res, i, c->ref));
	evbuffer_add_printf(out, "</b>");
	if (!PQgetisnull(res, i, c->urgency))
		evbuffer_add_printf(out, " U%s", urgency);
	if (PQgetvalue(res, i, c->forms)[0] != '\0') {
		evbuffer_add_printf(out, " ");
		http_html_escape(out, PQgetvalue(res, i, c->forms));
	}
	evbuffer_add_printf(out, "<small>");
	http_page_age(out, strtoll(PQgetvalue(res, i, c->age), NULL, 10));
	if (held) {
		evbuffer_add_printf(out, " · held: ");
		http_html_escape(out, PQgetvalue(res, i, c->held));
	} else if (PQgetisnull(res, i, c->rung))
		evbuffer_add_printf(out, " · not sent yet");
	else
		evbuffer_add_printf(out, " · rung %s",
		    PQgetvalue(res, i, c->rung));
	evbuffer_add_printf(out, "</small></li>");
}

/* Whether row i is in area code ("" for an alert without a known area). */
static int
http_page_in_area(const PGresult *res, int i, const struct http_page_cols *c,
    const char *code, const struct codebook *cb)
{
	const char *area = PQgetvalue(res, i, c->area);

	if (code[0] != '\0')
		return !PQgetisnull(res, i, c->area) && strcmp(area, code) == 0;
	if (PQgetisnull(res, i, c->area))
		return 1;
	for (int a = 0; a < cb->n_areas; a++)
		if (strcmp(cb->areas[a].code, area) == 0)
			return 0;
	return 1;
}

/* One island's tile (code "" is the tile for alerts of no known area). */
static void
http_page_island(struct evbuffer *out, const PGresult *res,
    const struct http_page_cols *c, const char *code, const char *name,
    const struct codebook *cb)
{
	int n = 0, urgent = 0, row = 0, col = 0;
	struct evbuffer *items = evbuffer_new();

	if (items == NULL)
		return;
	for (int i = 0; res != NULL && i < PQntuples(res); i++) {
		if (!http_page_in_area(res, i, c, code, cb))
			continue;
		http_page_alert(items, res, i, c);
		n++;
		urgent |= strcmp(PQgetvalue(res, i, c->urgency), "1") == 0;
	}
	for (size_t k = 0; k < sizeof http_islands / sizeof *http_islands;
	    k++)
		if (strcmp(http_islands[k].code, code) == 0) {
			row = http_islands[k].row;
			col = http_islands[k].col;
		}
	if (code[0] == '\0' && n == 0) {
		evbuffer_free(items);
		return;
	}
	evbuffer_add_printf(out, "<div data-area=\"");
	http_html_escape(out, code[0] != '\0' ? code : "?");
	evbuffer_add_printf(out, "\" class=\"island %s\" data-open=\"%d\"",
	    urgent ? "urgent" : n > 0 ? "alerting" : "quiet", n);
	if (row > 0)
		evbuffer_add_printf(out, " style=\"grid-area:%d/%d\"", row,
		    col);
	evbuffer_add_printf(out, "><h3><b>");
	http_html_escape(out, code[0] != '\0' ? code : "?");
	evbuffer_add_printf(out, "</b>");
	http_html_escape(out, name);
	evbuffer_add_printf(out, "</h3>");
	if (n == 0)
		evbuffer_add_printf(out, "<p class=\"none\">no open alert</p>");
	else {
		evbuffer_add_printf(out, "<ul>");
		evbuffer_add_buffer(out, items);
		evbuffer_add_printf(out, "</ul>");
	}
	evbuffer_add_printf(out, "</div>\n");
	evbuffer_free(items);
}

static void
http_page_map(struct evbuffer *out, const struct http_sources *src,
    const PGresult *res, const struct db_error *error)
{
	const struct codebook *cb = &(*src->cfg)->codebook;
	struct http_page_cols c = {
		PQfnumber(res, "ref"), PQfnumber(res, "area"),
		PQfnumber(res, "forms"), PQfnumber(res, "urgency"),
		PQfnumber(res, "state"), PQfnumber(res, "held"),
		PQfnumber(res, "rung"), PQfnumber(res, "age_s"),
	};

	evbuffer_add_printf(out, "<section id=\"alerts\"><h2>Open and held "
	    "alerts by island</h2><p class=\"legend\"><span class=\"u1\">"
	    "U1</span><span class=\"u2\">U2</span><span>U3</span>"
	    "<span class=\"held\">held</span> reference, urgency, forms; "
	    "age since receipt; highest rung sent</p>");
	if (res == NULL) {
		evbuffer_add_printf(out, "<p class=\"error\" id=\"alerts-"
		    "unavailable\">Alerts unavailable: ");
		http_html_escape(out, error != NULL ? error->message :
		    "the database is not connected");
		evbuffer_add_printf(out, "</p>");
	}
	evbuffer_add_printf(out, "<div class=\"map\">\n");
	for (int a = 0; a < cb->n_areas; a++)
		http_page_island(out, res, &c, cb->areas[a].code,
		    cb->areas[a].name_pt, cb);
	http_page_island(out, res, &c, "", "area not given", cb);
	evbuffer_add_printf(out, "</div></section>\n");
}

static void
http_page_yes(struct evbuffer *out, int yes)
{
	evbuffer_add_printf(out, "<td class=\"%s\">%s</td>", yes ? "yes" : "no",
	    yes ? "yes" : "NO");
}

static void
http_page_modems(struct evbuffer *out, const struct show_sources *s)
{
	struct modem_health h;

	evbuffer_add_printf(out, "<h2>Modems</h2><table id=\"modems\"><tr>"
	    "<th>modem</th><th>healthy</th><th>signal</th><th>queue</th>"
	    "<th>sent</th><th>failed</th><th>received</th></tr>\n");
	for (int i = 0; i < *s->n_modems; i++) {
		modem_get_health(s->modems[i], &h);
		evbuffer_add_printf(out, "<tr data-modem=\"");
		http_html_escape(out, h.name);
		evbuffer_add_printf(out, "\"><td>");
		http_html_escape(out, h.name);
		evbuffer_add_printf(out, "</td>");
		http_page_yes(out, h.healthy);
		if (h.signal_percent < 0)
			evbuffer_add_printf(out, "<td>?</td>");
		else
			evbuffer_add_printf(out, "<td>%d%%</td>",
			    h.signal_percent);
		evbuffer_add_printf(out, "<td>%d</td><td>%lld</td><td>%lld"
		    "</td><td>%lld</td></tr>\n", h.send_queue, h.sent,
		    h.failed, h.received);
	}
	evbuffer_add_printf(out, "</table>\n");
}

static void
http_page_queues(struct evbuffer *out, const struct show_sources *s,
    const PGresult *res)
{
	time_t oldest = spool_oldest_time(s->spool);
	int held = 0, held_col = PQfnumber(res, "held");

	for (int i = 0; res != NULL && i < PQntuples(res); i++)
		held += !PQgetisnull(res, i, held_col);
	evbuffer_add_printf(out, "<h2>Queues</h2><table id=\"queues\">");
	evbuffer_add_printf(out, "<tr><th>database</th>");
	http_page_yes(out, db_is_ready(s->db));
	evbuffer_add_printf(out, "</tr><tr><th>open alerts</th><td id=\"open"
	    "\">%s%d</td></tr>", res == NULL ? "? " : "",
	    res != NULL ? PQntuples(res) : 0);
	evbuffer_add_printf(out, "<tr><th>held alerts</th><td id=\"held\">"
	    "%s%d</td></tr>", res == NULL ? "? " : "", held);
	evbuffer_add_printf(out, "<tr><th>spool</th><td id=\"spool\">%d",
	    spool_count(s->spool));
	if (oldest != 0) {
		evbuffer_add_printf(out, " (oldest ");
		http_page_age(out, (long long)(time(NULL) - oldest));
		evbuffer_add_printf(out, ")");
	}
	evbuffer_add_printf(out, "</td></tr><tr><th>SMS with modems</th>"
	    "<td id=\"outbox\">%d</td></tr>", outbox_in_flight(s->outbox));
	evbuffer_add_printf(out, "</table>\n");
}

static void
http_page_done(struct evhttp_request *req, const struct http_sources *src,
    const PGresult *res, const struct db_error *error)
{
	struct evbuffer *out = evbuffer_new(), *reasons = evbuffer_new();
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	if (out == NULL || reasons == NULL) {
		if (out != NULL)
			evbuffer_free(out);
		if (reasons != NULL)
			evbuffer_free(reasons);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	evbuffer_add_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
	    "content=\"%d\"><meta name=\"viewport\" content=\"width=device-"
	    "width\"><title>farol: ", HTTP_PAGE_REFRESH_S);
	http_html_escape(out, (*src->cfg)->name);
	evbuffer_add_printf(out, "</title><style>%s</style></head><body>"
	    "<header><h1>farol <span>", http_page_style);
	http_html_escape(out, (*src->cfg)->name);
	evbuffer_add_printf(out, "</span></h1>");
	if (http_health_reasons(src, reasons) == 0)
		evbuffer_add_printf(out, "<p id=\"health\" class=\"ok\">"
		    "ready</p>");
	else {
		evbuffer_add_printf(out, "<p id=\"health\" class=\"bad\">"
		    "NOT READY: ");
		/* The reasons are ours (no text, no number): one a line. */
		while (evbuffer_get_length(reasons) > 0) {
			char *line = evbuffer_readln(reasons, NULL,
			    EVBUFFER_EOL_LF);

			if (line == NULL)
				break;
			http_html_escape(out, line);
			if (evbuffer_get_length(reasons) > 0)
				evbuffer_add_printf(out, "; ");
			free(line);
		}
		evbuffer_add_printf(out, "</p>");
	}
	evbuffer_add_printf(out, "<p class=\"updated\">%s, every %d s</p>"
	    "</header><main>\n", now, HTTP_PAGE_REFRESH_S);
	http_page_map(out, src, res, error);
	evbuffer_add_printf(out, "<section id=\"side\">");
	http_page_modems(out, src->show);
	http_page_queues(out, src->show, res);
	evbuffer_add_printf(out, "</section></main></body></html>\n");
	http_send(req, 200, "text/html; charset=utf-8", out);
	evbuffer_free(out);
	evbuffer_free(reasons);
}

void
http_page(struct http *h, struct evhttp_request *req,
    const struct http_sources *src)
{
	http_query(h, req, "http_page_alerts", http_page_done);
}
