/*
 * export.c: `farolctl export' (export.h). Reads the database directly,
 * with blocking libpq (a tool, never the daemon): as observatory.conninfo
 * (the read-only role farol_observatory) or else database.conninfo, so no
 * farold needs to run. In one transaction it records the export and, with
 * --epsilon, spends the privacy budget of every month the period touches
 * (farol_export_record refuses an export over budget, and nothing is
 * read), then reads the counted alerts (farol_export_alerts: codes,
 * counts and a month, nothing else). The table is made and printed only
 * after the commit.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cause.h"
#include "config.h"
#include "ctdc.h"
#include "export.h"

/* With --epsilon an alert counts under at most this many CTDC categories:
 * the bound on what one person changes, which sets the noise. */
#define EXPORT_DP_MAX_FORMS 2

struct export_args {
	const char *since, *until, *reason;
	char since_buf[16], until_buf[16];
	unsigned by;
	int json;
	double epsilon;
};

static void
export_usage(void)
{
	fprintf(stderr, "usage: farolctl export --since YYYY-MM --until YYYY-MM "
	    "[--by area,form,month,sex,minor] [--format csv|json] "
	    "[--epsilon E] [--reason TEXT]\n");
}

static int
export_parse_by(const char *list, unsigned *by)
{
	char buf[128], *word, *save = NULL;
	int d;

	snprintf(buf, sizeof buf, "%s", list);
	*by = 0;
	for (word = strtok_r(buf, ",", &save); word != NULL;
	    word = strtok_r(NULL, ",", &save)) {
		for (d = 0; d < EXPORT_DIMS; d++)
			if (strcmp(word, export_dim_name(d)) == 0)
				break;
		if (d == EXPORT_DIMS) {
			fprintf(stderr, "farolctl export: --by: unknown "
			    "column \"%s\" (area, form, month, sex, minor)\n",
			    word);
			return -1;
		}
		*by |= 1u << d;
	}
	return 0;
}

/*
 * A period's end: the first day of a month, "2025-03" or "2025-03-01",
 * into buf as "2025-03-01". Whole months only: a finer end would let two
 * exports be subtracted to isolate a few days' reports, and would make a
 * month's row hold part of a month.
 */
static int
export_month_start(const char *arg, char *buf, size_t size)
{
	int y, m, d = 1, n = 0;

	if ((sscanf(arg, "%4d-%2d%n", &y, &m, &n) != 2 || arg[n] != '\0') &&
	    (sscanf(arg, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    arg[n] != '\0'))
		return -1;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d != 1)
		return -1;
	snprintf(buf, size, "%04d-%02d-01", y, m);
	return 0;
}

static int
export_parse_args(int argc, char **argv, struct export_args *a)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "epsilon", required_argument, NULL, 'e' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	memset(a, 0, sizeof *a);
	a->reason = "";
	a->by = 1u << EXPORT_AREA | 1u << EXPORT_FORM | 1u << EXPORT_MONTH;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			a->since = optarg;
			break;
		case 'u':
			a->until = optarg;
			break;
		case 'b':
			if (export_parse_by(optarg, &a->by) != 0)
				return -1;
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0 &&
			    strcmp(optarg, "json") != 0) {
				fprintf(stderr, "farolctl export: --format "
				    "csv or json\n");
				return -1;
			}
			a->json = strcmp(optarg, "json") == 0;
			break;
		case 'e':
			a->epsilon = strtod(optarg, &end);
			/* Below 0.01 the noise (hundreds) drowns every
			 * figure, and drawing it takes ever longer. */
			if (*end != '\0' || !(a->epsilon >= 0.01)) {
				fprintf(stderr, "farolctl export: --epsilon "
				    "must be a number, 0.01 or more\n");
				return -1;
			}
			break;
		case 'r':
			a->reason = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || a->since == NULL || a->until == NULL)
		return -1;
	if (export_month_start(a->since, a->since_buf, sizeof a->since_buf)
	    != 0 || export_month_start(a->until, a->until_buf,
	    sizeof a->until_buf) != 0) {
		fprintf(stderr, "farolctl export: --since and --until are the "
		    "first day of a month (2025-03 or 2025-03-01)\n");
		return -1;
	}
	a->since = a->since_buf;
	a->until = a->until_buf;
	return 0;
}

