/*
 * export.h: the Observatory's figures (`farolctl export`): counts of
 * alerts and of the victims they report, per cell of the dimensions asked
 * for (area, CTDC form, month, sex, minor), every published cell counting
 * at least k victims, optionally with differential-privacy noise.
 *
 * export_cells.c tabulates (pure: records in, cells out, generalising and
 * suppressing small cells); export_noise.c draws the noise from
 * getrandom(2); export_write.c prints CSV or JSON; export.c reads the
 * database (blocking libpq: farolctl, never farold) and ties them
 * together. Nothing here ever sees a phone number, a name, free text, an
 * alert number or a time finer than a month. See db/observatory.md.
 */
#ifndef FAROL_EXPORT_H
#define FAROL_EXPORT_H

#include <stddef.h>
#include <stdio.h>

struct config;

enum export_dim {
	EXPORT_AREA,
	EXPORT_FORM,
	EXPORT_MONTH,
	EXPORT_SEX,
	EXPORT_MINOR,
	EXPORT_DIMS
};

#define EXPORT_VALUE_MAX 64

/* One counted alert, as farol_export_alerts() gives it. */
struct export_record {
	int area;		/* index in the codebook's areas, -1 unknown */
	unsigned ctdc;		/* bit c: enum ctdc_category c */
	char month[8];		/* "2026-03" */
	int victims;		/* -1 when not reported */
	int females, males;	/* -1 when not reported */
	int minor;		/* 1: MENOR was reported; 0: not said */
};

/* A cell: its values of the dimensions asked ("" for the others) and
 * its counts. unknown: alerts whose victims were not reported (each at
 * least one person, none in victims). */
struct export_cell {
	char key[EXPORT_DIMS][EXPORT_VALUE_MAX];
	long alerts, victims, unknown;
};

struct export_table {
	unsigned by;			/* bit d: enum export_dim d asked */
	int k;
	struct export_cell *cells;	/* published, in key order */
	size_t n_cells;
	long generalised_area;		/* small cells: island to group */
	long generalised_month;		/* small cells: month to quarter */
	long suppressed_cells;
	struct export_cell suppressed;	/* their sums (key unused) */
	struct export_cell total;	/* published plus suppressed */
};

/* "area" ... "minor"; NULL out of range. */
const char *export_dim_name(enum export_dim d);

/*
 * Tabulate n records by the dimensions in by (bits of enum export_dim),
 * k-anonymous: a cell whose victims plus unknown is below k has its
 * island replaced by the island's group (cfg's export.area_group), then
 * its month by the quarter, then is suppressed. max_forms > 0 counts an
 * alert under at most that many CTDC categories (its first ones), the
 * contribution bound of differential privacy; 0 counts it under all.
 * Returns 0, or -1 (out of memory) with *cause set.
 */
int export_tabulate(const struct config *cfg, const struct export_record *r,
    size_t n, unsigned by, int k, int max_forms, struct export_table *out,
    char **cause);
void export_table_free(struct export_table *t);

/*
 * Differential privacy: the discrete Laplace (two-sided geometric)
 * distribution, P(x) proportional to exp(-eps |x|), drawn from
 * getrandom(2). export_noise_add() adds an independent draw to every count
 * of t (cells, suppressed) with eps_count each, clamps at 0 and sums the
 * total again. Returns 0, or -1 when the random source fails.
 */
int export_noise_draw(double eps_count, long *out);
int export_noise_add(struct export_table *t, double eps_count);
/* The smallest b with P(|noise| > b) <= 1 - q (q = 0.99: the 99% bound). */
long export_noise_bound(double eps_count, double q);

/* What the export prints besides the table. */
struct export_meta {
	const char *since, *until;	/* as given */
	double epsilon;			/* 0: exact counts */
	double eps_count;		/* epsilon of each count */
	long bound99;			/* 99% bound of each count's noise */
};

void export_write_csv(FILE *out, const struct export_table *t,
    const struct export_meta *m);
void export_write_json(FILE *out, const struct export_table *t,
    const struct export_meta *m);

/* `farolctl export ...' (argv[0] is "export"): the exit status. */
int export_main(const struct config *cfg, int argc, char **argv);

#endif
