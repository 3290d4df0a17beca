/*
 * export_cells.c: the export's table (export.h), k-anonymous.
 *
 * Each alert becomes one contribution per cell it counts in (per CTDC
 * category when form is asked, per sex group when sex is), keyed by the
 * values of the dimensions asked. Contributions with the same key are
 * summed into a cell. A cell whose lower bound of people (victims, plus
 * one per alert whose count was not reported) is below k is generalised
 * (island to the island's group, then month to quarter) and summed again
 * with the other small cells it now shares a key with; what is still
 * small is suppressed, its sums kept for the footer. Published cells are
 * disjoint: no row can be subtracted from another to reveal a small one.
 * Pure: no I/O, no clock, no randomness.
 */
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "config.h"
#include "ctdc.h"
#include "export.h"

struct export_contrib {
	char key[EXPORT_DIMS][EXPORT_VALUE_MAX];
	long alerts, victims, unknown;
	long cell;		/* index of its cell in the last summing */
};

struct export_work {
	struct export_contrib *c;
	size_t n, size;
	struct export_cell *cells;	/* the last summing */
	long *first;			/* per cell: first contribution */
	size_t n_cells;
};

static const char *const export_dim_names[EXPORT_DIMS] = {
	"area", "form", "month", "sex", "minor",
};

const char *
export_dim_name(enum export_dim d)
{
	if ((int)d < 0 || d >= EXPORT_DIMS)
		return NULL;
	return export_dim_names[d];
}

static int
export_push(struct export_work *w, const struct export_contrib *c)
{
	struct export_contrib *grown;
	size_t size;

	if (w->n == w->size) {
		size = w->size ? w->size * 2 : 1024;
		if ((grown = realloc(w->c, size * sizeof *grown)) == NULL)
			return -1;
		w->c = grown;
		w->size = size;
	}
	w->c[w->n++] = *c;
	return 0;
}

/* The sex groups of r: victims of each, or unknown (count not given). */
static int
export_push_sexes(struct export_work *w, struct export_contrib *c,
    const struct export_record *r)
{
	long f = r->females > 0 ? r->females : 0;
	long m = r->males > 0 ? r->males : 0;
	long rest = r->victims >= 0 ? r->victims - f - m : 0;
	static const char *const names[] = { "female", "male", "unknown" };
	long counts[3] = { f, m, rest > 0 ? rest : 0 };

	if (r->victims < 0) {
		/* Nobody counted: one alert of unknown size and sex. */
		snprintf(c->key[EXPORT_SEX], EXPORT_VALUE_MAX, "unknown");
		c->victims = 0;
		c->unknown = 1;
		return export_push(w, c);
	}
	for (int s = 0; s < 3; s++) {
		if (counts[s] == 0)
			continue;
		snprintf(c->key[EXPORT_SEX], EXPORT_VALUE_MAX, "%s", names[s]);
		c->victims = counts[s];
		c->unknown = 0;
		if (export_push(w, c) != 0)
			return -1;
	}
	return 0;
}

static int
export_push_record(struct export_work *w, const struct config *cfg,
    const struct export_record *r, unsigned by, int max_forms)
{
	struct export_contrib c;
	int forms = 0;

	memset(&c, 0, sizeof c);
	if (by & (1u << EXPORT_AREA))
		snprintf(c.key[EXPORT_AREA], EXPORT_VALUE_MAX, "%s",
		    r->area >= 0 && r->area < cfg->codebook.n_areas ?
		    cfg->codebook.areas[r->area].name_pt : "unknown");
	if (by & (1u << EXPORT_MONTH))
		snprintf(c.key[EXPORT_MONTH], EXPORT_VALUE_MAX, "%s",
		    r->month);
	if (by & (1u << EXPORT_MINOR))
		snprintf(c.key[EXPORT_MINOR], EXPORT_VALUE_MAX, "%s",
		    r->minor ? "minor" : "unknown");
	c.alerts = 1;
	c.victims = r->victims >= 0 ? r->victims : 0;
	c.unknown = r->victims < 0;
	for (int cat = 0; cat < CTDC_COUNT; cat++) {
		if (by & (1u << EXPORT_FORM)) {
			if (!(r->ctdc & (1u << cat)))
				continue;
			if (max_forms > 0 && forms == max_forms)
				break;
			forms++;
			snprintf(c.key[EXPORT_FORM], EXPORT_VALUE_MAX, "%s",
			    ctdc_name(cat));
		} else if (cat > 0)
			break;
		if (by & (1u << EXPORT_SEX)) {
			if (export_push_sexes(w, &c, r) != 0)
				return -1;
		} else if (export_push(w, &c) != 0)
			return -1;
	}
	return 0;
}

/* Keys compare as strings: the bytes after a value's NUL are whatever
 * a longer value left there. */
static int
export_keys_cmp(const void *ka, const void *kb)
{
	const char *a = ka, *b = kb;
	int d, c;

	for (d = 0; d < EXPORT_DIMS; d++)
		if ((c = strcmp(a + d * EXPORT_VALUE_MAX,
		    b + d * EXPORT_VALUE_MAX)) != 0)
			return c;
	return 0;
}

