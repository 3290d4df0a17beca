/*
 * export_write.c: the export as CSV or JSON (export.h). CSV: a header
 * line, one line per published cell, then the footer as comment lines
 * "# name,value" (what was generalised and suppressed, the totals, k and
 * the noise). JSON: one object with the same in fields. The footer's
 * names are the same in both; db/observatory.md documents them.
 */
#include <stdio.h>
#include <string.h>

#include "export.h"

/* A value as a CSV field: quoted when it holds a comma or a quote. */
static void
export_csv_field(FILE *out, const char *v)
{
	if (strpbrk(v, ",\"\n") == NULL) {
		fputs(v, out);
		return;
	}
	putc('"', out);
	for (; *v != '\0'; v++) {
		if (*v == '"')
			putc('"', out);
		putc(*v, out);
	}
	putc('"', out);
}

static void
export_json_str(FILE *out, const char *v)
{
	putc('"', out);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(out, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*v);
		else
			putc(*v, out);
	}
	putc('"', out);
}

static void
export_by_list(char *buf, size_t size, unsigned by)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int d = 0; d < EXPORT_DIMS; d++)
		if (by & (1u << d))
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    len ? "," : "", export_dim_name(d));
}

void
export_write_csv(FILE *out, const struct export_table *t,
    const struct export_meta *m)
{
	char by[64];
	size_t i;
	int d;

	for (d = 0; d < EXPORT_DIMS; d++)
		if (t->by & (1u << d))
			fprintf(out, "%s,", export_dim_name(d));
	fprintf(out, "alerts,victims,victims_unknown\n");
	for (i = 0; i < t->n_cells; i++) {
		for (d = 0; d < EXPORT_DIMS; d++)
			if (t->by & (1u << d)) {
				export_csv_field(out, t->cells[i].key[d]);
				putc(',', out);
			}
		fprintf(out, "%ld,%ld,%ld\n", t->cells[i].alerts,
		    t->cells[i].victims, t->cells[i].unknown);
	}
	export_by_list(by, sizeof by, t->by);
	fprintf(out, "# since,%s\n# until,%s\n# by,", m->since, m->until);
	export_csv_field(out, by);
	fprintf(out, "\n# k,%d\n", t->k);
	fprintf(out, "# generalised_area_to_group,%ld\n",
	    t->generalised_area);
	fprintf(out, "# generalised_month_to_quarter,%ld\n",
	    t->generalised_month);
	fprintf(out, "# suppressed_cells,%ld\n", t->suppressed_cells);
	fprintf(out, "# suppressed_alerts,%ld\n# suppressed_victims,%ld\n"
	    "# suppressed_victims_unknown,%ld\n", t->suppressed.alerts,
	    t->suppressed.victims, t->suppressed.unknown);
	fprintf(out, "# total_alerts,%ld\n# total_victims,%ld\n"
	    "# total_victims_unknown,%ld\n", t->total.alerts,
	    t->total.victims, t->total.unknown);
	if (m->epsilon > 0)
		fprintf(out, "# epsilon,%g\n# epsilon_per_count,%g\n"
		    "# noise_bound_99,%ld\n", m->epsilon, m->eps_count,
		    m->bound99);
	else
		fprintf(out, "# epsilon,none\n# noise_bound_99,0\n");
}

static void
export_json_counts(FILE *out, const struct export_cell *c)
{
	fprintf(out, "\"alerts\":%ld,\"victims\":%ld,\"victims_unknown\":%ld",
	    c->alerts, c->victims, c->unknown);
}

void
export_write_json(FILE *out, const struct export_table *t,
    const struct export_meta *m)
{
	size_t i;
	int d, first = 1;

	fprintf(out, "{\"since\":");
	export_json_str(out, m->since);
	fprintf(out, ",\"until\":");
	export_json_str(out, m->until);
	fprintf(out, ",\"by\":[");
	for (d = 0; d < EXPORT_DIMS; d++)
		if (t->by & (1u << d)) {
			fprintf(out, "%s\"%s\"", first ? "" : ",",
			    export_dim_name(d));
			first = 0;
		}
	fprintf(out, "],\"k\":%d,\"rows\":[", t->k);
	for (i = 0; i < t->n_cells; i++) {
		fprintf(out, "%s{", i ? "," : "");
		for (d = 0; d < EXPORT_DIMS; d++)
			if (t->by & (1u << d)) {
				fprintf(out, "\"%s\":", export_dim_name(d));
				export_json_str(out, t->cells[i].key[d]);
				putc(',', out);
			}
		export_json_counts(out, &t->cells[i]);
		putc('}', out);
	}
	fprintf(out, "],\"generalised\":{\"area_to_group\":%ld,"
	    "\"month_to_quarter\":%ld},\"suppressed\":{\"cells\":%ld,",
	    t->generalised_area, t->generalised_month, t->suppressed_cells);
	export_json_counts(out, &t->suppressed);
	fprintf(out, "},\"total\":{");
	export_json_counts(out, &t->total);
	if (m->epsilon > 0)
		fprintf(out, "},\"epsilon\":%g,\"epsilon_per_count\":%g,"
		    "\"noise_bound_99\":%ld}\n", m->epsilon, m->eps_count,
		    m->bound99);
	else
		fprintf(out, "},\"epsilon\":null,\"noise_bound_99\":0}\n");
}
