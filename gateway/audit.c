/*
 * audit.c: reading an alert's free text and numbers, recorded (see
 * audit.h). The reason is the client's words, one line; the reader is
 * the Unix user SO_PEERCRED names, never the client's word. Never logs
 * the text, the numbers or the reason.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "audit.h"
#include "console_act.h"
#include "db.h"
#include "log.h"
#include "show.h"

void
audit_prepare(struct db *db)
{
	db_prepare_add(db, "audit_alert", "SELECT * FROM farol_audit_alert("
	    "$1::bigint, $2, 'console', $3)", 3);
	/* $3 unused: the steps share their parameters. */
	db_prepare_add(db, "audit_alert_events", "SELECT * FROM "
	    "farol_audit_alert_events($1::bigint, $2) WHERE $3::text IS NOT "
	    "NULL", 3);
	db_prepare_add(db, "show_audit", "SELECT id, "
	    "to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF') AS at, who, channel, "
	    "alert_ref, what, reason FROM access_audit "
	    "ORDER BY id DESC LIMIT 500", 0);
	db_prepare_add(db, "show_purges", "SELECT id, "
	    "to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF') AS at, by, what, "
	    "to_char(before, 'YYYY-MM-DD\"T\"HH24:MI:SSOF') AS before, rows "
	    "FROM purge_log ORDER BY id DESC LIMIT 500", 0);
}

/* read REF [json] REASON...: the reason is the rest of the line. */
void
audit_read_run(const char *args, struct admin_reply *r, void *arg)
{
	char ref[24], reason[512];
	const char *p = args;
	size_t len = strspn(p, "0123456789");
	int json = 0;

	if (len == 0 || len >= sizeof ref || p[len] != ' ')
		goto usage;
	snprintf(ref, sizeof ref, "%.*s", (int)len, p);
	p += len + 1;
	if (strncmp(p, "json ", 5) == 0) {
		json = 1;
		p += 5;
	}
	p += strspn(p, " ");
	if (*p == '\0')
		goto usage;
	snprintf(reason, sizeof reason, "%s", p);
	log_info("admin: alert %s's text and numbers read by %s (recorded "
	    "in the audit)", ref, admin_reply_user(r));
	show_query_steps(arg, r, &(struct show_steps){ .json = json,
	    .stmts = { "audit_alert", "audit_alert_events" },
	    .names = { "alert", "events" }, .empty_error = "no such alert",
	    .nparams = 3, .params = { ref, admin_reply_user(r), reason } });
	return;
usage:
	admin_reply_done(r, "usage: read REF [json] REASON (the reason is "
	    "recorded in the audit)");
}

void
show_audit(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_audit");
}

void
show_purges(const struct show_sources *s, struct admin_reply *r, int json)
{
	show_query(s, r, json, "show_purges");
}
