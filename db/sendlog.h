/*
 * sendlog.h: the results modems gave for outbox rows, kept on disk until
 * PostgreSQL has recorded them (issue 17, "a send result is never lost").
 *
 * A modem's answer (submitted with its message reference, or not sent)
 * is written here before farold asks the database to record it, and
 * removed once the database has. A result that could not be recorded
 * (the database down or slow, farold killed) is recorded later from
 * here, before rows left `sending' are queued again: so an SMS the modem
 * took is never sent a second time as if it had never gone.
 *
 * One file per outbox row in <spool_dir>/results/, written like a spool
 * file (temporary, fsync, rename, directory fsync). The spool's lock
 * covers the directory: open it only after spool_open. Main loop's
 * thread only; pure POSIX file I/O. Errors follow parsers/cause.h.
 */
#ifndef FAROL_SENDLOG_H
#define FAROL_SENDLOG_H

#include <stdint.h>

#define SENDLOG_DIR "results"	/* inside the spool directory */

/* What the modem said about one outbox row. */
struct sendlog_entry {
	uint64_t id;		/* outbox.id */
	char modem[32];		/* "" when no modem took it */
	int ok;			/* submitted */
	int message_ref;	/* with ok; -1 unknown */
	int retry_s;		/* without ok: queue again after this; -1: failed */
	char cause[160];	/* without ok: why (no message text) */
};

struct sendlog;

/* Open (create 0700) <spool_dir>/results and load what an earlier run
 * left there. An unreadable file is renamed <name>.bad and counted in
 * *set_aside (may be NULL). NULL with *cause on failure. */
struct sendlog *sendlog_open(const char *spool_dir, int *set_aside,
    char **cause);

/* Make e durable (replacing an earlier result of the same row). */
int sendlog_keep(struct sendlog *sl, const struct sendlog_entry *e,
    char **cause);

/* The database has recorded row id's result: drop it. */
int sendlog_forget(struct sendlog *sl, uint64_t id, char **cause);

/* Results kept, and the i-th of them (0 <= i < sendlog_count). */
int sendlog_count(const struct sendlog *sl);
const struct sendlog_entry *sendlog_get(const struct sendlog *sl, int i);

/* The kept result of row id, or NULL. */
const struct sendlog_entry *sendlog_find(const struct sendlog *sl,
    uint64_t id);

void sendlog_close(struct sendlog *sl);

#endif
