/*
 * ussdsess.h: the USSD menu sessions farold opened, remembered across a
 * restart (issue 18).
 *
 * The operator's gateway sends every step of a menu session with its
 * sessionId and the whole text so far ("1*2*1"). farold keeps open
 * sessions in memory; after a restart (or an idle timeout) a step of a
 * session it no longer holds would look like a first step, and "1*2*1"
 * is also a whole single-shot report. So each menu session's id is
 * remembered here when it opens, for USSDSESS_KEEP_S seconds: a step of
 * a remembered session that farold no longer holds is answered "start
 * again" (gateway/ussd.md), never read as a report.
 *
 * One file, <spool_dir>/ussd/sessions, one line "EPOCH ID" per session,
 * appended (not fsync'd: a crash of the machine may forget the last few,
 * which then read as before), rewritten at open with what is still young
 * and whenever it holds twice what memory keeps. At most USSDSESS_MAX
 * sessions are remembered (the latest). Main loop's thread only; pure
 * POSIX file I/O. Errors follow parsers/cause.h.
 */
#ifndef FAROL_USSDSESS_H
#define FAROL_USSDSESS_H

#include <time.h>

#define USSDSESS_DIR "ussd"	/* inside the spool directory */
#define USSDSESS_KEEP_S 3600	/* an operator ends a session long before */
#define USSDSESS_MAX 8192
#define USSDSESS_ID_MAX 64	/* bytes of a sessionId (ussd_form.h) */

struct ussdsess;

/* Open (create 0700) <spool_dir>/ussd and load the sessions remembered
 * younger than USSDSESS_KEEP_S at now (wall clock). A malformed line is
 * skipped. NULL with *cause on failure. */
struct ussdsess *ussdsess_open(const char *spool_dir, time_t now,
    char **cause);
void ussdsess_close(struct ussdsess *us);

/* A menu session opened at now: remembered (memory and file). */
void ussdsess_note(struct ussdsess *us, const char *id, time_t now);

/* Was id a menu session opened within USSDSESS_KEEP_S of now? */
int ussdsess_known(const struct ussdsess *us, const char *id, time_t now);

/* How many are remembered (the tests' view). */
int ussdsess_count(const struct ussdsess *us);

#endif
