/*
 * console.h: what integration tests ask the running farold, through the
 * real farolctl binary on the test daemon's admin socket: `farolctl show
 * ...' tables (gateway/show.h) and `farolctl reload'. Tests assert on
 * these and on the database, never on the wording of the log.
 */
#ifndef FAROL_TESTS_CONSOLE_H
#define FAROL_TESTS_CONSOLE_H

#include <limits.h>

struct gateway_proc;

/* Run `farolctl -s SOCKET args...' (NULL-terminated); returns its exit
 * status (-1 when it could not be run); out (may be NULL) gets its
 * stdout, which the caller frees. */
int console_run(const struct gateway_proc *g, char **out, ...)
    __attribute__((sentinel));

/* `farolctl show [--json] what': the exit status; *out as above. */
int console_show(const struct gateway_proc *g, const char *what, int json,
    char **out);

/*
 * One field of `show what' as text: the value in column of the first row
 * whose key_col is key (key_col NULL: the first row). NULL when farolctl
 * failed or there is no such row or column; the caller frees.
 */
char *console_text(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key);

/* The same as a number; LONG_MIN when absent, "-" or farolctl failed. */
long console_value(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key);

/* The sum of column over the rows whose key_col is key (NULL: all rows);
 * LONG_MIN when farolctl failed. */
long console_sum(const struct gateway_proc *g, const char *what,
    const char *column, const char *key_col, const char *key);

/* Poll console_value() until it returns want or timeout_ms pass; returns
 * what it returned last (for the failed CHECK's message). */
long console_wait(const struct gateway_proc *g, int timeout_ms, long want,
    const char *what, const char *column, const char *key_col,
    const char *key);

/* Wait until farold says its database is connected (`show spool').
 * 0, or -1 at the deadline. */
int console_wait_db_ready(const struct gateway_proc *g, int timeout_ms);

/* Wait until modem name is connected (`show modems'); 0 or -1. */
int console_wait_modem(const struct gateway_proc *g, const char *name,
    int timeout_ms);

/* `farolctl reload': its exit status; out (may be NULL) gets the answer
 * (the config's problems as FILE:LINE: reason when refused). */
int console_reload(const struct gateway_proc *g, char **out);

/*
 * Wait until every SMS the modems submitted (`show modems', sent) is an
 * outbox row in submitted or delivered state in pg: nothing went out
 * twice, nor without its row. 0, or -1 at the deadline; *sent and *rows
 * get the last figures (for the failed CHECK's message).
 */
struct pgcluster;
int console_wait_sent_matches_outbox(const struct gateway_proc *g,
    struct pgcluster *pg, int timeout_ms, long *sent, long *rows);

#endif
