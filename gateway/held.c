/*
 * held.c: `release REF' and `dismiss REF REASON', the console's answers to
 * an alert held for review (a PIN missing or wrong, a flood quarantine).
 *
 * Called from the admin socket (admin.h, deferred handlers). The work is
 * one SQL call each (db/functions/held.sql): a release queues the routing
 * that waits with the alert (outbox rows in state "held", written by
 * ingest.c when it held the alert), so the alert goes out as if it had
 * just arrived; a dismissal closes it and cancels them. Both are recorded
 * as the alert's events with who did it, the Unix user of the socket's
 * peer ("unix:<user>"). The SMS command LIBERAR does the same for
 * escalation.admins (farol_ingest_command). Must never happen here: a
 * libpq column read by number, a phone number or report text logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "admin.h"
#include "db.h"
#include "held.h"
#include "log.h"

/* An administrator is waiting; the loop's real work goes first. */
#define HELD_CALL_TIMEOUT_MS 5000

struct held_call {
	struct admin_reply *r;
	struct held_sources *s;
	char ref[24];
	int release;		/* else dismiss */
};

void
held_prepare(struct db *db)
{
	db_prepare_add(db, "held_release", "SELECT result, queued FROM "
	    "farol_alert_release($1::bigint, $2)", 2);
	db_prepare_add(db, "held_dismiss", "SELECT result FROM "
	    "farol_alert_dismiss($1::bigint, $2, $3)", 3);
}

static void
held_done_cb(const PGresult *res, const struct db_error *error, void *arg)
{
	struct held_call *c = arg;
	struct evbuffer *out = admin_reply_buffer(c->r);
	const char *result;
	int f;

	if (res == NULL || PQntuples(res) != 1 ||
	    (f = PQfnumber(res, "result")) < 0) {
		admin_reply_done(c->r, error != NULL ? error->message :
		    "database: no result");
		free(c);
		return;
	}
	result = PQgetvalue(res, 0, f);
	if (strcmp(result, "unknown_ref") == 0)
		admin_reply_done(c->r, "no such alert");
	else if (strcmp(result, "not_held") == 0)
		admin_reply_done(c->r, "the alert is not held (released, "
		    "dismissed or never held)");
	else if (strcmp(result, "ok") != 0)
		admin_reply_done(c->r, result);
	else {
		if (c->release) {
			f = PQfnumber(res, "queued");
			evbuffer_add_printf(out, "alert %s released: %s SMS "
			    "queued\n", c->ref, f >= 0 ? PQgetvalue(res, 0, f) :
			    "?");
		} else
			evbuffer_add_printf(out, "alert %s dismissed\n", c->ref);
		log_info("admin: alert %s %s by %s", c->ref, c->release ?
		    "released" : "dismissed", admin_reply_user(c->r));
		if (c->release && c->s->kick != NULL)
			c->s->kick(c->s->kick_arg);
		admin_reply_done(c->r, NULL);
	}
	free(c);
}

/* "REF" or "REF REASON..." into c->ref and *reason (NULL if none). */
static int
held_args(const char *args, struct held_call *c, const char **reason)
{
	size_t n = strspn(args, "0123456789");

	if (n == 0 || n >= sizeof c->ref || (args[n] != '\0' &&
	    args[n] != ' '))
		return -1;
	memcpy(c->ref, args, n);
	c->ref[n] = '\0';
	args += n + strspn(args + n, " ");
	*reason = *args != '\0' ? args : NULL;
	return 0;
}

static void
held_run(const char *args, struct admin_reply *r, struct held_sources *s,
    int release)
{
	const char *values[3], *reason;
	struct held_call *c;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		admin_reply_done(r, "out of memory");
		return;
	}
	c->r = r;
	c->s = s;
	c->release = release;
	if (held_args(args, c, &reason) != 0 || (release && reason != NULL) ||
	    (!release && reason == NULL)) {
		admin_reply_done(r, release ? "usage: release REF" :
		    "usage: dismiss REF REASON");
		free(c);
		return;
	}
	if (!db_is_ready(s->db)) {
		admin_reply_done(r, "database not connected: try again");
		free(c);
		return;
	}
	values[0] = c->ref;
	values[1] = admin_reply_user(r);
	values[2] = reason;
	if (db_call_timeout(s->db, HELD_CALL_TIMEOUT_MS, release ?
	    "held_release" : "held_dismiss", release ? 2 : 3, values,
	    held_done_cb, c) != 0) {
		admin_reply_done(r, "database call refused");
		free(c);
	}
}

void
held_release_run(const char *args, struct admin_reply *r, void *arg)
{
	held_run(args, r, arg, 1);
}

void
held_dismiss_run(const char *args, struct admin_reply *r, void *arg)
{
	held_run(args, r, arg, 0);
}
