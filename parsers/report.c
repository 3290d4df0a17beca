/*
 * report.c: the SMS commands of the report language (report-language.md).
 *
 * Called by the gateway for every SMS received, by farolctl try, by the
 * unit tests and the fuzzers. Pure: no I/O, no globals, no allocation; all
 * state lives in struct parser on the caller's stack. It must never crash
 * or loop on any input, and must never guess silently: every repair is
 * recorded as a note that the receipt repeats to the sender.
 */
#include <stdio.h>
#include <string.h>

#include "fold.h"
#include "lex.h"
#include "names.h"
#include "report.h"

enum code_kind {
	CODE_NONE,
	CODE_AREA,
	CODE_FORM,
	CODE_URGENCY,
	CODE_VICTIMS,
	CODE_FEMALES,
	CODE_MALES,
	CODE_MINOR,
	CODE_PIN,
	CODE_BAD_NUMBER,
	CODE_BAD_PIN,
};

struct code {
	enum code_kind kind;
	int value;		/* index, urgency or count */
	int lookalike;		/* read with 0 for O or O for 0 */
	char as[16];		/* canonical spelling, for notes */
};

struct parser {
	const struct codebook *cb;
	const char *s;
	size_t len;
	struct lex lx;
	struct report *r;
	char areas[CODEBOOK_MAX][CODEBOOK_CODE_MAX];
	char forms[CODEBOOK_MAX][CODEBOOK_CODE_MAX];
	int n_areas, n_forms;
	struct names names;	/* area names, aliases: cb's or own */
	struct codebook_name own[CODEBOOK_NAMES_MAX];
	int explicit_codes;	/* area or form codes typed */
	int urgency_set;	/* an urgency was typed */
	size_t v_off, v_len;	/* the V token, for a mismatch */
};

struct word {
	const char *word;
	int kind;		/* enum report_cmd, or CODE_* for codes */
	int is_code;
	int takes_ref;
};

static const struct word report_words[] = {
	{ "ALERTA", REPORT_CMD_ALERTA, 0, 0 },
	{ "ALERT", REPORT_CMD_ALERTA, 0, 0 },
	{ "A", REPORT_CMD_ALERTA, 0, 0 },
	{ "INFO", REPORT_CMD_INFO, 0, 1 },
	{ "MAIS", REPORT_CMD_INFO, 0, 1 },
	{ "ANULAR", REPORT_CMD_ANULAR, 0, 1 },
	{ "CANCEL", REPORT_CMD_ANULAR, 0, 1 },
	{ "ESTADO", REPORT_CMD_ESTADO, 0, 1 },
	{ "STATUS", REPORT_CMD_ESTADO, 0, 1 },
	{ "AJUDA", REPORT_CMD_AJUDA, 0, 0 },
	{ "HELP", REPORT_CMD_AJUDA, 0, 0 },
	{ "OK", REPORT_CMD_OK, 0, 1 },
	{ "ACK", REPORT_CMD_OK, 0, 1 },
	{ "FIM", REPORT_CMD_FIM, 0, 1 },
	{ "CLOSE", REPORT_CMD_FIM, 0, 1 },
	{ "LIBERAR", REPORT_CMD_LIBERAR, 0, 1 },
	{ "RELEASE", REPORT_CMD_LIBERAR, 0, 1 },
	{ "URGENTE", CODE_URGENCY, 1, 0 },
	{ "URGENT", CODE_URGENCY, 1, 0 },
	{ "MENOR", CODE_MINOR, 1, 0 },
	{ "MENORES", CODE_MINOR, 1, 0 },
	{ "CRIANCA", CODE_MINOR, 1, 0 },
	{ "CRIANCAS", CODE_MINOR, 1, 0 },
	{ "MINOR", CODE_MINOR, 1, 0 },
	{ "MINORS", CODE_MINOR, 1, 0 },
	{ "CHILD", CODE_MINOR, 1, 0 },
	{ "CHILDREN", CODE_MINOR, 1, 0 },
};
#define REPORT_N_WORDS (sizeof report_words / sizeof report_words[0])

static const char *const report_cmd_pt[] = { "", "ALERTA", "INFO", "ANULAR",
    "ESTADO", "AJUDA", "OK", "FIM", "LIBERAR" };
static const char *const report_cmd_en[] = { "", "ALERT", "INFO", "CANCEL",
    "STATUS", "HELP", "OK", "CLOSE", "RELEASE" };

static const char *const report_err_names[REPORT_ERR_COUNT] = {
	"", "empty", "unknown_command", "missing_ref", "bad_ref",
	"missing_area", "unknown_area", "missing_form", "unknown_form",
	"bad_number", "victims_mismatch", "bad_pin", "missing_text",
	"ussd_service", "ussd_format", "ussd_choice", "which_area",
};

const char *
report_cmd_name(enum report_cmd cmd, int english)
{
	if ((int)cmd < 0 || cmd > REPORT_CMD_LIBERAR)
		return "";
	return english ? report_cmd_en[cmd] : report_cmd_pt[cmd];
}

const char *
report_err_name(enum report_err err)
{
	if ((int)err < 0 || err >= REPORT_ERR_COUNT)
		return "";
	return report_err_names[err];
}

