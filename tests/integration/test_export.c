/*
 * test_export.c: `farolctl export' (suite `integration`), the
 * Observatory's figures, against a real PostgreSQL:
 *   - a synthetic year of alerts (several thousand, skewed like real
 *     reports: many on Santiago and Sal, few on Brava; some with many
 *     victims, some with no count) is stored through the ingest function
 *     (farol_ingest_many, as farold stores), with a few that must not be
 *     counted (invalid, cancelled, outside the period);
 *   - it is exported as farol_observatory (the read-only role) and the
 *     CSV checked by a k-anonymity checker written here, apart from the
 *     exporter: every row counts at least k people, every value is an
 *     allowed one, the rows and the footer's suppressed cells add up to
 *     this test's own totals (so no row overlaps another), nothing like a
 *     number or text leaks; victims count people (V12 is 12), an unknown
 *     count stays unknown;
 *   - repeated exports with --epsilon stay within the stated 99% bound of
 *     their noise, the budget is recorded per month, and an export over
 *     it is refused;
 *   - each export is recorded with its role, user and reason; JSON holds
 *     the same figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"

#define DB "farol_export"
#define N_ALERTS 4000
#define K 11
#define BATCH 500
#define DP_RUNS 20

static struct pgcluster *pg;
static struct gateway_proc g;
static char *ci;		/* the test database, as the superuser */

/* One number from sql in the test database; LONG_MIN on an error (its
 * message, not the SQL, on stderr). */
