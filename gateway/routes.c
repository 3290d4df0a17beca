/*
 * routes.c: the whole routing table of a config file, and its gaps (see
 * routes.h). Called by farolctl only.
 *
 * The table is route_decide() asked for every area, form, urgency and
 * minor flag, at every time at which some rule's window opens or closes
 * on every day of the week: between two such times nothing can change.
 * Times are local, on the week of Sunday 1 January 2023. Must never
 * happen here: a routing answer computed otherwise than by route_decide
 * (the table would drift from what farold does).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide_route.h"
#include "routes.h"

#define ROUTES_DAY_MIN (24 * 60)
#define ROUTES_MAX_TIMES (2 * CONFIG_MAX_RULES + 1)

static const char *const routes_days[] = { "sun", "mon", "tue", "wed",
    "thu", "fri", "sat" };

/* A valid ALERTA for one cell of the table. */
static void
routes_report(struct report *r, int area, int form, int urgency, int minor)
{
	memset(r, 0, sizeof *r);
	r->cmd = REPORT_CMD_ALERTA;
	r->err = REPORT_ERR_NONE;
	r->area = area;
	r->text_area = -1;
	r->forms[0] = form;
	r->n_forms = 1;
	r->urgency = urgency;
	r->victims = r->females = r->males = -1;
	r->minor = minor;
}

/* day (0 sunday) at minute min, local time. */
static time_t
routes_time(int day, int min)
{
	struct tm tm = { .tm_year = 123, .tm_mon = 0, .tm_mday = 1 + day,
	    .tm_hour = min / 60, .tm_min = min % 60, .tm_isdst = -1 };

	return mktime(&tm);
}

/* The senders' routing: a registered focal point's (rules apply). */
static const char *
routes_sender(const struct config *cfg)
{
	for (int i = 0; i < cfg->n_focal; i++)
		if (cfg->focal[i].active)
			return cfg->focal[i].phone;
	return NULL;
}

/* The minutes at which some rule's window opens or closes, and 0. */
static int
routes_times(const struct config *cfg, const struct routes_filter *f,
    int *times)
{
	int n = 0, j;

	if (f != NULL && f->at_min >= 0) {
		times[0] = f->at_min;
		return 1;
	}
	times[n++] = 0;
	for (int i = 0; i < cfg->n_rules; i++) {
		int t[2] = { cfg->rules[i].from_min, cfg->rules[i].to_min };

		if (t[0] < 0)
			continue;
		for (int k = 0; k < 2; k++) {
			for (j = 0; j < n && times[j] != t[k]; j++)
				;
			if (j == n && n < ROUTES_MAX_TIMES)
				times[n++] = t[k];
		}
	}
	/* Few: insertion sort. */
	for (int i = 1; i < n; i++)
		for (j = i; j > 0 && times[j - 1] > times[j]; j--) {
			int x = times[j];

			times[j] = times[j - 1];
			times[j - 1] = x;
		}
	return n;
}

static void
routes_after(FILE *s, long t)
{
	if (t == 0)
		fprintf(s, "+0");
	else if (t % 3600 == 0)
		fprintf(s, "+%ldh", t / 3600);
	else if (t % 60 == 0 && t > 3600)
		fprintf(s, "+%ldh%02ldm", t / 3600, t % 3600 / 60);
	else if (t % 60 == 0)
		fprintf(s, "+%ldm", t / 60);
	else
		fprintf(s, "+%lds", t);
}

/* What the plan says, in one line (who at once, who at each rung, when).
 * Caller frees. */
static char *
routes_plan_text(const struct config *cfg, const struct route_plan *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&text, &len);
	long last = -1;

	if (s == NULL)
		return NULL;
	if (p->n_authorities == 0)
		fprintf(s, "NOBODY");
	else if (p->digest_only) {
		fprintf(s, "digest at %02d:%02d:", cfg->digest_at_s / 3600,
		    cfg->digest_at_s % 3600 / 60);
		for (int i = 0; i < p->n_authorities; i++)
			fprintf(s, " %s", cfg->authorities[p->authorities[i]].id);
	}
	for (int i = 0; !p->digest_only && i < p->n_steps; i++) {
		const struct route_step *st = &p->steps[i];

		if (st->after_s != last) {
			if (last >= 0)
				fprintf(s, ";");
			fprintf(s, last >= 0 ? " " : "");
			routes_after(s, st->after_s);
			last = st->after_s;
		}
		if (st->authority < 0)
			fprintf(s, " admin/%d", st->rung + 1);
		else
			fprintf(s, " %s/%d%s", cfg->authorities[st->authority].id,
			    st->rung + 1, st->attempt > 0 ? "(again)" : "");
	}
	fclose(s);
	return text;
}