const char *
report_reserved_word(const char *folded)
{
	static const char *const cmd_desc[] = { "", "command ALERTA",
	    "command INFO", "command ANULAR", "command ESTADO",
	    "command AJUDA", "command OK", "command FIM" };
	size_t i;

	for (i = 0; i < REPORT_N_WORDS; i++) {
		if (strcmp(folded, report_words[i].word) != 0)
			continue;
		if (!report_words[i].is_code)
			return cmd_desc[report_words[i].kind];
		return report_words[i].kind == CODE_MINOR ?
		    "minor word MENOR" : "urgency word URGENTE";
	}
	return NULL;
}

int
report_one_edit(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, j;

	if (na == nb) {
		while (i < na && a[i] == b[i])
			i++;
		if (i == na)
			return 0;	/* equal is not one edit */
		if (strncmp(a + i + 1, b + i + 1, na - i - 1) == 0)
			return 1;	/* substitution */
		return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    strncmp(a + i + 2, b + i + 2, na - i - 2) == 0;
	}
	if (na + 1 == nb)
		return report_one_edit(b, nb, a, na);
	if (na != nb + 1)
		return 0;
	/* a is b with one more character */
	while (i < nb && a[i] == b[i])
		i++;
	for (j = i; j < nb; j++)
		if (a[j + 1] != b[j])
			return 0;
	return 1;
}

void
report_clear(struct report *r)
{
	memset(r, 0, sizeof *r);
	r->area = r->text_area = -1;
	r->urgency = 2;
	r->victims = r->females = r->males = -1;
}

/* Every byte of the token at off but its first (the P) becomes '*'. */
static void
report_mask_token(char *text, size_t len, size_t off, size_t n)
{
	for (size_t i = off + 1; i < off + n && i < len; i++)
		text[i] = '*';
}

void
report_mask_pin(const struct report *r, char *text, size_t len)
{
	if (r->pin_len > 0)
		report_mask_token(text, len, r->pin_off, r->pin_len);
	if (r->err == REPORT_ERR_BAD_PIN)
		report_mask_token(text, len, r->err_off, r->err_len);
	for (int i = 0; i < r->n_notes; i++)
		if (r->notes[i].kind == REPORT_NOTE_IGNORED &&
		    strcmp(r->notes[i].as, "PIN") == 0)
			report_mask_token(text, len, r->notes[i].off,
			    r->notes[i].len);
}

/* Record a repair; -1 when the notes are full. */
static int
report_note(struct parser *p, enum report_note_kind kind, size_t off,
    size_t len, const char *as)
{
	struct report_note *n;

	if (p->r->n_notes >= REPORT_MAX_NOTES)
		return -1;
	n = &p->r->notes[p->r->n_notes++];
	n->kind = kind;
	n->off = off;
	n->len = len;
	snprintf(n->as, sizeof n->as, "%.23s", as);
	return 0;
}

static int
report_fail(struct parser *p, enum report_err err, size_t off, size_t len)
{
	p->r->err = err;
	p->r->err_off = off;
	p->r->err_len = len;
	return -1;
}

/* Text from off to the end, trailing white space trimmed. */
static void
report_text_from(struct parser *p, size_t off)
{
	size_t end = p->len;

	while (off < end && (p->s[off] == ' ' || p->s[off] == '\t' ||
	    p->s[off] == '\r' || p->s[off] == '\n'))
		off++;
	while (end > off && (p->s[end - 1] == ' ' || p->s[end - 1] == '\t' ||
	    p->s[end - 1] == '\r' || p->s[end - 1] == '\n'))
		end--;
	p->r->text_off = off;
	p->r->text_len = end - off;
}

/* Where free text starts at token t. */
static void
report_text_at(struct parser *p, const struct lex_token *t)
{
	report_text_from(p, t->kind == LEX_STOP ? t->end : t->off);
}

/*
 * Digits of f[from..n): with at least one real digit, a letter O counts as
 * zero (*lookalike set). Returns the value (saturated at a trillion), or -1
 * if not a number. *ndigits is the number of digits.
 */
static long
report_number(const char *f, size_t from, size_t n, size_t *ndigits,
    int *lookalike)
{
	size_t i, real = 0;
	long v = 0;

	*ndigits = n > from ? n - from : 0;
	if (n <= from)
		return -1;
	for (i = from; i < n; i++) {
		if (f[i] >= '0' && f[i] <= '9')
			real++;
		else if (f[i] != 'O')
			return -1;
	}
	if (real == 0)
		return -1;
	*lookalike = real != n - from;
	for (i = from; i < n; i++)
		if (v < 1000000000000L)
			v = v * 10 + (f[i] == 'O' ? 0 : f[i] - '0');
	return v;
}

