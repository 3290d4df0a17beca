/*
 * schema.h: checks a libconfig tree against a table of the settings it may
 * hold, so that unknown names, wrong types, missing settings and values out
 * of range are all reported with the file and line, before anything reads a
 * value. Called by config.c only; pure apart from appending problems.
 */
#ifndef FAROL_SCHEMA_H
#define FAROL_SCHEMA_H

#include <libconfig.h>

#include "config.h"

/* The problems found so far while loading; each line "FILE:LINE: reason".
 * config_load() hands them to its caller joined into one *cause. */
struct config_problems {
	char **lines;
	int n;
};

void config_problems_clear(struct config_problems *problems);

enum schema_kind {
	SCHEMA_STRING,
	SCHEMA_INT,
	SCHEMA_BOOL,
	SCHEMA_GROUP,		/* a group with the keys in `children` */
	SCHEMA_LIST,		/* a list of groups, each with `children` */
	SCHEMA_STRING_ARRAY,	/* an array or list of strings */
	SCHEMA_INT_ARRAY,	/* an array of integers, each in min..max */
	SCHEMA_FREE_GROUP,	/* a group of strings with any names (checked later) */
	SCHEMA_LISTEN,		/* a string: "" (off) or "ADDRESS:PORT", the
				   address numeric (IPv4, or IPv6 in [ ]) */
	SCHEMA_FLOAT,		/* a number, decimal or integer, in min..max */
};

struct schema_key {
	const char *name;
	enum schema_kind kind;
	int required;
	long min, max;		/* SCHEMA_INT: inclusive range; STRING: length;
				   STRING_ARRAY: max > 0 bounds each string */
	const struct schema_key *children;	/* NULL-name terminated */
	const char *choices;	/* SCHEMA_STRING: "a|b|c" or NULL */
};

/*
 * Check `group` (a group setting) against `keys`. `where` names it in
 * messages ("gateway", "modems[0]"). Appends to `problems`; returns their
 * number.
 */
int schema_check_group(const config_setting_t *group, const char *where,
    const struct schema_key *keys, struct config_problems *problems);

/* Append "FILE:LINE: reason" (printf-style reason). */
void schema_problem(struct config_problems *problems, const char *file,
    int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Same, taking file and line from a setting. */
void schema_problem_at(struct config_problems *problems,
    const config_setting_t *setting, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Edit distance between two names, capped (for "did you mean"). */
int schema_distance(const char *a, const char *b);

#endif
