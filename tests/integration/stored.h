/*
 * stored.h: what the integration tests ask of the database farold writes
 * to: rows of `message`, and any one-value query, as polls with deadlines.
 */
#ifndef FAROL_TESTS_STORED_H
#define FAROL_TESTS_STORED_H

struct gateway_proc;
struct pgcluster;

/* Rows of message matching where ("" for all); -1 while the table does not
 * exist yet (before farold's first migration) or on error. */
long stored_count(struct pgcluster *pg, const char *where);

/* Wait until at least want rows exist; 0, or -1 at the deadline. */
int stored_wait(struct pgcluster *pg, long want, int timeout_ms);

/* Drop an SMS into g's dummy modem and wait until it is stored (both
 * CHECKed); returns the newest message's id. */
long stored_send_sms(struct pgcluster *pg, struct gateway_proc *g,
    const char *from, const char *text, int timeout_ms);

/* Empty the message table if it exists (between cases). */
void stored_reset(struct pgcluster *pg);

/* The single number a query (printf-style) returns; LONG_MIN on error. */
long stored_q(struct pgcluster *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The single text a query returns, "" for none or NULL (caller frees). */
char *stored_qt(struct pgcluster *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Poll the query until it returns want or timeout_ms pass; returns what
 * it returned last (so a failed CHECK can show it). */
long stored_wait_q(struct pgcluster *pg, int timeout_ms, long want,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The number (ref) of the alert made from message message_id, once it is
 * stored (within timeout_ms); -1 if none. */
long stored_alert_ref(struct pgcluster *pg, long message_id, int timeout_ms);

#endif
