/*
 * spool.h: the local spool, where received messages are made durable while
 * PostgreSQL is unreachable, and from which they are replayed into it later.
 *
 * Called from the main loop's thread only (one struct spool per directory,
 * one process per directory: spool_open takes an exclusive lock). Pure POSIX
 * file I/O, no libevent, no libpq. The calls block on fsync; they are short
 * (one small file each) and happen only while the database is down.
 *
 * Guarantees (see db/spool.md for the format and the recovery rules):
 *  - spool_put returns 0 only once the message is on disk: temporary file
 *    written, fsync'd, renamed into place, directory fsync'd. On -1 nothing
 *    of that message is left in the spool.
 *  - Messages come back in arrival order (the order of spool_put calls, also
 *    across restarts), each under a stable id, until spool_remove.
 *  - A torn, corrupt or unreadable-format file is never returned as a message
 *    and never deleted: it is moved to <dir>/corrupt/ and reported through
 *    the report callback so the caller can log it loudly.
 *
 * Errors: functions return 0 (or a count) on success and -1 on failure with
 * *cause set to an allocated string the caller frees (cause may be NULL if
 * the caller does not want it).
 */
#ifndef FAROL_SPOOL_H
#define FAROL_SPOOL_H

#include <stdint.h>

#include "message.h"

/* An id: 20 decimal digits (a sequence number), NUL-terminated. Ids sort
 * as strings in arrival order. */
#define SPOOL_ID_MAX 24

/* Longest text accepted, in bytes: a 255-part GSM 7-bit message is 39015
 * characters, up to 3 bytes each in UTF-8, so 64 KiB would not do. */
#define SPOOL_TEXT_MAX (256 * 1024)

/* What spool_open and spool_read report to the caller, who should log it. */
enum spool_event {
	SPOOL_EVENT_MOVED_ASIDE,	/* torn/corrupt file now in corrupt/ */
	SPOOL_EVENT_NOT_MOVED,		/* corrupt file that could not be moved:
					   left in place, excluded from replay */
	SPOOL_EVENT_TEMP_REMOVED,	/* leftover temporary of a spool_put
					   that never returned 0 */
	SPOOL_EVENT_MODE_FIXED,		/* directory was group/world accessible */
	SPOOL_EVENT_UNKNOWN_FILE,	/* not a spool file: left alone */
};

/* file is the name inside the spool directory (or "." / "corrupt" for the
 * directories); reason says what was found and what was done. Both strings
 * are valid only during the call. */
typedef void (*spool_report_cb)(enum spool_event event, const char *file,
    const char *reason, void *arg);

struct spool;

/*
 * Open the spool in dir: create it 0700 if missing (its parent must exist),
 * refuse it if it is not a directory or not owned by this user, set its
 * mode to 0700 if it was wider (reported), lock it against a second opener,
 * then scan it: valid files enter the index, torn or corrupt ones are moved
 * to <dir>/corrupt/, leftover temporaries are removed; each of these is
 * reported through report (may be NULL) before spool_open returns.
 * Returns NULL with *cause set on failure. Freed by spool_close.
 */
struct spool *spool_open(const char *dir, spool_report_cb report, void *arg,
    char **cause);

/* Make msg durable: its durable fields (message.h), the kind by its name,
 * a NULL text as "". On 0, id holds its id. On -1 (invalid message, disk
 * full, I/O error) no file of it remains and *cause says why in plain
 * words; the caller must keep the message on the SIM. */
int spool_put(struct spool *sp, const struct inbound_sms *msg,
    char id[SPOOL_ID_MAX], char **cause);

/* Messages in the spool. */
int spool_count(const struct spool *sp);

/* The id of the oldest message after `after' (NULL or "": the oldest of
 * all) in arrival order. Returns 1 with id set, 0 when there is none. */
int spool_next(const struct spool *sp, const char *after,
    char id[SPOOL_ID_MAX]);

/* Read one message into out (cleared first; on 0 the caller then owns
 * out->text, freed by inbound_sms_clear; the in-memory fields stay 0). If the file turns out corrupt,
 * it is moved aside, reported, dropped from the index, and -1 is returned;
 * on a transient error (EIO, out of memory) the message stays. A replayer
 * therefore always restarts from the oldest id after a failure. */
int spool_read(struct spool *sp, const char *id, struct inbound_sms *out,
    char **cause);

/* Delete a message once the caller has committed it elsewhere; durable
 * (directory fsync'd) when it returns 0. */
int spool_remove(struct spool *sp, const char *id, char **cause);

/* Release the lock and free sp. Files stay on disk. */
void spool_close(struct spool *sp);

#endif
