/*
 * console_alerts.c: `alerts' (the alerts an administrator asks for, by
 * area, state, urgency and age) and `alert REF' (one alert and its whole
 * history, alert_event), on the admin socket, from the database.
 *
 * Like `show alerts', no free text and no phone number: an event's actor
 * that is a phone is shown as the authority or focal point it belongs to
 * (or "phone ...NNN"), and the note of an event a phone caused (an INFO's
 * words) is withheld; administrators' and farold's notes are shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "db.h"
#include "console_act.h"
#include "show.h"

/* The columns of `show alerts', for the alerts matching $1 area, $2 state
 * ("open": any state not final), $3 urgency, $4 an age (interval) or $5
 * a time: the newest 500, newest first. */
#define CONSOLE_ALERT_COLUMNS \
	"SELECT a.ref, a.area, array_to_string(a.forms, ',') AS forms, " \
	"a.urgency, a.minor, a.verified, a.state, a.held_reason AS held, " \
	"max(o.rung) FILTER (WHERE o.state IN ('submitted', 'delivered')) " \
	"AS rung, " \
	"count(o.id) FILTER (WHERE o.purpose IN ('forward', 'escalation') " \
	"AND o.state IN ('submitted', 'delivered')) AS forwarded, " \
	"count(o.id) FILTER (WHERE o.purpose IN ('forward', 'escalation') " \
	"AND o.state IN ('queued', 'sending')) + " \
	"max(coalesce(farol_alert_plan_size(a.rung_plan), 0)) AS waiting, " \
	"extract(epoch FROM now() - a.received_at)::bigint AS age_s "

#define CONSOLE_ALERT_GROUP \
	"LEFT JOIN outbox o ON o.alert_id = a.id " \
	"GROUP BY a.id, a.ref, a.area, a.forms, a.urgency, a.minor, " \
	"a.verified, a.state, a.held_reason, a.received_at "

void
console_alerts_prepare(struct db *db)
{
	db_prepare_add(db, "console_alerts", CONSOLE_ALERT_COLUMNS
	    "FROM (SELECT al.* FROM alert al "
	    "JOIN alert_state st ON st.state = al.state "
	    "WHERE ($1::text IS NULL OR al.area = $1) "
	    "AND ($2::text IS NULL OR al.state = $2 OR "
	    "($2 = 'open' AND NOT st.final)) "
	    "AND ($3::int IS NULL OR al.urgency = $3) "
	    "AND ($4::interval IS NULL OR al.received_at >= now() - $4) "
	    "AND ($5::timestamptz IS NULL OR al.received_at >= $5) "
	    "ORDER BY al.id DESC LIMIT 500) a "
	    CONSOLE_ALERT_GROUP "ORDER BY a.id DESC", 5);
	db_prepare_add(db, "console_alert", CONSOLE_ALERT_COLUMNS
	    "FROM (SELECT * FROM alert "
	    "WHERE id = farol_alert_of_ref($1::bigint)) a "
	    CONSOLE_ALERT_GROUP, 1);
	db_prepare_add(db, "console_alert_events", "SELECT "
	    "to_char(e.at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF') AS at, "
	    "e.from_state AS \"from\", e.to_state AS \"to\", "
	    "CASE WHEN e.actor !~ '^\\+?[0-9]{5,}$' THEN e.actor "
	    "ELSE coalesce((SELECT 'authority ' || c.authority_id "
	    "FROM authority_contact c WHERE c.number = e.actor LIMIT 1), "
	    "(SELECT 'focal point ' || f.id FROM focal_point f "
	    "WHERE f.number = e.actor), 'phone ...' || right(e.actor, 3)) "
	    "END AS actor, "
	    "CASE WHEN e.actor !~ '^\\+?[0-9]{5,}$' OR EXISTS (SELECT 1 "
	    "FROM authority au WHERE au.id = e.note) THEN e.note END AS note "
	    "FROM alert_event e JOIN alert a ON a.id = e.alert_id "
	    "WHERE a.id = farol_alert_of_ref($1::bigint) ORDER BY e.id", 1);
}

