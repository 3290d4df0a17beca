/*
 * codebook.c: the built-in Cabo Verde codebook and codebook validation.
 *
 * codebook_validate() is called by the config loader on every load and
 * reload, before a codebook is swapped in; the parser assumes a validated
 * codebook (no two codes that fold alike, none that reads as another
 * token). Pure: no I/O, no globals; problems go to the caller's callback.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codebook.h"
#include "fold.h"
#include "names.h"
#include "report.h"

struct codebook_default_entry {
	const char *code, *pt, *en;
};

static const struct codebook_default_entry codebook_default_areas[] = {
	{ "SA", "Santo Antão", "Santo Antão" },
	{ "SV", "São Vicente", "São Vicente" },
	{ "SN", "São Nicolau", "São Nicolau" },
	{ "SL", "Sal", "Sal" },
	{ "BV", "Boa Vista", "Boa Vista" },
	{ "MA", "Maio", "Maio" },
	{ "ST", "Santiago", "Santiago" },
	{ "FG", "Fogo", "Fogo" },
	{ "BR", "Brava", "Brava" },
};

static const struct codebook_default_entry codebook_default_forms[] = {
	{ "SX", "exploração sexual", "sexual exploitation" },
	{ "TF", "trabalho forçado", "forced labour" },
	{ "DM", "servidão doméstica", "domestic servitude" },
	{ "MD", "mendicidade forçada", "forced begging" },
	{ "CR", "criminalidade forçada", "forced criminality" },
	{ "CM", "casamento forçado", "forced marriage" },
	{ "OR", "remoção de órgãos", "organ removal" },
	{ "CT", "contrabando de migrantes", "migrant smuggling" },
	{ "OU", "outro", "other" },
};

static void
codebook_fill(struct codebook_entry *e, int *n,
    const struct codebook_default_entry *d, int nd)
{
	int i;

	for (i = 0; i < nd; i++) {
		memset(&e[i], 0, sizeof e[i]);
		snprintf(e[i].code, sizeof e[i].code, "%s", d[i].code);
		snprintf(e[i].name_pt, sizeof e[i].name_pt, "%s", d[i].pt);
		snprintf(e[i].name_en, sizeof e[i].name_en, "%s", d[i].en);
	}
	*n = nd;
}

void
codebook_default(struct codebook *cb)
{
	memset(cb, 0, sizeof *cb);
	codebook_fill(cb->areas, &cb->n_areas, codebook_default_areas,
	    (int)(sizeof codebook_default_areas /
	    sizeof codebook_default_areas[0]));
	codebook_fill(cb->forms, &cb->n_forms, codebook_default_forms,
	    (int)(sizeof codebook_default_forms /
	    sizeof codebook_default_forms[0]));
	snprintf(cb->country_code, sizeof cb->country_code, "238");
	cb->national_length = 7;
	snprintf(cb->ussd_service, sizeof cb->ussd_service, "384");
	codebook_prepare(cb);
}

const char *
codebook_entry_name(const struct codebook_entry *e, int english)
{
	if (english && e->name_en[0] != '\0')
		return e->name_en;
	return e->name_pt;
}

/* A letter U, V, F, M or P followed only by digits: reads as a count. */
static int
codebook_looks_like_token(const char *f)
{
	size_t i;

	if (strchr("UVFMP", f[0]) == NULL || f[1] == '\0')
		return 0;
	for (i = 1; f[i] != '\0'; i++)
		if (f[i] < '0' || f[i] > '9')
			return 0;
	return 1;
}

static int
codebook_all_digits(const char *f)
{
	size_t i;

	for (i = 0; f[i] != '\0'; i++)
		if (f[i] < '0' || f[i] > '9')
			return 0;
	return 1;
}

const char *
codebook_reserved(const char *f)
{
	if (f[0] == '\0' || codebook_all_digits(f))
		return "a number";
	if (codebook_looks_like_token(f))
		return "a count or PIN like U1 V3 P12";
	return report_reserved_word(f);
}

struct codebook_check {
	void (*problem)(void *, int, const char *);
	void *arg;
	int n;
};

