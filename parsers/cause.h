/*
 * cause.h: the project's one error convention.
 *
 * A function that can fail returns -1 (or NULL, or its failure value) and,
 * when its caller passed a non-NULL char **cause, sets *cause to an
 * allocated sentence saying why, which the caller logs or passes on and
 * then frees. Nothing else: no static strings through const char **, no
 * "errstr", "why" or "reason" out-parameters, no error classes guessed from
 * a message's wording. The style is tmux's. Out of memory while saying why
 * is fatal, as there is then nothing sensible left to do.
 *
 * Two cases look different and are not exceptions:
 * - A file refused for several problems at once (config_load) still has
 *   one *cause: every problem, one per line as "FILE:LINE: reason", so
 *   that the operator fixes them in one go. A checker that finds them
 *   (codebook_validate, schema.c) is not a fallible function: it reports
 *   each finding through a callback or a list and returns their number.
 * - A failure whose class matters to the caller says so in a field, set
 *   where the failure happens: a database call's struct db_error carries
 *   `transient` (from the SQLSTATE, or the engine's own timeout or lost
 *   connection) beside its message (db.h).
 */
#ifndef FAROL_CAUSE_H
#define FAROL_CAUSE_H

/* Set *cause (if cause is not NULL) to the formatted sentence. */
void cause_set(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