/* The plan for one cell at one time; NULL on error. */
static char *
routes_cell(const struct config *cfg, int area, int form, int u, int minor,
    int day, int min, int *n_auth)
{
	struct route_plan *plan = malloc(sizeof *plan);
	struct report r;
	char *text = NULL;

	if (plan == NULL)
		return NULL;
	routes_report(&r, area, form, u, minor);
	if (route_decide(cfg, &r, routes_sender(cfg), routes_time(day, min),
	    plan, NULL) == 0) {
		text = routes_plan_text(cfg, plan);
		if (n_auth != NULL)
			*n_auth = plan->n_authorities;
	}
	free(plan);
	return text;
}

/* One cell's whole week: "DAYS HH:MM-HH:MM  PLAN" lines, days with the
 * same windows together. Caller frees. */
static char *
routes_week(const struct config *cfg, const struct routes_filter *f,
    int area, int form, int u, int minor)
{
	char *day_text[7] = { 0 }, *text = NULL, *cell, *prev;
	size_t len = 0;
	int times[ROUTES_MAX_TIMES], n, d0, d1, start, done[7] = { 0 };
	FILE *s;

	n = routes_times(cfg, f, times);
	d0 = f != NULL && f->day >= 0 ? f->day : 0;
	d1 = f != NULL && f->day >= 0 ? f->day : 6;
	for (int d = d0; d <= d1; d++) {
		size_t dl = 0;
		FILE *ds = open_memstream(&day_text[d], &dl);

		if (ds == NULL)
			goto out;
		prev = NULL;
		start = times[0];
		for (int i = 0; i <= n; i++) {
			cell = i < n ? routes_cell(cfg, area, form, u, minor,
			    d, times[i], NULL) : NULL;
			if (prev != NULL && (cell == NULL ||
			    strcmp(cell, prev) != 0)) {
				int end = f != NULL && f->at_min >= 0 ?
				    start : i < n ? times[i] : ROUTES_DAY_MIN;

				if (f != NULL && f->at_min >= 0)
					fprintf(ds, "at %02d:%02d  %s\n",
					    start / 60, start % 60, prev);
				else
					fprintf(ds, "%02d:%02d-%02d:%02d  %s\n",
					    start / 60, start % 60, end / 60,
					    end % 60, prev);
				free(prev);
				prev = NULL;
			}
			if (prev == NULL) {
				prev = cell;
				start = i < n ? times[i] : 0;
			} else
				free(cell);
		}
		free(prev);
		fclose(ds);
	}
	if ((s = open_memstream(&text, &len)) == NULL)
		goto out;
	for (int d = d0; d <= d1; d++) {
		char days[64] = "";
		int n_days = 0;

		if (done[d])
			continue;
		for (int e = d; e <= d1; e++)
			if (!done[e] && strcmp(day_text[e], day_text[d]) == 0) {
				done[e] = 1;
				n_days++;
				strcat(days, days[0] ? "," : "");
				strcat(days, routes_days[e]);
			}
		for (char *line = day_text[d], *nl; *line != '\0';
		    line = nl + 1) {
			nl = strchr(line, '\n');
			fprintf(s, "  %-27s %.*s\n", n_days == 7 ? "every day" :
			    days, (int)(nl - line), line);
		}
	}
	fclose(s);
out:
	for (int d = 0; d < 7; d++)
		free(day_text[d]);
	return text;
}

int
routes_print(const struct config *cfg, const struct routes_filter *f,
    FILE *out)
{
	const struct codebook *cb = &cfg->codebook;
	char *weeks[CODEBOOK_MAX];
	int printed[CODEBOOK_MAX];

	fprintf(out, "# who is told when an alert arrives: +0 at once, then "
	    "each rung if nobody answers OK\n# (authority/rung; admin: "
	    "escalation.admins when every ladder is done)\n");
	fprintf(out, "unregistered senders:");
	for (int i = 0; i < cfg->n_unregistered; i++)
		fprintf(out, " %s", cfg->authorities[cfg->unregistered[i]].id);
	fprintf(out, "%s\n", cfg->n_unregistered ? "" : " NOBODY");
	for (int a = 0; a < cb->n_areas; a++) {
		if (f != NULL && f->area >= 0 && f->area != a)
			continue;
		for (int u = 1; u <= 3; u++)
			for (int m = 0; m <= 1; m++) {
				for (int k = 0; k < cb->n_forms; k++) {
					weeks[k] = routes_week(cfg, f, a, k, u,
					    m);
					printed[k] = 0;
				}
				/* Forms routed alike, on one heading. */
				for (int k = 0; k < cb->n_forms; k++) {
					if (printed[k] || weeks[k] == NULL)
						continue;
					fprintf(out, "\n%s U%d %s forms ",
					    cb->areas[a].code, u, m ? "minor" :
					    "adult");
					for (int j = k; j < cb->n_forms; j++)
						if (!printed[j] && weeks[j] &&
						    strcmp(weeks[j], weeks[k])
						    == 0) {
							fprintf(out, "%s%s",
							    j > k ? "," : "",
							    cb->forms[j].code);
							printed[j] = 1;
						}
					fprintf(out, "\n%s", weeks[k]);
				}
				for (int k = 0; k < cb->n_forms; k++)
					free(weeks[k]);
			}
	}
	return ferror(out) ? -1 : 0;
}