/* A letter then digits: U1, V12, F0, M3, P1234. */
static int
report_counted(const char *f, size_t n, struct code *c)
{
	size_t nd, i;
	int look = 0;
	long v;

	if (n < 2 || strchr("UVFMP", f[0]) == NULL ||
	    (v = report_number(f, 1, n, &nd, &look)) < 0)
		return 0;
	c->lookalike = look;
	c->value = (int)(v > 100000 ? 100000 : v);
	switch (f[0]) {
	case 'U':
		c->kind = nd == 1 && v >= 1 && v <= 3 ? CODE_URGENCY :
		    CODE_BAD_NUMBER;
		break;
	case 'V':
		c->kind = nd <= 3 && v >= 1 && v <= REPORT_MAX_COUNT ?
		    CODE_VICTIMS : CODE_BAD_NUMBER;
		break;
	case 'F':
	case 'M':
		c->kind = nd > 3 ? CODE_BAD_NUMBER : f[0] == 'F' ?
		    CODE_FEMALES : CODE_MALES;
		break;
	case 'P':
		c->kind = nd <= REPORT_PIN_DIGITS ? CODE_PIN : CODE_BAD_PIN;
		break;
	}
	if (c->kind == CODE_PIN) {
		c->as[0] = 'P';
		for (i = 1; i < n; i++)
			c->as[i] = f[i] == 'O' ? '0' : f[i];
		c->as[n] = '\0';
	} else if (c->kind != CODE_BAD_NUMBER)
		snprintf(c->as, sizeof c->as, "%c%d", f[0], c->value);
	return 1;
}

/* Exact meaning of a folded word in the code zone. */
static int
report_code_exact(struct parser *p, const char *f, size_t n, struct code *c)
{
	size_t i;
	int k;

	memset(c, 0, sizeof *c);
	if (n == 0 || n >= LEX_FOLD_MAX)
		return 0;
	if (report_counted(f, n, c))
		return 1;
	for (k = 0; k < p->n_areas; k++)
		if (strcmp(f, p->areas[k]) == 0) {
			c->kind = CODE_AREA;
			c->value = k;
			snprintf(c->as, sizeof c->as, "%s", f);
			return 1;
		}
	for (k = 0; k < p->n_forms; k++)
		if (strcmp(f, p->forms[k]) == 0) {
			c->kind = CODE_FORM;
			c->value = k;
			snprintf(c->as, sizeof c->as, "%s", f);
			return 1;
		}
	for (i = 0; i < REPORT_N_WORDS; i++)
		if (report_words[i].is_code &&
		    strcmp(f, report_words[i].word) == 0) {
			c->kind = report_words[i].kind;
			c->value = 1;
			snprintf(c->as, sizeof c->as, "%s",
			    c->kind == CODE_MINOR ? "MENOR" : "U1");
			return 1;
		}
	return 0;
}

/* Exact, or exact once a zero is read as the letter O ("0R" -> OR). */
static int
report_code(struct parser *p, const char *f, size_t n, struct code *c)
{
	char g[LEX_FOLD_MAX];
	size_t i;
	int changed = 0;

	if (report_code_exact(p, f, n, c))
		return 1;
	if (n == 0 || n >= LEX_FOLD_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		g[i] = f[i] == '0' ? 'O' : f[i];
		changed |= f[i] == '0';
	}
	if (!changed || !report_code_exact(p, g, n, c) ||
	    (c->kind != CODE_AREA && c->kind != CODE_FORM &&
	    c->kind != CODE_MINOR && c->kind != CODE_URGENCY) ||
	    (c->kind == CODE_URGENCY && f[0] == 'U' && n == 2))
		return 0;
	c->lookalike = 1;
	return 1;
}

/*
 * One edit away, where an extra letter must be a doubled key ("SVV",
 * "TFF"): a word such as "bar" is not taken for BR.
 */
static int
report_near(const char *f, size_t n, const char *code)
{
	size_t cl = strlen(code), i = 0;

	if (!report_one_edit(f, n, code, cl))
		return 0;
	if (n != cl + 1)
		return 1;
	while (i < cl && f[i] == code[i])
		i++;
	return (i > 0 && f[i - 1] == f[i]) || (i + 1 < n && f[i + 1] == f[i]);
}

/*
 * The one code that f is one edit away from, among codes that could fill a
 * slot that is still free. 0 if none or more than one. *doubled: f is the
 * code with one of its letters doubled ("SVV", "SSX").
 */
static int
report_code_near(struct parser *p, const char *f, size_t n, struct code *c,
    int *doubled)
{
	struct code found = { CODE_NONE, 0, 0, "" };
	size_t i, found_len = 0;
	int k, hits = 0;

	if (n < 2 || n >= LEX_FOLD_MAX || strpbrk(f, "0123456789") != NULL)
		return 0;	/* "SX2" is no near miss: see report-language.md */
	for (k = 0; k < p->n_areas; k++)
		if (report_near(f, n, p->areas[k]) &&
		    (p->r->area < 0 || p->r->area == k)) {
			hits++;
			found.kind = CODE_AREA;
			found.value = k;
			found_len = strlen(p->areas[k]);
			snprintf(found.as, sizeof found.as, "%s", p->areas[k]);
		}
	for (k = 0; k < p->n_forms; k++)
		if (report_near(f, n, p->forms[k])) {
			hits++;
			found.kind = CODE_FORM;
			found.value = k;
			found_len = strlen(p->forms[k]);
			snprintf(found.as, sizeof found.as, "%s", p->forms[k]);
		}
	for (i = 0; i < REPORT_N_WORDS; i++) {
		const struct word *w = &report_words[i];

		if (!w->is_code || !report_near(f, n, w->word))
			continue;
		if ((int)found.kind == w->kind && w->kind != CODE_AREA &&
		    w->kind != CODE_FORM)
			continue;	/* MENORS: MENOR and MENORES agree */
		if (w->kind == CODE_URGENCY && p->urgency_set)
			continue;
		hits++;
		found.kind = w->kind;
		found.value = 1;
		found_len = strlen(w->word);
		snprintf(found.as, sizeof found.as, "%s",
		    w->kind == CODE_MINOR ? "MENOR" : "U1");
	}
	if (hits != 1)
		return 0;
	*c = found;
	*doubled = n == found_len + 1;
	return 1;
}