static void
codebook_problem(struct codebook_check *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
codebook_problem(struct codebook_check *c, int line, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	c->n++;
	if (c->problem != NULL)
		c->problem(c->arg, line, reason);
}

/* Check one entry on its own; put its folded code in f. 0 if usable. */
static int
codebook_check_entry(struct codebook_check *c, const struct codebook_entry *e,
    const char *what, char *f, size_t fsz)
{
	const char *reserved;

	if (memchr(e->code, '\0', sizeof e->code) == NULL) {
		codebook_problem(c, e->line, "%s code is too long", what);
		return -1;
	}
	if (e->name_pt[0] == '\0')
		codebook_problem(c, e->line, "%s \"%s\" has no name", what,
		    e->code);
	if (fold_word(e->code, f, fsz) < 1 || strlen(f) > CODEBOOK_CODE_MAX - 1) {
		codebook_problem(c, e->line, "%s code \"%s\" must be 1 to %d "
		    "letters or digits", what, e->code, CODEBOOK_CODE_MAX - 1);
		return -1;
	}
	if (codebook_all_digits(f)) {
		codebook_problem(c, e->line, "%s code \"%s\" is a number: it "
		    "would read as free text or a reference", what, e->code);
		return -1;
	}
	if (codebook_looks_like_token(f)) {
		codebook_problem(c, e->line, "%s code \"%s\" reads as a "
		    "%c<number> code (U1 V3 F2 M4 P12)", what, e->code, f[0]);
		return -1;
	}
	if ((reserved = report_reserved_word(f)) != NULL) {
		codebook_problem(c, e->line, "%s code \"%s\" collides with the "
		    "%s", what, e->code, reserved);
		return -1;
	}
	return 0;
}

/* Check the size of a list; returns how many entries may be read. */
static int
codebook_check_size(struct codebook_check *c, const struct codebook_entry *l,
    int n, const char *what, const char *words, int ussd)
{
	if (n <= 0) {
		codebook_problem(c, 0, "the list of %s is empty", words);
		return 0;
	}
	if (n > CODEBOOK_MAX) {
		codebook_problem(c, 0, "too many %s: %d, at most %d", words, n,
		    CODEBOOK_MAX);
		return 0;
	}
	if (ussd && n > 9)
		codebook_problem(c, l[9].line, "%s code \"%.*s\" is choice 10 "
		    "but USSD choices are one digit: at most 9 %s", what,
		    CODEBOOK_CODE_MAX - 1, l[9].code, words);
	return n;
}

struct codebook_seen {
	const struct codebook_entry *e;
	const char *what;
	char f[CODEBOOK_CODE_MAX * 4];
};

static void
codebook_check_lists(struct codebook_check *c, const struct codebook *cb)
{
	struct codebook_seen seen[2 * CODEBOOK_MAX];
	const struct codebook_entry *list;
	const char *what;
	int ussd = cb->ussd_service[0] != '\0', n_seen = 0, k, i, j, n;

	for (k = 0; k < 2; k++) {
		list = k == 0 ? cb->areas : cb->forms;
		what = k == 0 ? "area" : "form";
		n = codebook_check_size(c, list, k == 0 ? cb->n_areas :
		    cb->n_forms, what, k == 0 ? "areas" : "forms", ussd);
		for (i = 0; i < n; i++) {
			struct codebook_seen *s = &seen[n_seen];

			s->e = &list[i];
			s->what = what;
			if (codebook_check_entry(c, s->e, what, s->f,
			    sizeof s->f) != 0)
				continue;
			for (j = 0; j < n_seen; j++)
				if (strcmp(seen[j].f, s->f) == 0)
					break;
			if (j < n_seen) {
				codebook_problem(c, s->e->line, "%s code "
				    "\"%s\" collides with %s \"%s\" (line %d)",
				    what, s->e->code, seen[j].what,
				    seen[j].e->code, seen[j].e->line);
				continue;
			}
			n_seen++;
		}
	}
}

/* Every phrase an alias must not fold like: codes, area names, aliases. */
struct codebook_phrase {
	const struct codebook_entry *e;
	const char *what;
	int seq;	/* areas first, then forms */
	int alias;	/* an alias: a collision of two is told once */
	char f[CODEBOOK_NAME_MAX];
};

/* Add the phrase of src and, for names (1) and aliases (2), its short form. */
static void
codebook_phrase_add(struct codebook_phrase *ph, int *n, int max,
    const struct codebook_entry *e, int seq, const char *src, int alias)
{
	char abbr[CODEBOOK_NAME_MAX];

	if (*n + 2 > max || names_fold(src, ph[*n].f, sizeof ph[*n].f, abbr,
	    sizeof abbr) < 1)
		return;
	ph[*n].e = e;
	ph[*n].what = seq < CODEBOOK_MAX ? "area" : "form";
	ph[*n].seq = seq;
	ph[*n].alias = alias > 1;
	(*n)++;
	if (alias && abbr[0] != '\0') {
		ph[*n] = ph[*n - 1];
		memcpy(ph[*n].f, abbr, sizeof abbr);
		(*n)++;
	}
}

static int
codebook_phrases(const struct codebook *cb, struct codebook_phrase *ph,
    int max)
{
	const struct codebook_entry *e;
	int n = 0, k, i, j, m, seq;

	for (k = 0; k < 2; k++) {
		m = k == 0 ? cb->n_areas : cb->n_forms;
		for (i = 0; i < m && i < CODEBOOK_MAX; i++) {
			e = k == 0 ? &cb->areas[i] : &cb->forms[i];
			seq = k * CODEBOOK_MAX + i;
			codebook_phrase_add(ph, &n, max, e, seq, e->code, 0);
			if (k == 0) {
				codebook_phrase_add(ph, &n, max, e, seq,
				    e->name_pt, 1);
				codebook_phrase_add(ph, &n, max, e, seq,
				    e->name_en, 1);
			}
			for (j = 0; j < e->n_aliases && j < CODEBOOK_ALIAS_MAX;
			    j++)
				codebook_phrase_add(ph, &n, max, e, seq,
				    e->aliases[j], 2);
		}
	}
	return n;
}

/* Aliases: well formed, not reserved, and not another entry's phrase. */
static void
codebook_check_aliases(struct codebook_check *c, const struct codebook *cb)
{
	struct codebook_phrase ph[2 * CODEBOOK_MAX * (5 + 2 *
	    CODEBOOK_ALIAS_MAX)];
	const struct codebook_entry *e;
	const char *what, *why;
	char f[CODEBOOK_NAME_MAX], abbr[CODEBOOK_NAME_MAX];
	int n_ph, k, i, j, m, x;

	n_ph = codebook_phrases(cb, ph, (int)(sizeof ph / sizeof ph[0]));
	for (k = 0; k < 2; k++) {
		m = k == 0 ? cb->n_areas : cb->n_forms;
		what = k == 0 ? "area" : "form";
		for (i = 0; i < m && i < CODEBOOK_MAX; i++) {
			e = k == 0 ? &cb->areas[i] : &cb->forms[i];
			if (e->n_aliases > CODEBOOK_ALIAS_MAX)
				codebook_problem(c, e->line, "%s \"%s\" has %d "
				    "aliases, at most %d", what, e->code,
				    e->n_aliases, CODEBOOK_ALIAS_MAX);
			for (j = 0; j < e->n_aliases &&
			    j < CODEBOOK_ALIAS_MAX; j++) {
				const char *a = e->aliases[j];

				if (names_fold(a, f, sizeof f, abbr,
				    sizeof abbr) < 1) {
					codebook_problem(c, e->line, "%s \"%s\" "
					    "alias \"%s\" must be letters, "
					    "digits and spaces", what, e->code,
					    a);
					continue;
				}
				if ((why = codebook_reserved(f)) != NULL) {
					codebook_problem(c, e->line, "%s \"%s\" "
					    "alias \"%s\" reads as %s", what,
					    e->code, a, why);
					continue;
				}
				for (x = 0; x < n_ph; x++)
					if (ph[x].e != e &&
					    strcmp(ph[x].f, f) == 0 &&
					    !(ph[x].alias &&
					    ph[x].seq > k * CODEBOOK_MAX + i))
						break;
				if (x < n_ph)
					codebook_problem(c, e->line, "%s \"%s\" "
					    "alias \"%s\" collides with %s "
					    "\"%s\" (line %d)", what, e->code, a,
					    ph[x].what, ph[x].e->code,
					    ph[x].e->line);
			}
		}
	}
}

int
codebook_validate(const struct codebook *cb,
    void (*problem)(void *arg, int line, const char *reason), void *arg)
{
	struct codebook_check c = { problem, arg, 0 };
	size_t i, cc = strnlen(cb->country_code, sizeof cb->country_code);
	size_t us = strnlen(cb->ussd_service, sizeof cb->ussd_service);
	int digits_ok = cc >= 1 && cc <= 3 && cb->country_code[0] != '0';

	for (i = 0; i < cc; i++)
		if (cb->country_code[i] < '0' || cb->country_code[i] > '9')
			digits_ok = 0;
	if (!digits_ok || cc == sizeof cb->country_code)
		codebook_problem(&c, 0, "country code \"%.*s\" must be 1 to 3 "
		    "digits, not starting with 0", (int)cc, cb->country_code);
	if (cb->national_length < 4 || cb->national_length > 12 ||
	    (digits_ok && (int)cc + cb->national_length > 15))
		codebook_problem(&c, 0, "national length %d must be 4 to 12 "
		    "and, with the country code, at most 15 digits",
		    cb->national_length);
	for (i = 0; i < us; i++)
		if (cb->ussd_service[i] < '0' || cb->ussd_service[i] > '9')
			break;
	if (i < us || us == sizeof cb->ussd_service || us > 6)
		codebook_problem(&c, 0, "USSD service code \"%.*s\" must be 1 "
		    "to 6 digits", (int)us, cb->ussd_service);
	codebook_check_lists(&c, cb);
	codebook_check_aliases(&c, cb);
	return c.n;
}