/* The codebook's form codes in "{SX,TF}" as CTDC category bits; a code
 * the config no longer has, or none, is "other". */
static unsigned
export_ctdc_bits(const struct config *cfg, const char *array)
{
	const struct codebook *cb = &cfg->codebook;
	char buf[512], *word, *save = NULL;
	unsigned bits = 0;
	int i;

	snprintf(buf, sizeof buf, "%s", array);
	for (word = strtok_r(buf, "{},\"", &save); word != NULL;
	    word = strtok_r(NULL, "{},\"", &save)) {
		for (i = 0; i < cb->n_forms; i++)
			if (strcmp(cb->forms[i].code, word) == 0)
				break;
		bits |= 1u << (i < cb->n_forms ? cfg->export.form_ctdc[i] :
		    CTDC_OTHER);
	}
	return bits ? bits : 1u << CTDC_OTHER;
}

static int
export_area_index(const struct config *cfg, const char *code)
{
	for (int i = 0; i < cfg->codebook.n_areas; i++)
		if (strcmp(cfg->codebook.areas[i].code, code) == 0)
			return i;
	return -1;
}

static int
export_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? -1 :
	    atoi(PQgetvalue(res, row, col));
}

static int
export_records(const struct config *cfg, const PGresult *res,
    struct export_record **out, size_t *n)
{
	struct export_record *r;
	int i, rows = PQntuples(res);

	if ((r = calloc(rows ? (size_t)rows : 1, sizeof *r)) == NULL)
		return -1;
	for (i = 0; i < rows; i++) {
		r[i].area = PQgetisnull(res, i, 0) ? -1 :
		    export_area_index(cfg, PQgetvalue(res, i, 0));
		r[i].ctdc = export_ctdc_bits(cfg, PQgetvalue(res, i, 1));
		snprintf(r[i].month, sizeof r[i].month, "%s",
		    PQgetvalue(res, i, 2));
		r[i].victims = export_int(res, i, 3);
		r[i].females = export_int(res, i, 4);
		r[i].males = export_int(res, i, 5);
		r[i].minor = strcmp(PQgetvalue(res, i, 6), "t") == 0;
	}
	*out = r;
	*n = (size_t)rows;
	return 0;
}

static int
export_ok(PGconn *conn, PGresult *res, const char *what, char **cause)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	cause_set(cause, "%s: %s", what, PQerrorMessage(conn));
	return -1;
}

/*
 * Record the export (spending the budget) and read its alerts, in one
 * transaction. Returns 0, 1 when over budget (*cause says why), -1 on an
 * error.
 */
