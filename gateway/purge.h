/*
 * purge.h: retention (issue 21, item 4), a janitor's job. Free text and
 * phone numbers older than observatory.retain_text_days and
 * retain_numbers_days are replaced in the database (farol_purge,
 * db/functions/purge.sql), and the spool's set-aside files (corrupt/,
 * results/ and forwards/ *.bad) older than the shorter limit are
 * removed; each run is recorded in purge_log. Docs: db/retention.md.
 *
 * The job is one function, purge_run(), that the janitor (janitor.h:
 * only the gateway holding its lock, once a day) and the console
 * (`purge [dry]') call: batches of one database call each, safe to run
 * twice or from two gateways (a replaced value is not replaced again).
 * Runs on the main loop; never blocks but for unlinking a few set-aside
 * files.
 * Never logs a phone number or a text: counts.
 */
#ifndef FAROL_PURGE_H
#define FAROL_PURGE_H

#include "config.h"
#include "db.h"

struct admin_reply;
struct purge;

/* Register the statements; call before db_start(). */
void purge_prepare(struct db *db);

/* *cfgp (the limits, gateway.spool_dir) is read at every run. */
struct purge *purge_new(struct db *db, struct config *const *cfgp);

/* The janitor's job (janitor_add_job): the purge runs when this gateway
 * holds the janitor and did not run it in the last day (so at once when
 * it becomes the janitor, then daily). */
void purge_janitor_job(void *p, int acquired);

/* The job. by: who asked ("janitor", or the console's user), recorded.
 * dry: count what would be replaced, change nothing. r: the console's
 * reply to finish with the counts, or NULL. */
void purge_run(struct purge *p, const char *by, int dry,
    struct admin_reply *r);

/* The admin command "purge [dry]"; arg is the struct purge. */
void purge_console_run(const char *args, struct admin_reply *r, void *arg);

/* No new run (before the database closes); a batch in flight ends the
 * run. */
void purge_stop(struct purge *p);
void purge_free(struct purge *p);

#endif