static int
export_key_cmp(const void *a, const void *b)
{
	return export_keys_cmp(((const struct export_contrib *)a)->key,
	    ((const struct export_contrib *)b)->key);
}

static int
export_small(const struct export_cell *cell, int k)
{
	return cell->victims + cell->unknown < k;
}

/* Sort the contributions and sum those with one key into w->cells. */
static int
export_sum(struct export_work *w)
{
	struct export_cell *cell = NULL;
	size_t i;

	qsort(w->c, w->n, sizeof *w->c, export_key_cmp);
	free(w->cells);
	free(w->first);
	w->cells = calloc(w->n ? w->n : 1, sizeof *w->cells);
	w->first = calloc(w->n ? w->n : 1, sizeof *w->first);
	if (w->cells == NULL || w->first == NULL)
		return -1;
	w->n_cells = 0;
	for (i = 0; i < w->n; i++) {
		if (cell == NULL || export_keys_cmp(cell->key,
		    w->c[i].key) != 0) {
			w->first[w->n_cells] = (long)i;
			cell = &w->cells[w->n_cells++];
			memcpy(cell->key, w->c[i].key, sizeof cell->key);
		}
		cell->alerts += w->c[i].alerts;
		cell->victims += w->c[i].victims;
		cell->unknown += w->c[i].unknown;
		w->c[i].cell = (long)(w->n_cells - 1);
	}
	return 0;
}

/* The island group of the area named name, or NULL. */
static const char *
export_group(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->codebook.n_areas; i++)
		if (strcmp(cfg->codebook.areas[i].name_pt, name) == 0)
			return cfg->export.area_group[i][0] != '\0' ?
			    cfg->export.area_group[i] : NULL;
	return NULL;
}

/* "2026-03" -> "2026-Q1"; 0, or -1 when month is no month (already a
 * quarter). */
static int
export_quarter(char *month)
{
	int m;

	if (strlen(month) != 7 || month[4] != '-' || month[5] < '0' ||
	    month[5] > '1')
		return -1;
	m = (month[5] - '0') * 10 + (month[6] - '0');
	if (m < 1 || m > 12)
		return -1;
	month[5] = 'Q';
	month[6] = (char)('1' + (m - 1) / 3);
	return 0;
}

/*
 * Generalise the small cells one step: step 0 island to group, step 1
 * month to quarter. Returns how many cells were generalised.
 */
static long
export_generalise(struct export_work *w, const struct config *cfg, int k,
    int step)
{
	const char *group;
	long n = 0;
	size_t i;
	int changed;

	for (size_t cell = 0; cell < w->n_cells; cell++) {
		if (!export_small(&w->cells[cell], k))
			continue;
		changed = 0;
		for (i = (size_t)w->first[cell]; i < w->n &&
		    w->c[i].cell == (long)cell; i++) {
			if (step == 0) {
				group = export_group(cfg,
				    w->c[i].key[EXPORT_AREA]);
				if (group == NULL)
					break;
				snprintf(w->c[i].key[EXPORT_AREA],
				    EXPORT_VALUE_MAX, "%s", group);
				changed = 1;
			} else {
				if (export_quarter(w->c[i].key[EXPORT_MONTH])
				    != 0)
					break;
				changed = 1;
			}
		}
		n += changed;
	}
	return n;
}

static void
export_add(struct export_cell *to, const struct export_cell *c)
{
	to->alerts += c->alerts;
	to->victims += c->victims;
	to->unknown += c->unknown;
}

int
export_tabulate(const struct config *cfg, const struct export_record *r,
    size_t n, unsigned by, int k, int max_forms, struct export_table *t,
    char **cause)
{
	struct export_work w = { 0 };
	size_t i, kept = 0;
	int rc = -1;

	memset(t, 0, sizeof *t);
	t->by = by;
	t->k = k;
	for (i = 0; i < n; i++)
		if (export_push_record(&w, cfg, &r[i], by, max_forms) != 0)
			goto out;
	if (export_sum(&w) != 0)
		goto out;
	if (by & (1u << EXPORT_AREA)) {
		t->generalised_area = export_generalise(&w, cfg, k, 0);
		if (export_sum(&w) != 0)
			goto out;
	}
	if (by & (1u << EXPORT_MONTH)) {
		t->generalised_month = export_generalise(&w, cfg, k, 1);
		if (export_sum(&w) != 0)
			goto out;
	}
	if ((t->cells = calloc(w.n_cells ? w.n_cells : 1,
	    sizeof *t->cells)) == NULL)
		goto out;
	for (i = 0; i < w.n_cells; i++) {
		if (export_small(&w.cells[i], k)) {
			t->suppressed_cells++;
			export_add(&t->suppressed, &w.cells[i]);
		} else
			t->cells[kept++] = w.cells[i];
		export_add(&t->total, &w.cells[i]);
	}
	t->n_cells = kept;
	rc = 0;
out:
	if (rc != 0)
		cause_set(cause, "out of memory");
	free(w.c);
	free(w.cells);
	free(w.first);
	return rc;
}

void
export_table_free(struct export_table *t)
{
	free(t->cells);
	t->cells = NULL;
	t->n_cells = 0;
}
