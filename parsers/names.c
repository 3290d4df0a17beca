/*
 * names.c: area names and aliases folded into phrases, and matched over
 * the tokens of a report.
 *
 * The phrases are built once per codebook by codebook_prepare() (or by
 * report_parse() for a codebook that was not prepared) and read by the
 * code reader and the free-text scan of report.c; codebook_validate()
 * folds aliases the same way to refuse collisions.
 */
#include <stdio.h>
#include <string.h>

#include "fold.h"
#include "names.h"

int
names_fold(const char *name, char *out, size_t outsz, char *abbr,
    size_t abbrsz)
{
	size_t len = strlen(name), pos = 0, n = 0, first = 0;
	int c, words = 0, in_word = 0;

	if (outsz == 0 || abbrsz == 0)
		return -1;
	while (pos < len) {
		c = fold_char(fold_decode(name, len, &pos));
		if (c == FOLD_IGNORE)
			continue;
		if (c == ' ' || c == '.' || c == ',' || c == '-') {
			in_word = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return -1;
		if (!in_word && ++words == 2)
			first = n;	/* the first word is out[0..first) */
		in_word = 1;
		if (n + 1 >= outsz)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	abbr[0] = '\0';
	if (words >= 2 && first > 1 && n - first + 2 <= abbrsz) {
		abbr[0] = out[0];
		memcpy(abbr + 1, out + first, n - first + 1);
	}
	return n == 0 ? -1 : words;
}

struct names_out {
	struct codebook_name *p;
	int n;
};

/* Add a phrase unless it is empty or already there for the same entry. */
static void
names_add(struct names_out *o, const char *f, enum names_kind kind,
    int index)
{
	int i;

	if (f[0] == '\0' || o->n >= CODEBOOK_NAMES_MAX)
		return;
	for (i = 0; i < o->n; i++)
		if ((int)o->p[i].kind == (int)kind && o->p[i].index == index &&
		    strcmp(o->p[i].f, f) == 0)
			return;
	snprintf(o->p[o->n].f, sizeof o->p[o->n].f, "%s", f);
	o->p[o->n].kind = kind;
	o->p[o->n].index = index;
	o->n++;
}

static void
names_add_name(struct names_out *o, const char *name, enum names_kind kind,
    int index)
{
	char f[CODEBOOK_NAME_MAX], abbr[CODEBOOK_NAME_MAX];

	if (names_fold(name, f, sizeof f, abbr, sizeof abbr) < 1)
		return;
	names_add(o, f, kind, index);
	names_add(o, abbr, kind, index);
}

static void
names_add_aliases(struct names_out *o, const struct codebook_entry *e,
    enum names_kind kind, int index)
{
	int j, n = e->n_aliases < CODEBOOK_ALIAS_MAX ? e->n_aliases :
	    CODEBOOK_ALIAS_MAX;

	for (j = 0; j < n; j++)
		names_add_name(o, e->aliases[j], kind, index);
}

/* Does f fold like one of the n folded codes? */
static int
names_is_code(char codes[][CODEBOOK_CODE_MAX * 4], int n, const char *f)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(codes[i], f) == 0)
			return 1;
	return 0;
}

int
names_build(struct codebook_name *p, const struct codebook *cb)
{
	char codes[2 * CODEBOOK_MAX][CODEBOOK_CODE_MAX * 4];
	struct names_out o = { p, 0 };
	int i, j, k, keep, n_areas, n_forms, n_codes = 0;

	n_areas = cb->n_areas < CODEBOOK_MAX ? cb->n_areas : CODEBOOK_MAX;
	n_forms = cb->n_forms < CODEBOOK_MAX ? cb->n_forms : CODEBOOK_MAX;
	for (i = 0; i < n_areas; i++)
		if (fold_word(cb->areas[i].code, codes[n_codes],
		    sizeof codes[n_codes]) > 0)
			n_codes++;
	for (i = 0; i < n_forms; i++)
		if (fold_word(cb->forms[i].code, codes[n_codes],
		    sizeof codes[n_codes]) > 0)
			n_codes++;
	for (i = 0; i < n_areas; i++) {
		names_add_name(&o, cb->areas[i].name_pt, NAMES_AREA, i);
		names_add_name(&o, cb->areas[i].name_en, NAMES_AREA, i);
		names_add_aliases(&o, &cb->areas[i], NAMES_AREA, i);
	}
	for (i = 0; i < n_forms; i++)
		names_add_aliases(&o, &cb->forms[i], NAMES_FORM, i);

	/* Leave out what reads as something else, or as two entries. */
	for (i = k = 0; i < o.n; i++) {
		keep = !names_is_code(codes, n_codes, p[i].f) &&
		    codebook_reserved(p[i].f) == NULL;
		for (j = 0; j < o.n && keep; j++)
			if (j != i && strcmp(p[j].f, p[i].f) == 0)
				keep = 0;	/* same phrase, another entry */
		if (keep)
			p[k++] = p[i];
	}
	return k;
}

void
codebook_prepare(struct codebook *cb)
{
	cb->n_names = names_build(cb->names, cb);
	cb->names_ready = 1;
}

const struct codebook_name *
names_match(const struct names *nm, int kind, const struct lex *lx,
    const struct lex_token *t, struct lex *after, size_t *end)
{
	const struct codebook_name *best = NULL;
	struct lex peek = *lx;
	struct lex_token tok = *t;
	char cat[CODEBOOK_NAME_MAX];
	size_t n = 0;
	int i, prefix;

	for (;;) {
		if (tok.kind != LEX_WORD || tok.flen >= LEX_FOLD_MAX ||
		    n + tok.flen >= sizeof cat)
			break;
		memcpy(cat + n, tok.f, tok.flen);
		n += tok.flen;
		cat[n] = '\0';
		prefix = 0;
		for (i = 0; i < nm->n; i++) {
			if (nm->p[i].f[0] != cat[0] ||
			    (kind >= 0 && nm->p[i].kind != kind))
				continue;
			if (strcmp(nm->p[i].f, cat) == 0) {
				best = &nm->p[i];
				*after = peek;
				*end = tok.end;
			} else if (strncmp(nm->p[i].f, cat, n) == 0)
				prefix = 1;
		}
		if (!prefix)
			break;
		lex_next(&peek, &tok);
	}
	return best;
}
