/*
 * held.h: the console's release and dismissal of held alerts (held.c).
 */
#ifndef FAROL_HELD_H
#define FAROL_HELD_H

struct admin_reply;
struct db;

struct held_sources {
	struct db *db;
	void (*kick)(void *);	/* the outbox: rows were queued */
	void *kick_arg;
};

/* Register the statements, before db_start(). */
void held_prepare(struct db *db);

/* `release REF': the alert is routed as if it had just arrived. */
void held_release_run(const char *args, struct admin_reply *r, void *arg);

/* `dismiss REF REASON': the alert is closed, nothing is sent. */
void held_dismiss_run(const char *args, struct admin_reply *r, void *arg);

#endif
