/*
 * table.c: the console's table writer (see table.h). JSON goes through
 * jsonw, so a value is escaped the same way as the database's parameters.
 */
#include <stdio.h>
#include <string.h>

#include "table.h"

void
table_begin(struct table *t, struct evbuffer *out, int json,
    const char *const *columns, int n_columns)
{
	memset(t, 0, sizeof *t);
	t->out = out;
	t->json = json;
	t->columns = columns;
	t->n_columns = n_columns;
	if (json) {
		jsonw_init(&t->w, out);
		jsonw_array(&t->w, NULL);
		return;
	}
	for (int i = 0; i < n_columns; i++)
		evbuffer_add_printf(out, "%s%s", i ? "\t" : "", columns[i]);
	evbuffer_add(out, "\n", 1);
}

/* Before a value: open the row, or write the separator. */
static const char *
table_next(struct table *t)
{
	const char *key = t->columns[t->column];

	if (t->json) {
		if (t->column == 0)
			jsonw_object(&t->w, NULL);
	} else if (t->column > 0)
		evbuffer_add(t->out, "\t", 1);
	return key;
}

/* After a value: close the row after its last column. */
static void
table_after(struct table *t)
{
	if (++t->column < t->n_columns)
		return;
	t->column = 0;
	if (t->json)
		jsonw_end(&t->w, '}');
	else
		evbuffer_add(t->out, "\n", 1);
}

void
table_str(struct table *t, const char *v)
{
	const char *key = table_next(t);

	if (t->json)
		jsonw_str(&t->w, key, v);
	else if (v == NULL || *v == '\0')
		evbuffer_add(t->out, "-", 1);
	else {
		for (const char *p = v; *p != '\0'; p++)
			evbuffer_add(t->out, strchr("\t\r\n", *p) ? " " : p,
			    1);
	}
	table_after(t);
}

void
table_int(struct table *t, long long v)
{
	const char *key = table_next(t);

	if (t->json)
		jsonw_int(&t->w, key, v);
	else
		evbuffer_add_printf(t->out, "%lld", v);
	table_after(t);
}

void
table_bool(struct table *t, int v)
{
	const char *key = table_next(t);

	if (t->json)
		jsonw_bool(&t->w, key, v);
	else
		evbuffer_add_printf(t->out, "%s", v ? "yes" : "no");
	table_after(t);
}

void
table_null(struct table *t)
{
	const char *key = table_next(t);

	if (t->json)
		jsonw_null(&t->w, key);
	else
		evbuffer_add(t->out, "-", 1);
	table_after(t);
}

void
table_end(struct table *t)
{
	if (t->json) {
		jsonw_end(&t->w, ']');
		evbuffer_add(t->out, "\n", 1);
	}
}
