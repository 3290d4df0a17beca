/*
 * erase.h: `erase-focal-point ID' on the admin socket (issue 21, item
 * 4): the focal point's number and name leave the database, and so do
 * every copy of its number and its reports' free text; its reports stay,
 * as codes (farol_erase_focal_point, db/functions/purge.sql). The config
 * file still names the person until the administrator removes them: the
 * answer says so. Docs: db/retention.md.
 */
#ifndef FAROL_ERASE_H
#define FAROL_ERASE_H

struct admin_reply;
struct config;
struct db;

struct erase_sources {
	struct db *db;
	struct config *const *cfgp;
};

void erase_prepare(struct db *db);

/* The admin command "erase-focal-point ID"; arg: struct erase_sources. */
void erase_focal_point_run(const char *args, struct admin_reply *r,
    void *arg);

#endif
