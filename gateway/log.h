/*
 * log.h: one line per event on stderr, with a time, a level and the module.
 *
 * Callable from any thread (each line is one stdio call). Lines start with
 * the module and object ("modem cv1: ...", "db: ..."). Never pass the free
 * text of a report or a victim detail: log alert references instead.
 */
#ifndef FAROL_LOG_H
#define FAROL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARNING = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

void log_init(const char *program, int level);
void log_set_level(int level);
int log_get_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The above with a level and a va_list (for other modules' log sinks). */
void log_vwrite(int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* For start-up failures only: log and exit(1). */
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