/* Does this token, left over after the codes, look like a mistyped code? */
static int
report_codelike(struct parser *p, const struct lex_token *t, int forms)
{
	int k, n = forms ? p->n_forms : p->n_areas;
	const char *code;

	if (t->kind != LEX_WORD || t->flen > CODEBOOK_CODE_MAX - 1)
		return 0;
	if (t->letters > 0 && t->digits > 0)
		return 1;
	if (t->upper && t->flen <= 4 && t->flen >= 2)
		return 1;
	for (k = 0; k < n; k++) {
		code = forms ? p->forms[k] : p->areas[k];
		if (strlen(code) == t->flen &&
		    report_one_edit(t->f, t->flen, code, t->flen))
			return 1;
	}
	return 0;
}

/*
 * Apply one recognised code. Returns 1 if taken, 0 if it would change a
 * value already given (so the codes end and the text starts here), -1 on
 * an error.
 */
static int
report_apply(struct parser *p, const struct code *c, size_t off, size_t len)
{
	struct report *r = p->r;
	int i;

	switch (c->kind) {
	case CODE_AREA:
		if (r->area >= 0 && r->area != c->value)
			return 0;
		r->area = c->value;
		p->explicit_codes++;
		break;
	case CODE_FORM:
		for (i = 0; i < r->n_forms; i++)
			if (r->forms[i] == c->value)
				break;
		if (i == r->n_forms && r->n_forms < CODEBOOK_MAX)
			r->forms[r->n_forms++] = c->value;
		p->explicit_codes++;
		break;
	case CODE_URGENCY:
		if (p->urgency_set && r->urgency != c->value)
			return 0;
		r->urgency = c->value;
		p->urgency_set = 1;
		break;
	case CODE_VICTIMS:
		if (r->victims >= 0 && r->victims != c->value)
			return 0;
		r->victims = c->value;
		p->v_off = off;
		p->v_len = len;
		break;
	case CODE_FEMALES:
		if (r->females >= 0 && r->females != c->value)
			return 0;
		r->females = c->value;
		break;
	case CODE_MALES:
		if (r->males >= 0 && r->males != c->value)
			return 0;
		r->males = c->value;
		break;
	case CODE_MINOR:
		r->minor = 1;
		break;
	case CODE_PIN:
		if (r->pin[0] != '\0' && strcmp(r->pin, c->as + 1) != 0)
			return 0;
		snprintf(r->pin, sizeof r->pin, "%s", c->as + 1);
		r->pin_off = off;
		r->pin_len = len;
		break;
	case CODE_BAD_NUMBER:
		return report_fail(p, REPORT_ERR_BAD_NUMBER, off, len);
	case CODE_BAD_PIN:
		return report_fail(p, REPORT_ERR_BAD_PIN, off, len);
	case CODE_NONE:
		return 0;
	}
	if (c->lookalike)
		report_note(p, REPORT_NOTE_LOOKALIKE, off, len, c->as);
	return 1;
}

/*
 * Would a near miss add nothing, because what it stands for was already
 * given or comes next ("SX2 SX")? Then it is more likely something else.
 */
static int
report_redundant(struct parser *p, const struct code *c,
    const struct code *next)
{
	int i;

	if (next->kind == c->kind && next->value == c->value)
		return 1;
	switch (c->kind) {
	case CODE_AREA:
		return p->r->area == c->value;
	case CODE_FORM:
		for (i = 0; i < p->r->n_forms; i++)
			if (p->r->forms[i] == c->value)
				return 1;
		return 0;
	case CODE_MINOR:
		return p->r->minor;
	case CODE_URGENCY:
		return p->r->urgency == c->value;
	default:
		return 0;
	}
}

/* A lone V, F, M, U or P followed by a number: "V 2". */
static int
report_split_code(const struct lex_token *t,
    const struct lex_token *next, struct code *c)
{
	char g[LEX_FOLD_MAX];

	if (t->kind != LEX_WORD || t->flen != 1 ||
	    strchr("UVFMP", t->f[0]) == NULL || next->kind != LEX_WORD ||
	    next->letters != 0 || next->flen + 2 > LEX_FOLD_MAX)
		return 0;
	g[0] = t->f[0];
	memcpy(g + 1, next->f, next->flen + 1);
	memset(c, 0, sizeof *c);
	return report_counted(g, next->flen + 1, c);
}

/* names_match() within this codebook's lists (a stale table is harmless). */
static const struct codebook_name *
report_names_match(struct parser *p, int kind, const struct lex *lx,
    const struct lex_token *t, struct lex *after, size_t *end)
{
	const struct codebook_name *ph;

	ph = names_match(&p->names, kind, lx, t, after, end);
	if (ph == NULL || ph->index < 0 || ph->index >= (ph->kind ==
	    NAMES_AREA ? p->n_areas : p->n_forms))
		return NULL;
	return ph;
}

