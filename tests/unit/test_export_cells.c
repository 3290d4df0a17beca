/*
 * test_export_cells.c: the export's table on hand-made records (suite
 * `unit`): victims count people (V12 is 12), an unknown count is kept
 * apart and counts as one person for k, a small island is generalised to
 * its group, then its month to the quarter, then suppressed, the sexes
 * split a report's victims, an alert counts under at most max_forms
 * categories; and the noise: its stated 99% bound and its spread.
 * argv[1]: config/farol.conf (the codebook, groups and CTDC mapping).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "ctdc.h"
#include "export.h"

#define AREA_SN 2
#define AREA_ST 6
#define AREA_FG 7
#define AREA_BR 8
#define BY(d) (1u << (d))

static const struct config *cfg;

static struct export_record
rec(int area, unsigned ctdc, const char *month, int v, int f, int m)
{
	struct export_record r;

	memset(&r, 0, sizeof r);
	r.area = area;
	r.ctdc = ctdc;
	snprintf(r.month, sizeof r.month, "%s", month);
	r.victims = v;
	r.females = f;
	r.males = m;
	return r;
}

static const struct export_cell *
find(const struct export_table *t, const char *area, const char *month)
{
	for (size_t i = 0; i < t->n_cells; i++)
		if (strcmp(t->cells[i].key[EXPORT_AREA], area) == 0 &&
		    (month == NULL || strcmp(t->cells[i].key[EXPORT_MONTH],
		    month) == 0))
			return &t->cells[i];
	return NULL;
}

static void
test_people_and_generalising(void)
{
	struct export_record r[16];
	struct export_table t;
	const struct export_cell *c;
	unsigned sx = 1u << CTDC_SEXUAL_EXPLOITATION;
	int n = 0;

	r[n++] = rec(AREA_ST, sx, "2025-03", 12, -1, -1);	/* V12 */
	r[n++] = rec(AREA_BR, sx, "2025-03", 3, -1, -1);
	r[n++] = rec(AREA_BR, sx, "2025-03", 3, -1, -1);
	r[n++] = rec(AREA_FG, sx, "2025-03", 4, -1, -1);
	r[n++] = rec(AREA_FG, sx, "2025-03", -1, -1, -1);	/* uncounted */
	r[n++] = rec(AREA_BR, sx, "2025-01", 4, -1, -1);
	r[n++] = rec(AREA_BR, sx, "2025-02", 4, -1, -1);
	r[n++] = rec(AREA_FG, sx, "2025-02", 3, -1, -1);
	/* Alone: no group or quarter makes it 11. In all, 6 island cells
	 * go to their group, 3 group cells to their quarter. */
	r[n++] = rec(AREA_SN, sx, "2025-05", 2, -1, -1);
	REQUIRE(export_tabulate(cfg, r, (size_t)n, BY(EXPORT_AREA) |
	    BY(EXPORT_MONTH), 11, 0, &t, NULL) == 0, "tabulate");
	c = find(&t, "Santiago", "2025-03");
	CHECK(c != NULL && c->alerts == 1 && c->victims == 12,
	    "V12: one alert, 12 victims");
	c = find(&t, "Sotavento", "2025-03");
	CHECK(c != NULL && c->alerts == 4 && c->victims == 10 &&
	    c->unknown == 1, "Brava and Fogo's March: Sotavento, 10 victims "
	    "and one uncounted alert (11 people at least)");
	c = find(&t, "Sotavento", "2025-Q1");
	CHECK(c != NULL && c->alerts == 3 && c->victims == 11,
	    "January and February, too small as Sotavento: the quarter");
	CHECK(find(&t, "Brava", NULL) == NULL && find(&t, "Fogo", NULL) ==
	    NULL, "no small island of its own");
	CHECK(t.suppressed_cells == 1 && t.suppressed.victims == 2 &&
	    t.suppressed.alerts == 1, "São Nicolau's one alert suppressed");
	CHECK(t.generalised_area == 6 && t.generalised_month == 3,
	    "generalised %ld by area, %ld by month", t.generalised_area,
	    t.generalised_month);
	CHECK(t.total.alerts == n && t.total.victims == 12 + 10 + 11 + 2 &&
	    t.total.unknown == 1, "totals: every alert once");
	CHECK(t.n_cells == 3, "cells %zu", t.n_cells);
	export_table_free(&t);
}

