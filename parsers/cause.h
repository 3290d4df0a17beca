/*
 * cause.h: the project's one error convention.
 *
 * A function that can fail returns -1 (or NULL) and, when its caller
 * passed a non-NULL char **cause, sets *cause to an allocated sentence
 * saying why, which the caller logs or passes on and then frees. Nothing
 * else: no static buffers, no "errstr", no error classes guessed from a
 * message's wording (see db.h for database errors, classified by SQLSTATE).
 * The style is tmux's. Out of memory while saying why is fatal, as
 * there is then nothing sensible left to do.
 */
#ifndef FAROL_CAUSE_H
#define FAROL_CAUSE_H

/* Set *cause (if cause is not NULL) to the formatted sentence. */
void cause_set(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