/* The code an area name or alias stands for. */
static void
report_phrase_code(struct parser *p, const struct codebook_name *ph,
    struct code *c)
{
	memset(c, 0, sizeof *c);
	c->kind = ph->kind == NAMES_AREA ? CODE_AREA : CODE_FORM;
	c->value = ph->index;
	snprintf(c->as, sizeof c->as, "%s", ph->kind == NAMES_AREA ?
	    p->areas[ph->index] : p->forms[ph->index]);
}

/*
 * Does a code start at token t (lx just after it): an exact code, a name
 * or alias, or a code with a letter doubled? Used to look one code ahead.
 */
static int
report_code_starts(struct parser *p, const struct lex *lx,
    const struct lex_token *t, struct code *c)
{
	const struct codebook_name *ph;
	struct lex after;
	size_t end;
	int doubled = 0;

	memset(c, 0, sizeof *c);
	if (t->kind != LEX_WORD)
		return 0;
	if ((ph = report_names_match(p, -1, lx, t, &after, &end)) != NULL) {
		report_phrase_code(p, ph, c);
		return 1;
	}
	if (report_code(p, t->f, t->flen, c))
		return c->kind != CODE_BAD_NUMBER && c->kind != CODE_BAD_PIN;
	if (report_code_near(p, t->f, t->flen, c, &doubled) && doubled)
		return 1;
	memset(c, 0, sizeof *c);
	return 0;
}

/* The word for island, before or after an island: "ILHA DO FOGO". */
static int
report_island_word(const struct lex_token *t)
{
	return t->kind == LEX_WORD && (strcmp(t->f, "ILHA") == 0 ||
	    strcmp(t->f, "ISLAND") == 0);
}

/*
 * An area, by code or name, at token t (lx just after it), with the word
 * for island around it: "ILHA DO FOGO", "ilha de Santiago", "Island of
 * Sal", "Fogo Island". Sets *after and *end past it. 0 if there is none.
 */
static int
report_island(struct parser *p, const struct lex_token *t, struct code *c,
    struct lex *after, size_t *end)
{
	static const char *const of[] = { "DO", "DA", "DE", "D", "OF" };
	const struct codebook_name *ph;
	struct lex_token w = *t, next;
	struct lex lx = p->lx, peek;
	size_t i;
	int before = report_island_word(&w);

	if (before) {
		lex_next(&lx, &w);
		for (i = 0; w.kind == LEX_WORD && i < sizeof of / sizeof of[0];
		    i++)
			if (strcmp(w.f, of[i]) == 0) {
				lex_next(&lx, &w);
				break;
			}
	}
	if (w.kind != LEX_WORD)
		return 0;
	if ((ph = report_names_match(p, NAMES_AREA, &lx, &w, after, end)) !=
	    NULL)
		report_phrase_code(p, ph, c);
	else if (before && report_code_exact(p, w.f, w.flen, c) &&
	    c->kind == CODE_AREA) {
		*after = lx;
		*end = w.end;
	} else
		return 0;
	peek = *after;
	lex_next(&peek, &next);
	if (!before && report_island_word(&next)) {
		*after = peek;
		*end = next.end;
	}
	return 1;
}

/*
 * Read the code at token t, p->lx being just after it: an island with the
 * word for island around it, a name or alias (one or more tokens), an
 * exact code, a split "V 2", or a near miss. Sets
 * *after to the lexer past it, *end to its last byte and *note to the
 * repair to record (-1 for none). Returns 0 when t is no code.
 */
/*
 * "P****": a PIN that report_mask_pin masked, as the spool keeps a report
 * (db/spool.md). A PIN without digits, nobody's; the verdict on the PIN
 * as typed is kept apart (decide.h, pin_verdict).
 */
static int
report_masked_pin(const struct parser *p, const struct lex_token *t,
    struct code *c, size_t *end)
{
	size_t i = t->end;

	if (t->flen != 1 || t->f[0] != 'P' || i >= p->len || p->s[i] != '*')
		return 0;
	while (i < p->len && p->s[i] == '*')
		i++;
	memset(c, 0, sizeof *c);
	c->kind = CODE_PIN;
	snprintf(c->as, sizeof c->as, "P");
	*end = i;
	return 1;
}

static int
report_read_code(struct parser *p, const struct lex_token *t, struct code *c,
    struct lex *after, size_t *end, int *note)
{
	const struct codebook_name *ph;
	struct lex_token next;
	struct lex peek;
	struct code nc;
	int doubled = 0;

	*note = -1;
	*after = p->lx;
	*end = t->end;
	if (report_masked_pin(p, t, c, end))
		return 1;
	if (report_island(p, t, c, after, end))
		return 1;
	if ((ph = report_names_match(p, -1, &p->lx, t, after, end)) != NULL) {
		report_phrase_code(p, ph, c);
		return 1;
	}
	if (report_code(p, t->f, t->flen, c))
		return 1;
	peek = p->lx;
	lex_next(&peek, &next);
	if (report_split_code(t, &next, c)) {
		*after = peek;
		*end = next.end;
		*note = REPORT_NOTE_SPLIT_CODE;
		return 1;
	}
	if (!report_code_near(p, t->f, t->flen, c, &doubled))
		return 0;
	/*
	 * A near miss is taken between two codes ("VS SX"), or wherever it
	 * is a code with a letter doubled ("SVV", "SX SVV"): no word is.
	 */
	if (!report_code_starts(p, &peek, &next, &nc) && !doubled)
		return 0;
	if (report_redundant(p, c, &nc))
		return 0;
	*note = REPORT_NOTE_NEAR_CODE;
	return 1;
}

