/*
 * erase.c: erasing a focal point (see erase.h). One database call,
 * recorded in purge_log with the Unix user who asked (SO_PEERCRED).
 * Never logs the number or the name: the focal point's id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "admin.h"
#include "config.h"
#include "db.h"
#include "erase.h"
#include "log.h"

#define ERASE_TIMEOUT_MS 30000

struct erase_call {
	const struct erase_sources *s;
	struct admin_reply *r;
	char id[64];
};

void
erase_prepare(struct db *db)
{
	db_prepare_add(db, "erase_focal_point", "SELECT what, rows FROM "
	    "farol_erase_focal_point($1, $2)", 2);
}

static void
erase_cb(const PGresult *res, const struct db_error *error, void *arg)
{
	struct erase_call *c = arg;
	struct evbuffer *out = admin_reply_buffer(c->r);
	const struct config *cfg = *c->s->cfgp;
	int what, rows;

	if (res == NULL) {
		admin_reply_done(c->r, error != NULL ? error->message :
		    "database: no result");
		free(c);
		return;
	}
	if (PQntuples(res) == 0) {
		admin_reply_done(c->r, "no such focal point in the database");
		free(c);
		return;
	}
	what = PQfnumber(res, "what");
	rows = PQfnumber(res, "rows");
	if (what >= 0 && rows >= 0 && strcmp(PQgetvalue(res, 0, what),
	    "at work") == 0) {
		char why[200];

		snprintf(why, sizeof why, "focal point %s: %s of its alerts "
		    "or SMS to it still wait to be sent (they quote its "
		    "number): close or dismiss its open alerts first",
		    c->id, PQgetvalue(res, 0, rows));
		admin_reply_done(c->r, why);
		free(c);
		return;
	}
	evbuffer_add_printf(out, "focal point %s erased from the database "
	    "by %s: its number and name, and the free text of its reports; "
	    "its reports stay as codes\n", c->id, admin_reply_user(c->r));
	for (int i = 0; what >= 0 && rows >= 0 && i < PQntuples(res); i++)
		evbuffer_add_printf(out, "  %s: %s row(s)\n",
		    PQgetvalue(res, i, what), PQgetvalue(res, i, rows));
	for (int i = 0; i < cfg->n_focal; i++)
		if (strcmp(cfg->focal[i].id, c->id) == 0) {
			evbuffer_add_printf(out, "the config file %s still "
			    "names focal point %s with a number and a name: "
			    "remove it from focal_points and run farolctl "
			    "reload; until then its reports are still "
			    "accepted and stored with its number\n",
			    cfg->path, c->id);
			break;
		}
	log_warn("admin: focal point %s erased by %s", c->id,
	    admin_reply_user(c->r));
	admin_reply_done(c->r, NULL);
	free(c);
}

void
erase_focal_point_run(const char *args, struct admin_reply *r, void *arg)
{
	const struct erase_sources *s = arg;
	struct erase_call *c;
	const char *values[2];

	if (args[0] == '\0' || strlen(args) >= sizeof c->id ||
	    strpbrk(args, " \t") != NULL) {
		admin_reply_done(r, "usage: erase-focal-point ID");
		return;
	}
	if (!db_is_ready(s->db)) {
		admin_reply_done(r, "database not connected");
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		admin_reply_done(r, "out of memory");
		return;
	}
	c->s = s;
	c->r = r;
	snprintf(c->id, sizeof c->id, "%s", args);
	values[0] = c->id;
	values[1] = admin_reply_user(r);
	if (db_call_timeout(s->db, ERASE_TIMEOUT_MS, "erase_focal_point", 2,
	    values, erase_cb, c) != 0) {
		admin_reply_done(r, "database call refused");
		free(c);
	}
}