static long
q_long(const char *sql)
{
	PGconn *conn = PQconnectdb(ci);
	PGresult *res = PQexec(conn, sql);
	long v = LONG_MIN;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	else
		fprintf(stderr, "test_export: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return v;
}

/* The test's own record of what it stored: the truth the export must
 * add up to. */
static long truth_alerts, truth_victims, truth_unknown, truth_form_alerts,
    truth_form_victims, truth_form_unknown, truth_v12;

static unsigned long long rng = 0x2545F4914F6CDD1DULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Pick an index by weights (percent, summing to 100). */
static int
pick(const int *w, int n)
{
	int r = (int)rnd(100), i;

	for (i = 0; i < n - 1; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

static const char *const areas[] = { "ST", "SL", "SV", "BV", "FG", "SA",
    "SN", "MA", "BR" };
static const int area_w[] = { 40, 22, 14, 8, 6, 4, 3, 2, 1 };
static const char *const forms[] = { "SX", "TF", "DM", "MD", "CR", "CM",
    "OR", "CT", "OU" };
static const int form_w[] = { 35, 20, 15, 8, 5, 4, 1, 7, 5 };
/* The forms' CTDC categories in config/farol.conf: CR, CT and OU are
 * all "other". */
static const int form_ctdc[] = { 0, 1, 2, 3, 4, 5, 6, 4, 4 };

static const int mdays[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273,
    304, 334 };

/* One alert's JSON for farol_ingest_many; counts the truth. */
static void
synth_alert(FILE *f, int i, int first)
{
	int a = pick(area_w, 9), f1 = pick(form_w, 9), f2 = -1, month, day;
	int v = -1, fe = -1, ma = -1, minor = rnd(10) < 3, r;
	const char *state = "received";
	char counts[96] = "";
	long epoch;

	if (rnd(10) == 0)
		do
			f2 = pick(form_w, 9);
		while (f2 == f1);
	r = (int)rnd(100);
	if (r < 15)
		v = -1;				/* no count reported */
	else if (r < 85)
		v = 1 + (int)rnd(3);
	else
		v = 4 + (int)rnd(9);		/* up to V12 */
	if (v > 0 && rnd(2) == 0) {
		fe = (int)rnd((unsigned)v + 1);
		ma = rnd(2) ? v - fe : -1;
	}
	month = (int)rnd(12);
	day = (int)rnd(28);
	/* 2025-01-01 00:00 UTC, then the day, at noon */
	epoch = 1735689600L + (long)(mdays[month] + day) * 86400 + 12 * 3600;
	if (i % 97 == 0)
		state = "invalid";
	else if (i % 89 == 0)
		state = "cancelled";
	else if (i % 83 == 0)
		epoch = 1735689600L - 86400;	/* 2024-12-31: outside */
	if (v > 0)
		snprintf(counts, sizeof counts, ",\"victims\":%d", v);
	if (fe >= 0)
		snprintf(counts + strlen(counts), sizeof counts -
		    strlen(counts), ",\"females\":%d", fe);
	if (ma >= 0)
		snprintf(counts + strlen(counts), sizeof counts -
		    strlen(counts), ",\"males\":%d", ma);
	fprintf(f, "%s{\"modem\":\"cv1\",\"sender\":\"+23899%05d\","
	    "\"text\":\"ALERTA %s %s sintetico %d\",\"received_at\":%ld,"
	    "\"parts\":1,\"concat_ref\":-1,\"kind\":\"sms\","
	    "\"parts_expected\":1,\"alert\":{\"area\":\"%s\","
	    "\"forms\":[\"%s\"%s%s%s],\"urgency\":2%s,\"minor\":%s,"
	    "\"state\":\"%s\",\"text\":\"sintetico %d\"},\"outbox\":[]}",
	    first ? "" : ",", i % 100000, areas[a], forms[f1], i, epoch,
	    areas[a], forms[f1], f2 >= 0 ? ",\"" : "",
	    f2 >= 0 ? forms[f2] : "", f2 >= 0 ? "\"" : "", counts,
	    minor ? "true" : "false", state, i);
	if (strcmp(state, "received") != 0 || epoch < 1735689600L)
		return;
	truth_alerts++;
	truth_victims += v > 0 ? v : 0;
	truth_unknown += v < 0;
	/* By form: once per distinct CTDC category. */
	for (int c = 0; c < 7; c++)
		if (form_ctdc[f1] == c || (f2 >= 0 && form_ctdc[f2] == c)) {
			truth_form_alerts++;
			truth_form_victims += v > 0 ? v : 0;
			truth_form_unknown += v < 0;
		}
	truth_v12 += v == 12;
}

static void
synth_store(void)
{
	char *sql;
	size_t len;
	FILE *f;
	int i;

	for (i = 0; i < N_ALERTS; i += BATCH) {
		f = open_memstream(&sql, &len);
		REQUIRE(f != NULL, "memstream");
		fprintf(f, "SELECT count(*) FROM farol_ingest_many('[");
		for (int j = i; j < i + BATCH; j++)
			synth_alert(f, j, j == i);
		fprintf(f, "]'::jsonb)");
		fclose(f);
		CHECK(q_long(sql) == BATCH, "batch %d", i);
		free(sql);
	}
}

/* --- The independent checker: reads the CSV only. --- */

struct csv {
	char *cols[8];
	int n_cols;
	char *rows[2048][8];
	int n_rows;
	char *footer_key[32], *footer_val[32];
	int n_footer;
};

static int
csv_split(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, ',')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

/* Parse text (modified in place) into c; -1 when malformed. */
static int
csv_parse(char *text, struct csv *c)
{
	char *line, *save = NULL;
	int first = 1;

	memset(c, 0, sizeof *c);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			char *comma = strchr(line, ',');

			if (comma == NULL || c->n_footer == 32)
				return -1;
			*comma = '\0';
			c->footer_key[c->n_footer] = line + 2;
			c->footer_val[c->n_footer++] = comma + 1;
		} else if (first) {
			c->n_cols = csv_split(line, c->cols, 8);
			first = 0;
		} else {
			if (c->n_rows == 2048 || csv_split(line,
			    c->rows[c->n_rows], 8) != c->n_cols)
				return -1;
			c->n_rows++;
		}
	}
	return first ? -1 : 0;
}

static long
csv_footer(const struct csv *c, const char *key)
{
	for (int i = 0; i < c->n_footer; i++)
		if (strcmp(c->footer_key[i], key) == 0)
			return strtol(c->footer_val[i], NULL, 10);
	return LONG_MIN;
}

static int
csv_col(const struct csv *c, const char *name)
{
	for (int i = 0; i < c->n_cols; i++)
		if (strcmp(c->cols[i], name) == 0)
			return i;
	return -1;
}

static long
csv_sum(const struct csv *c, const char *name)
{
	int col = csv_col(c, name);
	long sum = 0;

	if (col < 0)
		return LONG_MIN;
	for (int r = 0; r < c->n_rows; r++)
		sum += strtol(c->rows[r][col], NULL, 10);
	return sum;
}

static int
in_list(const char *v, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

/* A quasi-identifier value is one of the published vocabulary. */
static int
allowed(const char *col, const char *v)
{
	static const char *const area_ok[] = { "Santo Antão", "São Vicente",
	    "São Nicolau", "Sal", "Boa Vista", "Maio", "Santiago", "Fogo",
	    "Brava", "Barlavento", "Sotavento", "unknown", NULL };
	static const char *const form_ok[] = { "sexual_exploitation",
	    "forced_labour", "forced_labour/domestic_work",
	    "forced_labour/begging", "forced_marriage", "organ_removal",
	    "other", NULL };
	static const char *const sex_ok[] = { "female", "male", "unknown",
	    NULL };
	static const char *const minor_ok[] = { "minor", "unknown", NULL };

	if (strcmp(col, "area") == 0)
		return in_list(v, area_ok);
	if (strcmp(col, "form") == 0)
		return in_list(v, form_ok);
	if (strcmp(col, "sex") == 0)
		return in_list(v, sex_ok);
	if (strcmp(col, "minor") == 0)
		return in_list(v, minor_ok);
	if (strcmp(col, "month") == 0)
		return strlen(v) == 7 && strncmp(v, "2025-", 5) == 0 &&
		    ((v[5] == 'Q' && v[6] >= '1' && v[6] <= '4') ||
		    (v[5] >= '0' && v[5] <= '1'));
	return 0;
}

/*
 * The k-anonymity check: every row's people (victims, plus one per alert
 * of unknown count) at least k; every quasi-identifier value allowed;
 * rows plus suppressed add up to the totals the footer states and those
 * to want_alerts/want_victims (the test's truth): no row overlaps another
 * and nothing is lost.
 */
static void
check_k_anonymous(const char *what, char *text, long want_alerts,
    long want_victims, long want_unknown)
{
	struct csv c;
	int vcol, ucol, r, col, small = 0, bad = 0, dup = 0;

	REQUIRE(csv_parse(text, &c) == 0, "%s: CSV parses", what);
	vcol = csv_col(&c, "victims");
	ucol = csv_col(&c, "victims_unknown");
	CHECK(vcol >= 0 && ucol >= 0 && csv_col(&c, "alerts") >= 0,
	    "%s: counts columns", what);
	CHECK(c.n_rows > 5, "%s: rows %d", what, c.n_rows);
	for (r = 0; r < c.n_rows; r++) {
		if (strtol(c.rows[r][vcol], NULL, 10) +
		    strtol(c.rows[r][ucol], NULL, 10) < K)
			small++;
		for (col = 0; col < c.n_cols; col++)
			if (col < vcol - 1 && !allowed(c.cols[col],
			    c.rows[r][col]))
				bad++;
	}
	CHECK(small == 0, "%s: %d rows below k", what, small);
	/* One row per combination: a second would split a cell. */
	for (r = 0; r < c.n_rows; r++)
		for (int r2 = r + 1; r2 < c.n_rows; r2++) {
			for (col = 0; col < vcol - 1; col++)
				if (strcmp(c.rows[r][col], c.rows[r2][col]) !=
				    0)
					break;
			dup += col == vcol - 1;
		}
	CHECK(dup == 0, "%s: %d rows repeat a combination", what, dup);
	CHECK(bad == 0, "%s: %d values outside the vocabulary", what, bad);
	CHECK(csv_footer(&c, "k") == K, "%s: k in the footer", what);
	CHECK(csv_sum(&c, "alerts") + csv_footer(&c, "suppressed_alerts") ==
	    csv_footer(&c, "total_alerts"), "%s: alerts add up", what);
	CHECK(csv_sum(&c, "victims") + csv_footer(&c, "suppressed_victims")
	    == csv_footer(&c, "total_victims"), "%s: victims add up", what);
	CHECK(want_alerts < 0 || csv_footer(&c, "total_alerts") ==
	    want_alerts,
	    "%s: total alerts %ld, stored %ld", what,
	    csv_footer(&c, "total_alerts"), want_alerts);
	CHECK(csv_footer(&c, "total_victims") == want_victims,
	    "%s: total victims %ld, stored %ld", what,
	    csv_footer(&c, "total_victims"), want_victims);
	CHECK(csv_footer(&c, "total_victims_unknown") == want_unknown,
	    "%s: alerts of unknown count %ld, stored %ld", what,
	    csv_footer(&c, "total_victims_unknown"), want_unknown);
	CHECK(csv_footer(&c, "suppressed_cells") >= 0 &&
	    csv_footer(&c, "suppressed_alerts") >= 0, "%s: suppressed "
	    "accounted", what);
}

/* noinline: gcc 12 otherwise takes the returned text for a pointer to
 * the local out (-Wdangling-pointer). */
static __attribute__((noinline)) char *
export(int *rc, const char *by, const char *epsilon)
{
	char *out = NULL;

	if (epsilon != NULL)
		*rc = console_run(&g, &out, "-c", g.conf, "export", "--since",
		    "2025-01-01", "--until", "2026-01-01", "--by", by,
		    "--epsilon", epsilon, NULL);
	else
		*rc = console_run(&g, &out, "-c", g.conf, "export", "--since",
		    "2025-01-01", "--until", "2026-01-01", "--by", by, NULL);
	return out;
}

static void
test_k_anonymity(void)
{
	char *out;
	int rc;

	out = export(&rc, "area,form,month", NULL);
	REQUIRE(rc == 0 && out != NULL, "export by area,form,month: rc=%d",
	    rc);
	CHECK(strstr(out, "+238") == NULL && strstr(out, "sintetico") ==
	    NULL && strstr(out, "ALERTA") == NULL, "no number or text");
	CHECK(strstr(out, "\nSotavento,") != NULL, "Sotavento: the small "
	    "islands, generalised");
	CHECK(strstr(out, "-Q") != NULL, "some months generalised to "
	    "quarters");
	CHECK(strstr(out, "# suppressed_cells,0\n") == NULL, "some cells "
	    "suppressed");
	check_k_anonymous("area,form,month", out, truth_form_alerts,
	    truth_form_victims, truth_form_unknown);
	free(out);
}

/* Sex and minor: people by sex, an unknown count or sex stays unknown. */
static void
test_sex_minor(void)
{
	char *out;
	int rc;

	out = export(&rc, "area,sex,minor", NULL);
	REQUIRE(rc == 0 && out != NULL, "export by area,sex,minor: rc=%d",
	    rc);
	CHECK(strstr(out, ",female,") != NULL && strstr(out, ",male,") !=
	    NULL && strstr(out, ",unknown,minor,") != NULL &&
	    strstr(out, ",unknown,unknown,") != NULL, "sex and minor values");
	CHECK(strstr(out, ",adult") == NULL, "no age is guessed");
	/* An alert's victims split by sex: the same people, more cells. */
	check_k_anonymous("area,sex,minor", out, -1, truth_victims,
	    truth_unknown);
	free(out);
	out = export(&rc, "month", NULL);
	REQUIRE(rc == 0 && out != NULL, "export by month: rc=%d", rc);
	check_k_anonymous("month", out, truth_alerts, truth_victims,
	    truth_unknown);
	/* The totals matched the sum of V: with V12 among them, a V12 alert
	 * counted 12 victims, not one case. */
	CHECK(truth_v12 > 0, "the year has V12 alerts");
	free(out);
}

/* The true cells of an export by area,month, keyed "area,month". */
struct cellv {
	char key[80];
	long v[3];
};

static int
cells_of(char *text, struct cellv *cells, int max)
{
	struct csv c;
	int n = 0;

	if (csv_parse(text, &c) != 0)
		return -1;
	for (int r = 0; r < c.n_rows && n < max; r++, n++) {
		snprintf(cells[n].key, sizeof cells[n].key, "%s,%s",
		    c.rows[r][0], c.rows[r][1]);
		for (int j = 0; j < 3; j++)
			cells[n].v[j] = strtol(c.rows[r][2 + j], NULL, 10);
	}
	return n;
}

static long
bound_of(const char *text)
{
	const char *p = strstr(text, "# noise_bound_99,");
	long b = -1;

	if (p == NULL || sscanf(p, "# noise_bound_99,%ld", &b) != 1)
		return -1;
	return b;
}

/*
 * Repeated exports with epsilon: the same cells as the exact export, each
 * count off by more than the stated 99% bound at most rarely (expected 1%;
 * allowed 3%), and not all exact; the budget spent per month recorded;
 * an export over it refused, spending nothing.
 */
static void
test_epsilon(void)
{
	static struct cellv truth[256], noisy[256];
	char *out;
	long bound = -1, counts = 0, over = 0, moved = 0, n_log;
	int rc, n_truth, n, runs = 0;

	out = export(&rc, "area,month", NULL);
	REQUIRE(rc == 0 && out != NULL, "exact export by area,month");
	n_truth = cells_of(out, truth, 256);
	free(out);
	REQUIRE(n_truth > 10, "cells %d", n_truth);
	for (int i = 0; i < DP_RUNS; i++) {
		out = export(&rc, "area,month", "1");
		CHECK(rc == 0 && out != NULL, "export with epsilon 1: rc=%d",
		    rc);
		if (rc != 0 || out == NULL) {
			free(out);
			continue;
		}
		bound = bound_of(out);
		n = cells_of(out, noisy, 256);
		CHECK(n == n_truth, "the same cells: %d, exact %d", n,
		    n_truth);
		for (int j = 0; j < n && j < n_truth; j++) {
			CHECK(strcmp(noisy[j].key, truth[j].key) == 0,
			    "cell %s", noisy[j].key);
			for (int x = 0; x < 3; x++) {
				long d = labs(noisy[j].v[x] - truth[j].v[x]);

				counts++;
				over += d > bound;
				moved += d != 0;
			}
		}
		runs++;
		free(out);
	}
	/* epsilon 1 over 2 counts a person changes: 0.5 each, bound 9 */
	CHECK(bound == 9, "the stated 99%% bound %ld", bound);
	CHECK(counts > 1000, "counts compared %ld", counts);
	CHECK(over * 100 <= counts * 3, "%ld of %ld counts beyond the 99%% "
	    "bound", over, counts);
	CHECK(moved * 2 > counts, "noise was added: %ld of %ld counts moved",
	    moved, counts);
	CHECK(q_long("SELECT (max(spent) * 10)::bigint "
	    "FROM export_budget") == runs * 10L, "spent per month: %d runs",
	    runs);
	CHECK(q_long("SELECT count(*) FROM export_budget") ==
	    12, "12 months recorded");
	n_log = q_long("SELECT count(*) FROM export_log");

	/* The budget is 30: 20 spent, 11 more refused, nothing spent. */
	out = export(&rc, "area,month", "11");
	CHECK(rc == 1, "over budget refused: rc=%d", rc);
	CHECK(out == NULL || strchr(out, ',') == NULL, "and nothing printed");
	free(out);
	CHECK(q_long("SELECT (max(spent) * 10)::bigint "
	    "FROM export_budget") == runs * 10L, "nothing spent");
	CHECK(q_long("SELECT count(*) FROM export_log") ==
	    n_log, "nothing recorded");
	out = export(&rc, "area,month", "10");
	CHECK(rc == 0, "the rest of the budget: rc=%d", rc);
	free(out);
	out = export(&rc, "month", "0.5");
	CHECK(rc == 1, "nothing left: rc=%d", rc);
	free(out);
	out = export(&rc, "month", NULL);
	CHECK(rc == 0, "exact figures spend no budget: rc=%d", rc);
	free(out);
}

/* Every export is recorded with who and why; JSON says the same. */
static void
test_record_and_json(void)
{
	char *out = NULL, want[64];
	int rc;

	rc = console_run(&g, &out, "-c", g.conf, "export", "--since",
	    "2025-01-01", "--until", "2026-01-01", "--format", "json",
	    "--reason", "CTDC 2025", NULL);
	CHECK(rc == 0 && out != NULL && out[0] == '{' &&
	    strstr(out, "\"rows\":[{\"area\":") != NULL, "JSON rows");
	snprintf(want, sizeof want, "\"total\":{\"alerts\":%ld,",
	    truth_form_alerts);
	CHECK(out != NULL && strstr(out, want) != NULL, "JSON total: want "
	    "%s", want);
	free(out);
	rc = console_run(&g, NULL, "-c", g.conf, "export", "--since",
	    "2025-03-14", "--until", "2025-03-21", NULL);
	CHECK(rc == 2, "a period finer than months refused: rc=%d", rc);
	CHECK(q_long("SELECT count(*) FROM export_log WHERE reason = "
	    "'CTDC 2025' AND who LIKE 'farol_observatory as %' AND by = "
	    "'area,form,month' AND epsilon IS NULL") == 1, "the export "
	    "recorded with its role, user and reason");
}

int
main(void)
{
	char *obs, from[64], to[600];

	REQUIRE((pg = pgcluster_start("export")) != NULL, "PostgreSQL");
	REQUIRE(pgcluster_exec(pg, "CREATE DATABASE " DB) == 0, "database");
	REQUIRE(asprintf(&ci, "%s dbname=" DB " user=farol",
	    pgcluster_conninfo(pg)) > 0, "conninfo");
	REQUIRE(asprintf(&obs, "%s dbname=" DB " user=farol_observatory",
	    pgcluster_conninfo(pg)) > 0, "conninfo");
	REQUIRE(gateway_proc_init(&g, ci) == 0, "init");
	REQUIRE(console_run(&g, NULL, "db", "init", "--conninfo", ci, NULL)
	    == 0, "db init");
	snprintf(from, sizeof from, "epsilon_budget = 1.0;");
	snprintf(to, sizeof to, "conninfo = \"%s\"; epsilon_budget = 30;",
	    obs);
	REQUIRE(gateway_proc_edit_config(&g, from, to) == 0, "config");
	/* The synthetic year, stored as farold stores (as the superuser). */
	synth_store();
	test_k_anonymity();
	test_sex_minor();
	test_epsilon();
	test_record_and_json();
	free(ci);
	free(obs);
	gateway_proc_destroy(&g);
	pgcluster_destroy(pg);
	return check_status();
}