/*
 * The codes of ALERTA, from token t on. Leaves the free text in the report.
 * Returns the number of tokens taken as codes, or -1 on an error.
 */
static int
report_codes(struct parser *p, struct lex_token *t)
{
	struct lex_token next;
	struct lex after, peek;
	struct code c, nc;
	size_t end;
	int taken = 0, rc, note;

	for (;; lex_next(&p->lx, t)) {
		if (t->kind == LEX_STOP && taken == 0)
			continue;	/* "ALERTA: SV SX" */
		if (t->kind != LEX_WORD ||
		    !report_read_code(p, t, &c, &after, &end, &note))
			break;
		if ((rc = report_apply(p, &c, t->off, end - t->off)) < 0)
			return -1;
		if (rc == 0) {
			if (note == REPORT_NOTE_NEAR_CODE)
				break;
			/*
			 * A code that conflicts with one given ("U1 ... U3")
			 * is ignored, and the receipt says so. If no code
			 * follows, the text starts at it, so a word such as
			 * Kriolu "ma" stays in the text.
			 */
			if (c.kind == CODE_PIN)
				snprintf(c.as, sizeof c.as, "PIN");
			if (report_note(p, REPORT_NOTE_IGNORED, t->off,
			    end - t->off, c.as) != 0)
				break;	/* no room to say so: keep it as text */
			peek = after;
			lex_next(&peek, &next);
			if (!report_code_starts(p, &peek, &next, &nc))
				break;
			p->lx = after;
			continue;
		}
		if (note >= 0)
			report_note(p, (enum report_note_kind)note, t->off,
			    end - t->off, c.as);
		p->lx = after;
		taken++;
	}
	if (t->kind == LEX_END)
		report_text_from(p, p->len);
	else
		report_text_at(p, t);
	return taken;
}

/* A token glued by a hyphen to the next or last one: "ST-12-AB", a plate. */
static int
report_glued(const struct parser *p, const struct lex_token *t)
{
	return (t->off > 0 && p->s[t->off - 1] == '-') ||
	    (t->end < p->len && p->s[t->end] == '-');
}

/*
 * The first area the free text names other than def, with where it is; -1
 * if none. Names and aliases count; a code counts only when typed in
 * capitals, on its own, in a text that has lower-case letters ("bar no
 * FG"), so that Kriolu "ma", a text in capitals or a number plate
 * ("ST-12-AB") is not read as an island.
 */
static int
report_text_area(struct parser *p, int def, size_t *off, size_t *len)
{
	const struct codebook_name *ph;
	struct lex_token t;
	struct lex lx, after;
	struct code c;
	size_t end, code_off = 0, code_len = 0;
	int lower = 0, code = -1;

	lex_init(&lx, p->s, p->r->text_off + p->r->text_len, p->r->text_off);
	for (lex_next(&lx, &t); t.kind != LEX_END; lex_next(&lx, &t)) {
		if (t.kind != LEX_WORD)
			continue;
		if (t.letters > 0 && !t.upper)
			lower = 1;
		if ((ph = report_names_match(p, NAMES_AREA, &lx, &t, &after,
		    &end)) != NULL) {
			if (ph->index != def) {
				*off = t.off;
				*len = end - t.off;
				return ph->index;
			}
			lx = after;
		} else if (code < 0 && t.upper && t.digits == 0 &&
		    !report_glued(p, &t) &&
		    report_code_exact(p, t.f, t.flen, &c) &&
		    c.kind == CODE_AREA && c.value != def) {
			code = c.value;
			code_off = t.off;
			code_len = t.end - t.off;
		}
	}
	if (code < 0 || !lower)
		return -1;
	*off = code_off;
	*len = code_len;
	return code;
}

/* After the codes: the default area, the required codes, V against F+M. */
static int
report_finish_alerta(struct parser *p, const struct parse_options *opt,
    const struct lex_token *rest)
{
	struct report *r = p->r;
	size_t off, len;
	int sum, def = -1, k;

	if (opt != NULL && opt->default_area >= 0 &&
	    opt->default_area < p->n_areas)
		def = opt->default_area;
	/* The registered area is a default only if no other is named. */
	if (r->area < 0 && (k = report_text_area(p, def, &off, &len)) >= 0) {
		r->text_area = k;
		return report_fail(p, REPORT_ERR_WHICH_AREA, off, len);
	}
	if (r->area < 0 && def >= 0) {
		r->area = opt->default_area;
		report_note(p, REPORT_NOTE_DEFAULT_AREA, 0, 0,
		    p->areas[r->area]);
	}
	if (r->area < 0) {
		if (report_codelike(p, rest, 0))
			return report_fail(p, REPORT_ERR_UNKNOWN_AREA,
			    rest->off, rest->end - rest->off);
		return report_fail(p, REPORT_ERR_MISSING_AREA, r->text_off, 0);
	}
	if (r->n_forms == 0) {
		if (report_codelike(p, rest, 1))
			return report_fail(p, REPORT_ERR_UNKNOWN_FORM,
			    rest->off, rest->end - rest->off);
		return report_fail(p, REPORT_ERR_MISSING_FORM, r->text_off, 0);
	}
	if (r->females >= 0 || r->males >= 0) {
		sum = (r->females > 0 ? r->females : 0) +
		    (r->males > 0 ? r->males : 0);
		if (r->victims < 0)
			r->victims = sum;
		else if (sum > r->victims)
			return report_fail(p, REPORT_ERR_VICTIMS_MISMATCH,
			    p->v_off, p->v_len);
	}
	return 0;
}

