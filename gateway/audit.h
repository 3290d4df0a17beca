/*
 * audit.h: the audit of reads (issue 21, item 5). An alert's free text
 * and phone numbers leave the database only through `read REF [json]
 * REASON' on the admin socket (farolctl alert REF --full --reason WHY),
 * which records who (SO_PEERCRED), when and why in access_audit, in the
 * transaction that reads them (db/functions/audit.sql). `show audit'
 * lists the records, `show purges' the retention's (purge_log).
 * Docs: db/retention.md.
 */
#ifndef FAROL_AUDIT_H
#define FAROL_AUDIT_H

struct admin_reply;
struct db;
struct show_sources;

/* Register the statements (before db_start). */
void audit_prepare(struct db *db);

/* The admin command "read REF [json] REASON..."; arg: show_sources. */
void audit_read_run(const char *args, struct admin_reply *r, void *arg);

/* show audit, show purges: the newest 500 records. */
void show_audit(const struct show_sources *s, struct admin_reply *r,
    int json);
void show_purges(const struct show_sources *s, struct admin_reply *r,
    int json);

#endif