static int
routes_warn(const struct config *cfg, FILE *out, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
routes_warn(const struct config *cfg, FILE *out, int line, const char *fmt,
    ...)
{
	va_list ap;

	fprintf(out, "%s:%d: warning: ", cfg->path, line);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	return 1;
}

/* Every area, form, urgency and time that reaches nobody: one warning per
 * area and urgency, with its first case and the count. */
static int
routes_check_gaps(const struct config *cfg, FILE *out)
{
	const struct codebook *cb = &cfg->codebook;
	int times[ROUTES_MAX_TIMES], n = routes_times(cfg, NULL, times);
	int warnings = 0, n_auth;

	for (int a = 0; a < cb->n_areas; a++)
		for (int u = 1; u <= 3; u++) {
			int cases = 0, fk = 0, fm = 0, fd = 0, ft = 0;

			for (int k = 0; k < cb->n_forms; k++)
				for (int m = 0; m <= 1; m++)
					for (int d = 0; d < 7; d++)
						for (int i = 0; i < n; i++) {
							free(routes_cell(cfg,
							    a, k, u, m, d,
							    times[i],
							    &n_auth));
							if (n_auth > 0)
								continue;
							if (cases++ == 0) {
								fk = k;
								fm = m;
								fd = d;
								ft = times[i];
							}
						}
			if (cases > 0)
				warnings += routes_warn(cfg, out,
				    cb->areas[a].line, "area %s U%d: an alert "
				    "reaches no authority (e.g. form %s, %s, "
				    "%s %02d:%02d; %d case(s) in all)",
				    cb->areas[a].code, u, cb->forms[fk].code,
				    fm ? "minor" : "adult", routes_days[fd],
				    ft / 60, ft % 60, cases);
		}
	return warnings;
}

static int
routes_check_ladders(const struct config *cfg, FILE *out)
{
	const struct focal_point *fp;
	int warnings = 0;

	for (int i = 0; i < cfg->n_authorities; i++) {
		const struct authority *au = &cfg->authorities[i];

		for (int k = 0; k < au->n_rungs; k++) {
			for (int j = 0; j < k; j++)
				if (strcmp(au->ladder[j].number,
				    au->ladder[k].number) == 0)
					warnings += routes_warn(cfg, out,
					    au->line, "authority %s: rungs %d "
					    "and %d call the same number",
					    au->id, j + 1, k + 1);
			if ((fp = config_find_focal(cfg, au->ladder[k].number))
			    != NULL)
				warnings += routes_warn(cfg, out, au->line,
				    "authority %s: rung %d is focal point %s's "
				    "phone", au->id, k + 1, fp->id);
		}
	}
	return warnings;
}

/* A rule that never matches, or matches only where a final rule before
 * it has already matched. */
static int
routes_check_rules(const struct config *cfg, FILE *out)
{
	const struct codebook *cb = &cfg->codebook;
	int times[ROUTES_MAX_TIMES], n = routes_times(cfg, NULL, times);
	int matched[CONFIG_MAX_RULES] = { 0 }, reached[CONFIG_MAX_RULES] = { 0 };
	int hidden_by[CONFIG_MAX_RULES], warnings = 0;
	struct report r;
	struct tm tm;
	time_t t;

	for (int a = 0; a < cb->n_areas; a++)
	for (int k = 0; k < cb->n_forms; k++)
	for (int u = 1; u <= 3; u++)
	for (int m = 0; m <= 1; m++)
	for (int d = 0; d < 7; d++)
	for (int i = 0; i < n; i++) {
		int final = -1;

		routes_report(&r, a, k, u, m);
		t = routes_time(d, times[i]);
		localtime_r(&t, &tm);
		for (int j = 0; j < cfg->n_rules; j++) {
			if (!route_rule_matches(&cfg->rules[j], &r, &tm))
				continue;
			if (!matched[j]++)
				hidden_by[j] = final;
			if (final < 0)
				reached[j] = 1;
			if (cfg->rules[j].final && final < 0)
				final = j;
		}
	}
	for (int j = 0; j < cfg->n_rules; j++) {
		if (!matched[j])
			warnings += routes_warn(cfg, out, cfg->rules[j].line,
			    "rule \"%s\" matches no report",
			    cfg->rules[j].name);
		else if (!reached[j])
			warnings += routes_warn(cfg, out, cfg->rules[j].line,
			    "rule \"%s\" is hidden by the final rule \"%s\" "
			    "before it", cfg->rules[j].name,
			    cfg->rules[hidden_by[j]].name);
	}
	return warnings;
}

int
routes_check(const struct config *cfg, FILE *out)
{
	return routes_check_gaps(cfg, out) + routes_check_ladders(cfg, out) +
	    routes_check_rules(cfg, out);
}