/* The reference after INFO, ANULAR, ESTADO, OK and FIM. */
static int
report_ref(struct parser *p, struct lex_token *t)
{
	struct lex peek;
	struct lex_token next;
	size_t nd;
	int look = 0;
	long v;

	while (t->kind == LEX_STOP)
		lex_next(&p->lx, t);
	if (t->kind == LEX_WORD && t->digits == 0) {
		/* "OK alerta 123", "ANULAR n 45" */
		static const char *const skip[] = { "ALERTA", "ALERT", "N",
		    "NR", "NO", "NUM", "NUMERO", "REF" };
		size_t i;

		peek = p->lx;
		lex_next(&peek, &next);
		for (i = 0; i < sizeof skip / sizeof skip[0]; i++)
			if (strcmp(t->f, skip[i]) == 0 && next.kind ==
			    LEX_WORD && next.digits > 0) {
				p->lx = peek;
				*t = next;
				break;
			}
	}
	if (t->kind == LEX_END)
		return report_fail(p, REPORT_ERR_MISSING_REF, p->len, 0);
	if (t->kind != LEX_WORD || t->flen >= LEX_FOLD_MAX ||
	    (v = report_number(t->f, 0, t->flen, &nd, &look)) <= 0 ||
	    nd > REPORT_REF_DIGITS)
		return report_fail(p, REPORT_ERR_BAD_REF, t->off,
		    t->end - t->off);
	p->r->ref = v;
	if (look) {
		char as[24];

		snprintf(as, sizeof as, "%ld", v);
		report_note(p, REPORT_NOTE_LOOKALIKE, t->off, t->end - t->off,
		    as);
	}
	return 0;
}

/* The words of the first token that name a command (exact match). */
static const struct word *
report_command_word(const char *f)
{
	size_t i;

	for (i = 0; i < REPORT_N_WORDS; i++)
		if (!report_words[i].is_code &&
		    strcmp(f, report_words[i].word) == 0)
			return &report_words[i];
	return NULL;
}

/* One edit from exactly one command (words of 4 letters or more). */
static const struct word *
report_command_near(const struct lex_token *t)
{
	const struct word *found = NULL;
	size_t i, wl;

	if (t->kind != LEX_WORD || t->flen < 4 || t->digits > 0)
		return NULL;
	for (i = 0; i < REPORT_N_WORDS; i++) {
		wl = strlen(report_words[i].word);
		if (report_words[i].is_code || wl < 4 ||
		    !report_one_edit(t->f, t->flen, report_words[i].word, wl))
			continue;
		if (found != NULL && found->kind != report_words[i].kind)
			return NULL;
		found = &report_words[i];
	}
	return found;
}

/* "OK123": a command that takes a reference, glued to it. */
static const struct word *
report_command_glued(struct parser *p, struct lex_token *t)
{
	const struct word *w;
	char g[LEX_FOLD_MAX];
	size_t i, nd;
	int look;
	long v;

	if (t->kind != LEX_WORD || t->letters == 0 || t->digits == 0 ||
	    t->flen >= LEX_FOLD_MAX)
		return NULL;
	for (i = 0; i < t->flen && !(t->f[i] >= '0' && t->f[i] <= '9'); i++)
		g[i] = t->f[i];
	g[i] = '\0';
	if ((w = report_command_word(g)) == NULL || !w->takes_ref ||
	    (v = report_number(t->f, i, t->flen, &nd, &look)) <= 0 ||
	    nd > REPORT_REF_DIGITS || t->f[i] == 'O')
		return NULL;
	p->r->ref = v;
	return w;
}

static void
report_help_topic(struct parser *p, struct lex_token *t)
{
	static const struct { const char *w; enum report_help h; } topics[] = {
		{ "AREAS", REPORT_HELP_AREAS }, { "AREA", REPORT_HELP_AREAS },
		{ "ILHAS", REPORT_HELP_AREAS }, { "ILHA", REPORT_HELP_AREAS },
		{ "ISLANDS", REPORT_HELP_AREAS },
		{ "FORMAS", REPORT_HELP_FORMS }, { "FORMA", REPORT_HELP_FORMS },
		{ "FORMS", REPORT_HELP_FORMS }, { "FORM", REPORT_HELP_FORMS },
		{ "URG", REPORT_HELP_URGENCY },
		{ "URGENCIA", REPORT_HELP_URGENCY },
		{ "URGENCIAS", REPORT_HELP_URGENCY },
		{ "URGENCY", REPORT_HELP_URGENCY }, { "U", REPORT_HELP_URGENCY },
		{ "ADMIN", REPORT_HELP_ADMIN }, { "LIBERAR", REPORT_HELP_ADMIN },
		{ "RELEASE", REPORT_HELP_ADMIN },
	};
	size_t i;

	while (t->kind == LEX_STOP)
		lex_next(&p->lx, t);
	if (t->kind == LEX_WORD)
		for (i = 0; i < sizeof topics / sizeof topics[0]; i++)
			if (strcmp(t->f, topics[i].w) == 0) {
				p->r->help = topics[i].h;
				lex_next(&p->lx, t);
				break;
			}
	report_text_at(p, t);
}

