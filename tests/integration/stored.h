/*
 * stored.h: what the integration tests ask of the database farold writes
 * to (rows of `message`), as polls with deadlines.
 */
#ifndef FAROL_TESTS_STORED_H
#define FAROL_TESTS_STORED_H

struct pgcluster;

/* Rows of message matching where ("" for all); -1 while the table does not
 * exist yet (before farold's first migration) or on error. */
long stored_count(struct pgcluster *pg, const char *where);

/* Wait until at least want rows exist; 0, or -1 at the deadline. */
int stored_wait(struct pgcluster *pg, long want, int timeout_ms);

/* Empty the message table if it exists (between cases). */
void stored_reset(struct pgcluster *pg);

#endif
