/*
 * console_act.c: what an administrator does from the console: `ack REF'
 * and `close REF' (on behalf of an officer), `resend OUTBOX-ID', `pause
 * MODEM' and `resume MODEM'.
 *
 * ack, close and resend are one database function each
 * (db/functions/admin.sql), which records the action in alert_event with
 * the Unix user who asked (admin_reply_user: SO_PEERCRED, never the
 * client's word). pause and resume change only the running daemon (a
 * modem is not an alert): they are logged with the user, by modem name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "admin.h"
#include "console_act.h"
#include "db.h"
#include "log.h"
#include "modem.h"
#include "show.h"

#define CONSOLE_ACT_TIMEOUT_MS 5000

void
console_act_prepare(struct db *db)
{
	db_prepare_add(db, "console_move", "SELECT result, state FROM "
	    "farol_admin_move($1::bigint, $2, $3, NULL)", 3);
	db_prepare_add(db, "console_resend", "SELECT result, new_id FROM "
	    "farol_admin_resend($1::bigint, $2)", 2);
}

struct console_act_call {
	const struct console_act_sources *s;
	struct admin_reply *r;
	char what[16];		/* acknowledged, closed, resend */
	char id[24];
};

static void
console_act_free(struct console_act_call *c)
{
	free(c);
}

/* The database's one row: result and state (move) or new_id (resend). */
static void
console_act_cb(const PGresult *res, const struct db_error *error, void *arg)
{
	struct console_act_call *c = arg;
	struct evbuffer *out = admin_reply_buffer(c->r);
	const char *result, *other;
	char why[160];

	if (res == NULL || PQntuples(res) != 1) {
		admin_reply_done(c->r, error != NULL ? error->message :
		    "database: no result");
		console_act_free(c);
		return;
	}
	result = PQgetvalue(res, 0, PQfnumber(res, "result"));
	other = PQgetvalue(res, 0, PQfnumber(res, strcmp(c->what, "resend")
	    == 0 ? "new_id" : "state"));
	why[0] = '\0';
	if (strcmp(c->what, "resend") == 0) {
		if (strcmp(result, "ok") == 0) {
			evbuffer_add_printf(out, "outbox %s: sent again as "
			    "%s\n", c->id, other);
			if (c->s->kick != NULL)
				c->s->kick(c->s->kick_arg);
		} else if (strcmp(result, "unknown_id") == 0)
			snprintf(why, sizeof why, "no outbox row %s", c->id);
		else if (strcmp(result, "pending") == 0)
			snprintf(why, sizeof why, "outbox %s is still queued: "
			    "it will be sent", c->id);
		else
			snprintf(why, sizeof why, "outbox %s: its alert is "
			    "finished (acknowledged, closed, cancelled or "
			    "expired)", c->id);
	} else {
		if (strcmp(result, "ok") == 0)
			evbuffer_add_printf(out, "alert %s: %s by %s\n", c->id,
			    other, admin_reply_user(c->r));
		else if (strcmp(result, "already") == 0)
			evbuffer_add_printf(out, "alert %s: already %s\n",
			    c->id, other);
		else if (strcmp(result, "unknown_ref") == 0)
			snprintf(why, sizeof why, "no such alert");
		else
			snprintf(why, sizeof why, "alert %s is %s: it cannot "
			    "be %s", c->id, other, c->what);
	}
	admin_reply_done(c->r, why[0] != '\0' ? why : NULL);
	console_act_free(c);
}

/* Run statement stmt with (id, [what,] user) for the client. */
static void
console_act_call(const struct console_act_sources *s, struct admin_reply *r,
    const char *args, const char *what, const char *stmt, const char *usage)
{
	struct console_act_call *c;
	const char *values[3];
	int n = 0;

	if (!console_is_number(args)) {
		admin_reply_done(r, usage);
		return;
	}
	if (!show_db_ready(s->db, r))
		return;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		admin_reply_done(r, "out of memory");
		return;
	}
	c->s = s;
	c->r = r;
	snprintf(c->what, sizeof c->what, "%s", what);
	snprintf(c->id, sizeof c->id, "%s", args);
	values[n++] = c->id;
	if (strcmp(what, "resend") != 0)
		values[n++] = what;
	values[n++] = admin_reply_user(r);
	if (db_call_timeout(s->db, CONSOLE_ACT_TIMEOUT_MS, stmt, n, values,
	    console_act_cb, c) != 0) {
		admin_reply_done(r, "database call refused");
		console_act_free(c);
	}
}

void
console_ack_run(const char *args, struct admin_reply *r, void *arg)
{
	console_act_call(arg, r, args, "acknowledged", "console_move",
	    "usage: ack REF");
}

void
console_close_run(const char *args, struct admin_reply *r, void *arg)
{
	console_act_call(arg, r, args, "closed", "console_move",
	    "usage: close REF");
}

void
console_resend_run(const char *args, struct admin_reply *r, void *arg)
{
	console_act_call(arg, r, args, "resend", "console_resend",
	    "usage: resend OUTBOX-ID");
}

static void
console_pause(const struct console_act_sources *s, struct admin_reply *r,
    const char *name, int paused)
{
	struct modem_health h;

	for (int i = 0; i < *s->n_modems; i++) {
		if (strcmp(modem_name(s->modems[i]), name) != 0)
			continue;
		modem_get_health(s->modems[i], &h);
		modem_set_paused(s->modems[i], paused);
		log_warn("admin: modem %s %s by %s", name, paused ? "paused" :
		    "resumed", admin_reply_user(r));
		evbuffer_add_printf(admin_reply_buffer(r), "modem %s: %s%s\n",
		    name, h.paused == paused ? "already " : "", paused ?
		    "paused" : "resumed");
		admin_reply_done(r, NULL);
		if (!paused && s->kick != NULL)
			s->kick(s->kick_arg);
		return;
	}
	admin_reply_done(r, "no such modem (see show modems)");
}

void
console_pause_run(const char *args, struct admin_reply *r, void *arg)
{
	console_pause(arg, r, args, 1);
}

void
console_resume_run(const char *args, struct admin_reply *r, void *arg)
{
	console_pause(arg, r, args, 0);
}