static void
test_sex_and_forms(void)
{
	struct export_record r[2];
	struct export_table t;
	unsigned three = 1u << CTDC_SEXUAL_EXPLOITATION |
	    1u << CTDC_FORCED_LABOUR | 1u << CTDC_DOMESTIC_WORK;
	long f = -1, m = -1, u = -1;

	r[0] = rec(AREA_ST, three, "2025-03", 5, 2, 1);
	r[1] = rec(AREA_ST, three, "2025-03", -1, -1, -1);
	REQUIRE(export_tabulate(cfg, r, 2, BY(EXPORT_SEX), 1, 0, &t, NULL) ==
	    0, "tabulate by sex");
	for (size_t i = 0; i < t.n_cells; i++) {
		if (strcmp(t.cells[i].key[EXPORT_SEX], "female") == 0)
			f = t.cells[i].victims;
		else if (strcmp(t.cells[i].key[EXPORT_SEX], "male") == 0)
			m = t.cells[i].victims;
		else if (strcmp(t.cells[i].key[EXPORT_SEX], "unknown") == 0)
			u = t.cells[i].victims * 100 + t.cells[i].unknown;
	}
	CHECK(f == 2 && m == 1 && u == 201, "V5 F2 M1 and an uncounted "
	    "alert: female 2, male 1, unknown 2 and one alert (%ld %ld %ld)",
	    f, m, u);
	export_table_free(&t);
	REQUIRE(export_tabulate(cfg, r, 2, BY(EXPORT_FORM), 1, 0, &t, NULL) ==
	    0, "tabulate by form");
	CHECK(t.n_cells == 3 && t.total.alerts == 6, "three categories each");
	export_table_free(&t);
	REQUIRE(export_tabulate(cfg, r, 2, BY(EXPORT_FORM), 1, 2, &t, NULL) ==
	    0, "tabulate by form, at most 2");
	CHECK(t.n_cells == 2 && t.total.alerts == 4, "max_forms 2: two "
	    "categories each, %zu cells", t.n_cells);
	export_table_free(&t);
}

static void
test_noise(void)
{
	long x, beyond = 0, sum = 0, n = 20000, bound;

	CHECK(export_noise_bound(0.5, 0.99) == 9, "bound at 0.5: %ld",
	    export_noise_bound(0.5, 0.99));
	CHECK(export_noise_bound(0.25, 0.99) == 18, "bound at 0.25: %ld",
	    export_noise_bound(0.25, 0.99));
	bound = export_noise_bound(0.5, 0.99);
	for (long i = 0; i < n; i++) {
		REQUIRE(export_noise_draw(0.5, &x) == 0, "draw");
		beyond += labs(x) > bound;
		sum += x;
	}
	/* 1% expected: 200 of 20000, sd 14 */
	CHECK(beyond > 120 && beyond < 280, "beyond the 99%% bound: %ld of "
	    "%ld", beyond, n);
	/* variance 2a/(1-a)^2 = 7.8: the mean's sd 0.02 */
	CHECK(fabs((double)sum / n) < 0.1, "mean %g", (double)sum / n);
}

int
main(int argc, char **argv)
{
	char *problems = NULL;

	REQUIRE(argc == 2, "usage: test_export_cells farol.conf");
	cfg = config_load(argv[1], &problems);
	REQUIRE(cfg != NULL, "config: %s", problems);
	test_people_and_generalising();
	test_sex_and_forms();
	test_noise();
	config_free((struct config *)cfg);
	return check_status();
}