static void
report_fold_codes(struct parser *p)
{
	const struct codebook *cb = p->cb;
	int i;

	p->n_areas = cb->n_areas < 0 ? 0 : cb->n_areas > CODEBOOK_MAX ?
	    CODEBOOK_MAX : cb->n_areas;
	p->n_forms = cb->n_forms < 0 ? 0 : cb->n_forms > CODEBOOK_MAX ?
	    CODEBOOK_MAX : cb->n_forms;
	for (i = 0; i < p->n_areas; i++)
		if (fold_word(cb->areas[i].code, p->areas[i],
		    sizeof p->areas[i]) < 1)
			p->areas[i][0] = '\0';
	for (i = 0; i < p->n_forms; i++)
		if (fold_word(cb->forms[i].code, p->forms[i],
		    sizeof p->forms[i]) < 1)
			p->forms[i][0] = '\0';
}

/* A message with codes but no command: ALERTA, if it names area or form. */
static int
report_implied(struct parser *p, const struct parse_options *opt,
    struct lex_token *first)
{
	struct lex_token t = *first;
	int taken;

	p->r->cmd = REPORT_CMD_ALERTA;
	report_note(p, REPORT_NOTE_IMPLIED_COMMAND, first->off, 0, "ALERTA");
	taken = report_codes(p, &t);
	if (p->explicit_codes > 0) {
		if (taken < 0)
			return -1;
		return report_finish_alerta(p, opt, &t);
	}
	report_clear(p->r);
	return report_fail(p, REPORT_ERR_UNKNOWN_COMMAND, first->off,
	    first->end - first->off);
}

int
report_parse(const struct codebook *cb, const struct parse_options *opt,
    const char *text, size_t len, struct report *out)
{
	struct parser p;
	struct lex_token t;
	struct lex after;
	const struct word *w;
	size_t start = 0, end;

	p.cb = cb;
	p.s = text;
	p.len = len;
	p.r = out;
	p.explicit_codes = p.urgency_set = 0;
	p.v_off = p.v_len = 0;
	report_clear(out);
	report_fold_codes(&p);
	p.names.p = cb->names;
	p.names.n = cb->n_names < 0 ? 0 : cb->n_names > CODEBOOK_NAMES_MAX ?
	    CODEBOOK_NAMES_MAX : cb->n_names;
	if (!cb->names_ready) {
		p.names.p = p.own;
		p.names.n = names_build(p.own, cb);
	}

	/* "?" alone or first is AJUDA; lex would skip it as a separator. */
	while (start < len && (text[start] == ' ' || text[start] == '\t' ||
	    text[start] == '\r' || text[start] == '\n'))
		start++;
	lex_init(&p.lx, text, len, start);
	if (start < len && text[start] == '?') {
		out->cmd = REPORT_CMD_AJUDA;
		lex_init(&p.lx, text, len, start + 1);
		lex_next(&p.lx, &t);
		report_help_topic(&p, &t);
		return 0;
	}
	lex_next(&p.lx, &t);
	while (t.kind == LEX_STOP)
		lex_next(&p.lx, &t);
	if (t.kind == LEX_END)
		return report_fail(&p, REPORT_ERR_EMPTY, 0, 0);

	if (t.kind == LEX_WORD && (w = report_command_word(t.f)) != NULL)
		lex_next(&p.lx, &t);
	else if ((w = report_command_glued(&p, &t)) != NULL) {
		char as[32];

		snprintf(as, sizeof as, "%s %ld", w->word, out->ref);
		report_note(&p, REPORT_NOTE_GLUED_REF, t.off, t.end - t.off,
		    as);
		lex_next(&p.lx, &t);
	} else if (t.kind == LEX_WORD && report_names_match(&p, -1, &p.lx, &t,
	    &after, &end) != NULL) {
		return report_implied(&p, opt, &t);	/* "Maio SX", not MAIS */
	} else if ((w = report_command_near(&t)) != NULL) {
		report_note(&p, REPORT_NOTE_NEAR_COMMAND, t.off, t.end - t.off,
		    report_cmd_name(w->kind, 0));
		lex_next(&p.lx, &t);
	} else if (t.kind == LEX_WORD)
		return report_implied(&p, opt, &t);
	else
		return report_fail(&p, REPORT_ERR_UNKNOWN_COMMAND, t.off,
		    t.end - t.off);
	out->cmd = (enum report_cmd)w->kind;

	switch (out->cmd) {
	case REPORT_CMD_ALERTA:
		if (report_codes(&p, &t) < 0)
			return -1;
		return report_finish_alerta(&p, opt, &t);
	case REPORT_CMD_AJUDA:
		report_help_topic(&p, &t);
		return 0;
	default:
		break;
	}
	if (out->ref == 0) {
		if (report_ref(&p, &t) < 0)
			return -1;
		lex_next(&p.lx, &t);
	}
	while (t.kind == LEX_STOP && t.end < len)
		lex_next(&p.lx, &t);
	report_text_at(&p, &t);
	if (out->cmd == REPORT_CMD_INFO && out->text_len == 0)
		return report_fail(&p, REPORT_ERR_MISSING_TEXT, len, 0);
	return 0;
}
