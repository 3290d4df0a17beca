/*
 * rows.c: typed rows of query results (rows.h). Columns are found by
 * name, values converted and checked, so a changed function fails with a
 * sentence naming the column instead of being misread.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "rows.h"

/* The column's number, or -1 with *cause. */
static int
rows_col(const PGresult *res, const char *name, char **cause)
{
	int	c;

	if ((c = PQfnumber(res, name)) < 0)
		cause_set(cause, "result has no column %s", name);
	return c;
}

/* Text or NULL for SQL NULL. */
static const char *
rows_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* An integer column; SQL NULL is 0 unless required. */
static int
rows_ll(const PGresult *res, int row, int col, int required, long long *v,
    char **cause)
{
	const char	*s;
	char		*end;

	*v = 0;
	if ((s = rows_text(res, row, col)) == NULL) {
		if (!required)
			return 0;
		cause_set(cause, "column %s of row %d is NULL",
		    PQfname(res, col), row);
		return -1;
	}
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		cause_set(cause, "column %s of row %d is not an integer",
		    PQfname(res, col), row);
		return -1;
	}
	return 0;
}

static int
rows_int(const PGresult *res, int row, int col, int required, int *v,
    char **cause)
{
	long long	ll;

	if (rows_ll(res, row, col, required, &ll, cause) == -1)
		return -1;
	if (ll < INT_MIN || ll > INT_MAX) {
		cause_set(cause, "column %s of row %d is out of range",
		    PQfname(res, col), row);
		return -1;
	}
	*v = (int)ll;
	return 0;
}

static int
rows_bool(const PGresult *res, int row, int col, int *v, char **cause)
{
	const char	*s = rows_text(res, row, col);

	if (s == NULL || (strcmp(s, "t") != 0 && strcmp(s, "f") != 0)) {
		cause_set(cause, "column %s of row %d is not a boolean",
		    PQfname(res, col), row);
		return -1;
	}
	*v = s[0] == 't';
	return 0;
}

/* Column numbers for names[], all required. */
static int
rows_cols(const PGresult *res, const char *const *names, int *cols, int n,
    char **cause)
{
	int	i;

	if (res == NULL) {
		cause_set(cause, "no result");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((cols[i] = rows_col(res, names[i], cause)) < 0)
			return -1;
	}
	return 0;
}

/*
 * The start of every reader: the columns by name into cols, and *rows
 * zeroed room for every row of size each (NULL when there is none).
 * Returns the number of rows, or -1 with *cause set.
 */
static int
rows_start(const PGresult *res, const char *const *names, int *cols,
    int ncols, size_t size, void **rows, char **cause)
{
	int	n = PQntuples(res);

	*rows = NULL;
	if (rows_cols(res, names, cols, ncols, cause) == -1)
		return -1;
	if (n > 0 && (*rows = calloc((size_t)n, size)) == NULL) {
		cause_set(cause, "out of memory for %d rows", n);
		return -1;
	}
	return n;
}

enum { I_I, I_MESSAGE, I_INSERTED, I_RESULT, I_ALERT, I_REF, I_QUEUED,
    I_STATE, I_FOCAL, I_AUTHORITY, I_HOLDERS, I_N };
static const char *const ingest_names[I_N] = { "i", "message_id",
    "inserted", "result", "alert_id", "alert_ref", "outbox_queued", "state",
    "focal_number", "authority_name", "holders" };

int
rows_ingest_read(const PGresult *res, struct rows_ingest **rows, int *n,
    char **cause)
{
	struct rows_ingest	*r;
	void			*p;
	int			 c[I_N], row, nr;

	*rows = NULL;
	*n = 0;
	if ((nr = rows_start(res, ingest_names, c, I_N, sizeof *r, &p,
	    cause)) == -1)
		return -1;
	r = p;
	for (row = 0; row < nr; row++) {
		struct rows_ingest	*x = &r[row];

		if (rows_int(res, row, c[I_I], 1, &x->i, cause) == -1 ||
		    rows_ll(res, row, c[I_MESSAGE], 1, &x->message_id,
		    cause) == -1 ||
		    rows_bool(res, row, c[I_INSERTED], &x->inserted,
		    cause) == -1 ||
		    rows_ll(res, row, c[I_ALERT], 0, &x->alert_id,
		    cause) == -1 ||
		    rows_ll(res, row, c[I_REF], 0, &x->alert_ref,
		    cause) == -1 ||
		    rows_int(res, row, c[I_QUEUED], 0, &x->outbox_queued,
		    cause) == -1) {
			free(r);
			return -1;
		}
		x->message_id_text = rows_text(res, row, c[I_MESSAGE]);
		x->result = rows_text(res, row, c[I_RESULT]);
		x->alert_id_text = rows_text(res, row, c[I_ALERT]);
		x->state = rows_text(res, row, c[I_STATE]);
		x->focal_number = rows_text(res, row, c[I_FOCAL]);
		x->authority_name = rows_text(res, row, c[I_AUTHORITY]);
		x->holders = rows_text(res, row, c[I_HOLDERS]);
	}
	*rows = r;
	*n = nr;
	return 0;
}

