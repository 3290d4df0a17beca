/*
 * lookup.h: the check that the database's lookup tables hold every name C
 * writes (lookup_names.h): the engine runs it at every connection (db.c,
 * state MIGRATING) and refuses the connection naming the value that is
 * missing.
 */
#ifndef FAROL_DB_LOOKUP_H
#define FAROL_DB_LOOKUP_H

#include <stddef.h>

#include <libpq-fe.h>

#include "lookup_names.h"

/*
 * The query listing every lookup table's values as (lookup, name) rows,
 * and the check of its result: 0 when the database holds every name C
 * knows, else -1 with *cause naming the first missing one. Values the
 * database has and C does not are not an error (a newer schema may add
 * some); *extra (may be NULL) counts them.
 */
const char	*lookup_sql(void);
int		 lookup_check(const PGresult *res, int *extra, char **cause);

#endif