/* "key=value" from the line: value, or NULL when key is absent. */
static const char *
console_arg(char *const *words, int n, const char *key)
{
	size_t len = strlen(key);

	for (int i = 0; i < n; i++)
		if (strncmp(words[i], key, len) == 0 && words[i][len] == '=')
			return words[i] + len + 1;
	return NULL;
}

/* A decimal number PostgreSQL's bigint takes. */
int
console_is_number(const char *w)
{
	size_t len = strlen(w);

	return len > 0 && len < 19 && strspn(w, "0123456789") == len;
}

/* Split args into at most max words at spaces; returns their count, or
 * -1 when there are more. buf is modified. */
int
console_words(char *buf, char **words, int max)
{
	int n = 0;

	for (char *w = strtok(buf, " "); w != NULL; w = strtok(NULL, " ")) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return n;
}

/* alerts [json] [area=A] [state=S] [urgency=U] [since=T]: T is an age
 * ("2h", "30min", "3days") or a time ("2026-12-01T08:00"). */
void
console_alerts_run(const char *args, struct admin_reply *r, void *arg)
{
	static const char *const keys[] = { "json", "area", "state",
	    "urgency", "since" };
	char buf[512], *words[8];
	const char *since, *urgency;
	int n, json = 0;
	struct show_steps q = { .stmts = { "console_alerts" }, .nparams = 5 };

	snprintf(buf, sizeof buf, "%s", args);
	if ((n = console_words(buf, words, 8)) < 0)
		goto usage;
	for (int i = 0; i < n; i++) {
		size_t k;

		if (strcmp(words[i], "json") == 0) {
			json = 1;
			continue;
		}
		for (k = 1; k < sizeof keys / sizeof *keys; k++)
			if (strncmp(words[i], keys[k], strlen(keys[k])) == 0 &&
			    words[i][strlen(keys[k])] == '=')
				break;
		if (k == sizeof keys / sizeof *keys)
			goto usage;
	}
	urgency = console_arg(words, n, "urgency");
	if (urgency != NULL && (strlen(urgency) != 1 || urgency[0] < '1' ||
	    urgency[0] > '3')) {
		admin_reply_done(r, "urgency is 1, 2 or 3");
		return;
	}
	q.json = json;
	q.params[0] = console_arg(words, n, "area");
	q.params[1] = console_arg(words, n, "state");
	q.params[2] = urgency;
	/* An age starts with digits and goes on with a unit's letters. */
	if ((since = console_arg(words, n, "since")) != NULL) {
		size_t d = strspn(since, "0123456789");

		if (d > 0 && since[d] != '\0' && since[d + strspn(since + d,
		    "abcdefghijklmnopqrstuvwxyz")] == '\0')
			q.params[3] = since;
		else
			q.params[4] = since;
	}
	show_query_steps(arg, r, &q);
	return;
usage:
	admin_reply_done(r, "usage: alerts [json] [area=A] [state=S] "
	    "[urgency=U] [since=T]");
}

/* alert REF [json]: the alert's row, then its events. */
void
console_alert_run(const char *args, struct admin_reply *r, void *arg)
{
	char buf[64], *words[3], *ref = NULL;
	int n, json = 0, bad = 0;

	snprintf(buf, sizeof buf, "%s", args);
	if ((n = console_words(buf, words, 3)) < 0)
		bad = 1;
	for (int i = 0; !bad && i < n; i++) {
		if (strcmp(words[i], "json") == 0)
			json = 1;
		else if (ref == NULL && console_is_number(words[i]))
			ref = words[i];
		else
			bad = 1;
	}
	if (bad || ref == NULL) {
		admin_reply_done(r, "usage: alert REF [json]");
		return;
	}
	show_query_steps(arg, r, &(struct show_steps){ .json = json,
	    .stmts = { "console_alert", "console_alert_events" },
	    .names = { "alert", "events" }, .empty_error = "no such alert",
	    .nparams = 1, .params = { ref } });
}