enum { C_ID, C_RECIPIENT, C_TEXT, C_PURPOSE, C_ALERT, C_ATTEMPTS, C_TAKEN,
    C_N };
static const char *const claim_names[C_N] = { "id", "recipient", "text",
    "purpose", "alert_id", "attempts", "taken_over" };

int
rows_claim_read(const PGresult *res, struct rows_claim **rows, int *n,
    char **cause)
{
	struct rows_claim	*r;
	void			*p;
	int			 c[C_N], row, nr;

	*rows = NULL;
	*n = 0;
	if ((nr = rows_start(res, claim_names, c, C_N, sizeof *r, &p,
	    cause)) == -1)
		return -1;
	r = p;
	for (row = 0; row < nr; row++) {
		struct rows_claim	*x = &r[row];

		if (rows_ll(res, row, c[C_ID], 1, &x->id, cause) == -1 ||
		    rows_ll(res, row, c[C_ALERT], 0, &x->alert_id,
		    cause) == -1 ||
		    rows_int(res, row, c[C_ATTEMPTS], 1, &x->attempts,
		    cause) == -1 ||
		    rows_bool(res, row, c[C_TAKEN], &x->taken_over,
		    cause) == -1) {
			free(r);
			return -1;
		}
		x->recipient = rows_text(res, row, c[C_RECIPIENT]);
		x->text = rows_text(res, row, c[C_TEXT]);
		x->purpose = rows_text(res, row, c[C_PURPOSE]);
		x->alert_id_text = rows_text(res, row, c[C_ALERT]);
		if (x->recipient == NULL || x->text == NULL ||
		    x->purpose == NULL) {
			cause_set(cause, "row %d of the claim lacks its "
			    "recipient, text or purpose", row);
			free(r);
			return -1;
		}
	}
	*rows = r;
	*n = nr;
	return 0;
}

int
rows_one_int(const PGresult *res, const char *name, int *v, char **cause)
{
	int	c;

	*v = 0;
	if (rows_cols(res, &name, &c, 1, cause) == -1)
		return -1;
	if (PQntuples(res) != 1) {
		cause_set(cause, "%d rows where one was expected",
		    PQntuples(res));
		return -1;
	}
	return rows_int(res, 0, c, 1, v, cause);
}

const char *
rows_one_text(const PGresult *res, const char *name, char **cause)
{
	int	c;

	if (rows_cols(res, &name, &c, 1, cause) == -1)
		return NULL;
	if (PQntuples(res) != 1) {
		cause_set(cause, "%d rows where one was expected",
		    PQntuples(res));
		return NULL;
	}
	return PQgetisnull(res, 0, c) ? "" : PQgetvalue(res, 0, c);
}

int
rows_ll_column(const PGresult *res, const char *name, long long **v, int *n,
    char **cause)
{
	void	*rows;
	int	 c;

	*v = NULL;
	if ((*n = rows_start(res, &name, &c, 1, sizeof **v, &rows, cause)) ==
	    -1) {
		*n = 0;
		return -1;
	}
	*v = rows;
	for (int i = 0; i < *n; i++)
		if (rows_ll(res, i, c, 1, &(*v)[i], cause) == -1) {
			free(*v);
			*v = NULL;
			*n = 0;
			return -1;
		}
	return 0;
}

enum { D_ITEM, D_AUTHORITY, D_RECIPIENT, D_REF, D_AREA, D_FORMS, D_VICTIMS,
    D_LEAVES, D_N };
static const char *const digest_names[D_N] = { "item_id", "authority_id",
    "recipient", "ref", "area", "forms", "victims", "leaves" };

int
rows_digest_read(const PGresult *res, struct rows_digest **rows, int *n,
    char **cause)
{
	struct rows_digest	*r;
	long long		 ref;
	void			*p;
	int			 c[D_N], row, nr;

	*rows = NULL;
	*n = 0;
	if ((nr = rows_start(res, digest_names, c, D_N, sizeof *r, &p,
	    cause)) == -1)
		return -1;
	r = p;
	for (row = 0; row < nr; row++) {
		struct rows_digest	*x = &r[row];

		if (rows_ll(res, row, c[D_ITEM], 1, &x->item_id,
		    cause) == -1 ||
		    rows_ll(res, row, c[D_REF], 1, &ref, cause) == -1 ||
		    rows_int(res, row, c[D_VICTIMS], 1, &x->victims,
		    cause) == -1 ||
		    rows_bool(res, row, c[D_LEAVES], &x->leaves,
		    cause) == -1) {
			free(r);
			return -1;
		}
		x->ref = (long)ref;
		x->item_id_text = rows_text(res, row, c[D_ITEM]);
		x->authority_id = rows_text(res, row, c[D_AUTHORITY]);
		x->recipient = rows_text(res, row, c[D_RECIPIENT]);
		x->area = rows_text(res, row, c[D_AREA]);
		x->forms = rows_text(res, row, c[D_FORMS]);
		if (x->recipient == NULL) {
			cause_set(cause, "column recipient of row %d is NULL",
			    row);
			free(r);
			return -1;
		}
	}
	*rows = r;
	*n = nr;
	return 0;
}
