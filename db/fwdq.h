/*
 * fwdq.h: the forwards of alerts spooled while PostgreSQL is down, and
 * the block of alert numbers reserved for them (issue 17, item 2).
 *
 * While the database is down, each urgent alert's first-rung forwards
 * wait here, durably, until a modem takes them (gateway/outbox.c feeds
 * the modems at their pace, U1 first); each carries the alert's final
 * number, taken from a block reserved from alert_ref_seq while the
 * database was up. At replay the alert is stored with that number and
 * each forward becomes an outbox row in the state it reached, so none is
 * sent again (gateway/ingest.c, replay.c).
 *
 * Files in <spool_dir>/forwards/: `refs' (the reserved numbers) and one
 * `<spool id>.fwd' per alert, each written like a spool file (temporary,
 * fsync, rename, directory fsync). The spool's lock covers them: open
 * only after spool_open. Main loop's thread only; pure POSIX file I/O.
 * Errors follow parsers/cause.h. Format: db/spool.md, "Forwards".
 */
#ifndef FAROL_FWDQ_H
#define FAROL_FWDQ_H

#include <stdint.h>

#include "phone.h"
#include "reply.h"
#include "spool.h"

#define FWDQ_DIR "forwards"	/* inside the spool directory */
#define FWDQ_MAX 16		/* forwards of one alert */

enum fwdq_state {
	FWDQ_QUEUED,		/* waiting for a modem */
	FWDQ_SENDING,		/* handed to a modem, no answer yet */
	FWDQ_SUBMITTED,		/* the modem took it (modem, message_ref) */
	FWDQ_FAILED,		/* not sent after every attempt */
};

struct fwdq_fwd {
	enum fwdq_state state;
	int attempts;
	char modem[32];
	int message_ref;	/* -1 unknown */
	int64_t submitted_at;	/* epoch seconds; 0 none */
	char recipient[PHONE_E164_MAX];
	char authority[32];
	int rung;
	char text[REPLY_MAX_BYTES];
};

/* One spooled alert's forwards. */
struct fwdq_alert {
	char id[SPOOL_ID_MAX];	/* of its spool file */
	uint64_t key;		/* of its message (fwdq_key) */
	int64_t ref;		/* its number; -1: none was left */
	int urgency;
	int n;
	struct fwdq_fwd f[FWDQ_MAX];
	int replaying;		/* in memory only: being stored; not fed */
};

struct fwdq;

/* Open (create 0700) <spool_dir>/forwards and load it. A forward found
 * `sending' (farold stopped before its modem answered) is queued again
 * (saved): most likely it was still waiting in the modem's queue. An unreadable file is
 * renamed <name>.bad and counted in *set_aside. NULL with *cause. */
struct fwdq *fwdq_open(const char *spool_dir, int *set_aside, char **cause);
void fwdq_close(struct fwdq *q);

/* The reserved numbers: how many are left; add some (durable); take the
 * lowest (durably gone from the block before it returns; -1 none left). */
int fwdq_refs_count(const struct fwdq *q);
int fwdq_refs_add(struct fwdq *q, const int64_t *refs, int n, char **cause);
int64_t fwdq_ref_take(struct fwdq *q, char **cause);

/* The first n numbers (ascending) into refs. */
void fwdq_refs_copy(const struct fwdq *q, int64_t *refs, int n);

/* Keep only the numbers also in keep[0..n-1] (ascending): the ones the
 * database says are still this gateway's to hand out (farol_refs_check,
 * at each start). Returns how many were dropped (durably), or -1 with
 * *cause (then dropped in memory only: never handed out). */
int fwdq_refs_keep(struct fwdq *q, const int64_t *keep, int n,
    char **cause);

/* Add a (copied) alert, or write a changed one again: durable on 0. */
int fwdq_save(struct fwdq *q, const struct fwdq_alert *a, char **cause);

/* Alerts in spool order; the one of a spool id (NULL if none). The
 * pointers are valid until the next fwdq_save or fwdq_remove. */
int fwdq_count(const struct fwdq *q);
struct fwdq_alert *fwdq_at(struct fwdq *q, int i);
struct fwdq_alert *fwdq_find(struct fwdq *q, const char *id);

/* A message's key (sender, SMSC time, parts, reference, text), and the
 * alert queued with it: a message spooled twice (farold killed before the
 * SIM slot was freed, then read again) is forwarded once. */
uint64_t fwdq_key(const char *sender, const char *smsc_time, int parts,
    int concat_ref, const char *text);
struct fwdq_alert *fwdq_find_key(struct fwdq *q, uint64_t key);

/* Forwards waiting for a modem, in all alerts. */
int fwdq_queued(const struct fwdq *q);

/* Forwards a modem took (FWDQ_SUBMITTED), in all alerts: each still to
 * be recorded by the replay (gateway/outbox.c holds its claims until
 * then). */
int fwdq_submitted(const struct fwdq *q);

/* Its alert is stored: drop it. */
int fwdq_remove(struct fwdq *q, const char *id, char **cause);

const char *fwdq_state_name(enum fwdq_state s);

#endif
