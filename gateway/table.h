/*
 * table.h: the console's answers (`farolctl show ...'), as text or JSON.
 *
 * A table has fixed columns. As text: a header line of the column names,
 * then one line per row, fields separated by one tab, an empty or unknown
 * value written "-" (tabs and newlines in a value become spaces), so
 * `cut -f' and awk read it. As JSON: one line, an array with one object
 * per row, keyed by the column names (unknown values are null). Values go
 * in column order; a row ends after its last column.
 */
#ifndef FAROL_TABLE_H
#define FAROL_TABLE_H

#include <event2/buffer.h>

#include "jsonw.h"

struct table {
	struct evbuffer *out;
	struct jsonw w;
	int json;
	const char *const *columns;
	int n_columns;
	int column;		/* the next value's column */
};

void table_begin(struct table *t, struct evbuffer *out, int json,
    const char *const *columns, int n_columns);
void table_str(struct table *t, const char *v);	/* NULL: unknown */
void table_int(struct table *t, long long v);
void table_bool(struct table *t, int v);
void table_null(struct table *t);
void table_end(struct table *t);

#endif