static int
export_read(const struct config *cfg, const struct export_args *a,
    const char *by, struct export_record **recs, size_t *n, char **cause)
{
	const char *conninfo = cfg->export.conninfo[0] != '\0' ?
	    cfg->export.conninfo : cfg->conninfo;
	struct passwd *pw = getpwuid(getuid());
	char eps[32], budget[32];
	const char *params[7];
	PGconn *conn = PQconnectdb(conninfo);
	PGresult *res = NULL;
	int rc = -1;

	if (PQstatus(conn) != CONNECTION_OK) {
		cause_set(cause, "cannot connect: %s", PQerrorMessage(conn));
		goto out;
	}
	res = PQexec(conn, "BEGIN");
	if (export_ok(conn, res, "begin", cause) != 0)
		goto out;
	PQclear(res);
	snprintf(eps, sizeof eps, "%.17g", a->epsilon);
	snprintf(budget, sizeof budget, "%.17g", cfg->export.epsilon_budget);
	params[0] = pw != NULL ? pw->pw_name : "?";
	params[1] = a->since;
	params[2] = a->until;
	params[3] = by;
	params[4] = a->epsilon > 0 ? eps : NULL;
	params[5] = budget;
	params[6] = a->reason;
	res = PQexecParams(conn, "SELECT result, to_char(month, 'YYYY-MM'), "
	    "spent FROM farol_export_record($1, $2, $3, $4, $5, $6, $7)", 7,
	    NULL, params, NULL, NULL, 0);
	if (export_ok(conn, res, "recording the export", cause) != 0)
		goto out;
	if (strcmp(PQgetvalue(res, 0, 0), "over_budget") == 0) {
		cause_set(cause, "refused: the alerts of %s have already "
		    "spent epsilon %s of their budget %g "
		    "(observatory.epsilon_budget); this export would spend "
		    "%g more", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		    cfg->export.epsilon_budget, a->epsilon);
		rc = 1;
		goto out;
	}
	PQclear(res);
	res = PQexecParams(conn, "SELECT area, forms, month, victims, "
	    "females, males, minor FROM farol_export_alerts($1, $2)", 2, NULL,
	    params + 1, NULL, NULL, 0);
	if (export_ok(conn, res, "reading the alerts", cause) != 0)
		goto out;
	if (export_records(cfg, res, recs, n) != 0) {
		cause_set(cause, "out of memory");
		goto out;
	}
	PQclear(res);
	res = PQexec(conn, "COMMIT");
	if (export_ok(conn, res, "commit", cause) != 0) {
		free(*recs);
		*recs = NULL;
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* Print why the export failed (libpq's messages end in a newline). */
static void
export_fail(char *cause)
{
	size_t len = cause != NULL ? strlen(cause) : 0;

	while (len > 0 && cause[len - 1] == '\n')
		cause[--len] = '\0';
	fprintf(stderr, "farolctl export: %s\n", cause != NULL ? cause :
	    "failed");
	free(cause);
}

int
export_main(const struct config *cfg, int argc, char **argv)
{
	struct export_args a;
	struct export_table t;
	struct export_record *recs = NULL;
	struct export_meta m;
	char by[64], *cause = NULL;
	size_t n = 0, len = 0;
	int max_forms = 0, rc;

	if (export_parse_args(argc, argv, &a) != 0) {
		export_usage();
		return 2;
	}
	if (a.epsilon > cfg->export.epsilon_budget) {
		fprintf(stderr, "farolctl export: refused: epsilon %g is more "
		    "than a month's whole budget %g "
		    "(observatory.epsilon_budget)\n", a.epsilon,
		    cfg->export.epsilon_budget);
		return 1;
	}
	by[0] = '\0';
	for (int d = 0; d < EXPORT_DIMS; d++)
		if (a.by & (1u << d))
			len += (size_t)snprintf(by + len, sizeof by - len,
			    "%s%s", len ? "," : "", export_dim_name(d));
	memset(&m, 0, sizeof m);
	m.since = a.since;
	m.until = a.until;
	if (a.epsilon > 0) {
		max_forms = a.by & (1u << EXPORT_FORM) ?
		    EXPORT_DP_MAX_FORMS : 1;
		/* One person changes, in each of at most max_forms cells,
		 * alerts by one and victims or victims_unknown by one. */
		m.epsilon = a.epsilon;
		m.eps_count = a.epsilon / (2.0 * max_forms);
		m.bound99 = export_noise_bound(m.eps_count, 0.99);
	}
	if ((rc = export_read(cfg, &a, by, &recs, &n, &cause)) != 0) {
		export_fail(cause);
		return 1;
	}
	rc = export_tabulate(cfg, recs, n, a.by, cfg->export.k, max_forms, &t,
	    &cause);
	free(recs);
	if (rc == 0 && a.epsilon > 0 && export_noise_add(&t, m.eps_count) !=
	    0) {
		cause_set(&cause, "the random source (getrandom) failed");
		rc = -1;
	}
	if (rc != 0) {
		export_fail(cause);
		export_table_free(&t);
		return 1;
	}
	if (a.json)
		export_write_json(stdout, &t, &m);
	else
		export_write_csv(stdout, &t, &m);
	export_table_free(&t);
	return fflush(stdout) == 0 ? 0 : 1;
}
