/*
 * db_init.h: `farolctl db init', the database's three roles and its
 * schema (db_init.c).
 */
#ifndef FAROL_DB_INIT_H
#define FAROL_DB_INIT_H

#include <stdio.h>

/* The roles, as db/database.md documents them. */
#define DB_ROLE_OWNER "farol_owner"
#define DB_ROLE_DAEMON "farol_daemon"
#define DB_ROLE_OBSERVATORY "farol_observatory"

/*
 * Connected by conninfo as a superuser (or a role that may create roles):
 * create the three roles if missing, apply the pending migrations and the
 * functions as the owner, make the functions run with the owner's rights
 * (SECURITY DEFINER), and grant: the daemon reads the tables and executes
 * the functions, the Observatory reads alert_report only. Idempotent: run
 * it again after an upgrade. Says what it did on out. 0, or -1 with
 * *cause.
 */
int db_init_run(const char *conninfo, FILE *out, char **cause);

#endif
