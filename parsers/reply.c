/*
 * reply.c: rendering replies and forwards within one GSM-7 SMS.
 *
 * Called for every reply the gateway sends, by farolctl try and by the
 * config loader (reply_template_check on overrides). Nothing rendered here
 * may exceed 160 septets or hold a character outside GSM-7, whatever the
 * codebook, the free text or an override say: the last step of
 * reply_render() enforces it even if a check upstream was skipped.
 */
#include <stdio.h>
#include <string.h>

#include "cause.h"
#include "fold.h"
#include "gsm7.h"
#include "reply.h"

struct reply_ctx {
	const struct codebook *cb;
	const struct reply_vars *v;
	const struct report *r;
	int en;
};

typedef void reply_fill_cb(const struct reply_ctx *, char *, size_t, int);

struct reply_field {
	const char *name;
	int cap;		/* septets; -1 for {text} */
	reply_fill_cb *fill;
};

#define REPLY_NAME_X(id, name, pt, en) name,
static const char *const reply_names[] = { REPLY_TEMPLATES(REPLY_NAME_X) };
#undef REPLY_NAME_X
#define REPLY_TEXT_X(id, name, pt, en) { pt, en },
static const char *const reply_texts[][REPLY_LANGS] = {
	REPLY_TEMPLATES(REPLY_TEXT_X)
};
#undef REPLY_TEXT_X

_Static_assert(REPLY_TEMPLATE_COUNT <= REPLY_TEMPLATES_MAX,
    "raise REPLY_TEMPLATES_MAX");

/* Replace dst with src as GSM-7, at most max septets. */
static void
reply_set(char *dst, size_t dsz, const char *src, size_t len, int max)
{
	dst[0] = '\0';
	gsm7_append_plain(dst, dsz, src, len, max);
}

static void
reply_setz(char *dst, size_t dsz, const char *src, int max)
{
	reply_set(dst, dsz, src, src != NULL ? strlen(src) : 0, max);
}

/* Append a GSM-7 string that is known to fit dsz. */
static void
reply_cat(char *dst, size_t dsz, const char *s)
{
	size_t o = strlen(dst), n = strlen(s);

	if (o + n + 1 > dsz)
		n = dsz - o - 1;
	memcpy(dst + o, s, n);
	dst[o + n] = '\0';
}

static int
reply_len(const char *s)
{
	int n = gsm7_septets(s, strlen(s), NULL);

	return n < 0 ? 1000 : n;
}

static void
fill_ref(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	char buf[24] = "";

	if (c->v->ref != NULL)
		reply_cat(buf, sizeof buf, c->v->ref);
	else if (c->r != NULL && c->r->ref > 0)
		snprintf(buf, sizeof buf, "%ld", c->r->ref);
	reply_setz(o, osz, buf, cap);
}

static const char *
reply_area_code(const struct reply_ctx *c, int i)
{
	if (i < 0 || i >= c->cb->n_areas || i >= CODEBOOK_MAX)
		return "";
	return c->cb->areas[i].code;
}

static const char *
reply_form_code(const struct reply_ctx *c, int i)
{
	if (i < 0 || i >= c->cb->n_forms || i >= CODEBOOK_MAX)
		return "";
	return c->cb->forms[i].code;
}

/* "SV, exploracao sexual, U1, 2 vitimas, menor", codes if names are long */
static void
fill_summary(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	const struct report *r = c->r;
	char buf[REPLY_MAX_BYTES * 2], item[REPLY_MAX_BYTES];
	int names, i;

	o[0] = '\0';
	if (r == NULL)
		return;
	for (names = 1; names >= 0; names--) {
		buf[0] = '\0';
		reply_setz(buf, sizeof buf, reply_area_code(c, r->area), 7);
		for (i = 0; i < r->n_forms; i++) {
			int f = r->forms[i];

			reply_cat(buf, sizeof buf, names || i == 0 ? ", " : " ");
			if (names && f >= 0 && f < c->cb->n_forms)
				reply_setz(item, sizeof item,
				    codebook_entry_name(&c->cb->forms[f], c->en),
				    60);
			else
				reply_setz(item, sizeof item,
				    reply_form_code(c, f), 7);
			reply_cat(buf, sizeof buf, item);
		}
		snprintf(item, sizeof item, ", U%d", r->urgency);
		reply_cat(buf, sizeof buf, item);
		if (r->victims >= 0) {
			snprintf(item, sizeof item, ", %d %s", r->victims,
			    c->en ? (r->victims == 1 ? "victim" : "victims") :
			    (r->victims == 1 ? "vitima" : "vitimas"));
			reply_cat(buf, sizeof buf, item);
		}
		if (r->minor)
			reply_cat(buf, sizeof buf, c->en ? ", minor" : ", menor");
		if (reply_len(buf) <= cap)
			break;
	}
	reply_setz(o, osz, buf, cap);
}

/* "U1 SV SX V2 F1 M1 MENOR", as the forward to authorities begins. */
static void
fill_codes(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	const struct report *r = c->r;
	char buf[REPLY_MAX_BYTES * 2], item[32];
	int i;

	o[0] = '\0';
	if (r == NULL)
		return;
	snprintf(buf, sizeof buf, "U%d", r->urgency);
	if (r->area >= 0) {
		reply_cat(buf, sizeof buf, " ");
		reply_setz(item, sizeof item, reply_area_code(c, r->area), 7);
		reply_cat(buf, sizeof buf, item);
	}
	for (i = 0; i < r->n_forms; i++) {
		reply_cat(buf, sizeof buf, " ");
		reply_setz(item, sizeof item, reply_form_code(c, r->forms[i]),
		    7);
		reply_cat(buf, sizeof buf, item);
	}
	if (r->victims >= 0) {
		snprintf(item, sizeof item, " V%d", r->victims);
		reply_cat(buf, sizeof buf, item);
	}
	if (r->females >= 0) {
		snprintf(item, sizeof item, " F%d", r->females);
		reply_cat(buf, sizeof buf, item);
	}
	if (r->males >= 0) {
		snprintf(item, sizeof item, " M%d", r->males);
		reply_cat(buf, sizeof buf, item);
	}
	if (r->minor)
		reply_cat(buf, sizeof buf, c->en ? " MINOR" : " MENOR");
	reply_setz(o, osz, buf, cap);
}

static void
fill_notified(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	reply_setz(o, osz, c->v->notified, cap);
}

/* The report's area code, "" when it has none. */
static void
fill_area(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	reply_setz(o, osz, c->r != NULL ? reply_area_code(c, c->r->area) :
	    "", cap);
}

static void
fill_fp_name(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	reply_setz(o, osz, c->v->fp_name, cap);
}

static void
fill_fp_phone(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	reply_setz(o, osz, c->v->fp_phone, cap);
}

/*
 * The codes ignored for a conflict, in one sentence ("Ignorado: U3 MA. "),
 * as many as fit in cap septets. 0 if there is none.
 */
static int
fill_ignored(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	char item[32];
	int i, n = 0;

	for (i = 0; i < c->r->n_notes; i++) {
		if (c->r->notes[i].kind != REPORT_NOTE_IGNORED)
			continue;
		reply_setz(item, sizeof item, c->r->notes[i].as, 7);
		if (n == 0)
			reply_setz(o, osz, c->en ? "Ignored:" : "Ignorado:", cap);
		if (reply_len(o) + 1 + reply_len(item) + 2 > cap)
			break;
		reply_cat(o, osz, " ");
		reply_cat(o, osz, item);
		n++;
	}
	if (n > 0)
		reply_cat(o, osz, ". ");
	else
		o[0] = '\0';
	return n;
}

/*
 * The repair notes as sentences ending in ". ": codes ignored for a
 * conflict first (the sender must learn that U3 was not taken), then the
 * other repairs, each whole if it fits; the first one is cut to fit.
 */
static void
fill_note(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	char buf[REPLY_MAX_BYTES];
	int i;

	o[0] = '\0';
	if (c->r == NULL)
		return;
	fill_ignored(c, o, osz, cap);
	for (i = 0; i < c->r->n_notes; i++) {
		if (c->r->notes[i].kind == REPORT_NOTE_DEFAULT_AREA ||
		    c->r->notes[i].kind == REPORT_NOTE_IGNORED)
			continue;
		if (reply_note_format(c->r, i, c->v->input, c->v->input_len,
		    c->en ? REPLY_EN : REPLY_PT, buf, sizeof buf) != 0)
			break;
		reply_cat(buf, sizeof buf, ". ");
		if (o[0] == '\0' && reply_len(buf) > cap) {
			/* cut the sentence, keep the ending */
			reply_setz(o, osz, buf, cap - 2);
			reply_cat(o, osz, ". ");
			return;
		}
		if (reply_len(o) + reply_len(buf) > cap)
			return;
		reply_cat(o, osz, buf);
	}
}

static void
fill_token(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	const struct report *r = c->r;

	o[0] = '\0';
	if (r == NULL || c->v->input == NULL || r->err_off > c->v->input_len ||
	    r->err_len > c->v->input_len - r->err_off)
		return;
	reply_set(o, osz, c->v->input + r->err_off, r->err_len, cap);
}

static void
fill_list(const struct reply_ctx *c, char *o, size_t osz, int cap, int forms)
{
	char buf[REPLY_MAX_BYTES * 2], item[32];
	int i, n = forms ? c->cb->n_forms : c->cb->n_areas;

	buf[0] = '\0';
	for (i = 0; i < n && i < CODEBOOK_MAX; i++) {
		if (i > 0)
			reply_cat(buf, sizeof buf, " ");
		reply_setz(item, sizeof item, forms ? reply_form_code(c, i) :
		    reply_area_code(c, i), 7);
		reply_cat(buf, sizeof buf, item);
	}
	reply_setz(o, osz, buf, cap);
}

static void
fill_areas(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	fill_list(c, o, osz, cap, 0);
}

static void
fill_forms(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	fill_list(c, o, osz, cap, 1);
}

static void
fill_ex_area(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	int a = c->r == NULL ? 0 : c->r->area >= 0 ? c->r->area :
	    c->r->text_area >= 0 ? c->r->text_area : 0;

	reply_setz(o, osz, reply_area_code(c, a), cap);
}

static void
fill_ex_form(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	int f = c->r != NULL && c->r->n_forms > 0 ? c->r->forms[0] : 0;

	reply_setz(o, osz, reply_form_code(c, f), cap);
}

static void
fill_cmd(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	enum report_cmd cmd = c->r != NULL && c->r->cmd != REPORT_CMD_NONE ?
	    c->r->cmd : REPORT_CMD_ALERTA;

	reply_setz(o, osz, report_cmd_name(cmd, c->en), cap);
}

/*
 * Cut a name to at most k septets at a word boundary ("remocao de orgaos"
 * to "remocao"), dropping a dangling short word such as "de"; a first word
 * longer than k is cut inside.
 */
static void
reply_cut_words(char *item, int k)
{
	size_t len = strlen(item), pos = 0, prev = 0, l, w;
	int n = 0, c;

	while (pos < len) {
		prev = pos;
		c = gsm7_cost(fold_decode(item, len, &pos));
		n += c > 0 ? c : 1;
		if (n > k)
			break;
	}
	if (n <= k)
		return;
	item[prev] = '\0';
	l = prev;
	if (l > 0 && strchr(item, ' ') != NULL) {
		/* back to the end of the last whole word */
		while (l > 0 && item[l - 1] != ' ')
			item[--l] = '\0';
		while (l > 0 && item[l - 1] == ' ')
			item[--l] = '\0';
		w = l;
		while (w > 0 && item[w - 1] != ' ')
			w--;
		if (w > 0 && l - w <= 2) {
			item[w] = '\0';
			l = w;
			while (l > 0 && item[l - 1] == ' ')
				item[--l] = '\0';
		}
	}
}

/*
 * "SA Santo Antao, SV Sao Vicente, ...": names cut to the longest length
 * that lets the whole list fit cap, down to codes alone.
 */
static void
fill_named(const struct reply_ctx *c, char *o, size_t osz, int cap, int forms)
{
	const struct codebook_entry *list = forms ? c->cb->forms : c->cb->areas;
	int n = forms ? c->cb->n_forms : c->cb->n_areas, i, k, longest = 0;
	char buf[REPLY_MAX_BYTES * 4], item[REPLY_MAX_BYTES];
	char names[CODEBOOK_MAX][CODEBOOK_NAME_MAX * 3 + 1];
	char codes[CODEBOOK_MAX][32];
	size_t l;

	if (n > CODEBOOK_MAX)
		n = CODEBOOK_MAX;
	for (i = 0; i < n; i++) {
		reply_setz(codes[i], sizeof codes[i], list[i].code, 7);
		reply_setz(names[i], sizeof names[i],
		    codebook_entry_name(&list[i], c->en), CODEBOOK_NAME_MAX);
		if (reply_len(names[i]) > longest)
			longest = reply_len(names[i]);
	}
	for (k = longest; k >= 0; k--) {
		buf[0] = '\0';
		for (i = 0; i < n; i++) {
			if (i > 0)
				reply_cat(buf, sizeof buf, k > 0 ? ", " : " ");
			reply_cat(buf, sizeof buf, codes[i]);
			if (k == 0)
				continue;
			reply_cat(buf, sizeof buf, " ");
			l = strnlen(names[i], sizeof item - 1);
			memcpy(item, names[i], l);
			item[l] = '\0';
			reply_cut_words(item, k);
			reply_cat(buf, sizeof buf, item);
		}
		if (reply_len(buf) <= cap)
			break;
	}
	reply_setz(o, osz, buf, cap);
}

static void
fill_area_help(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	fill_named(c, o, osz, cap, 0);
}

static void
fill_form_help(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	fill_named(c, o, osz, cap, 1);
}

static void
fill_counts(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	char buf[64] = "", item[16];

	if (c->r != NULL) {
		if (c->r->victims >= 0) {
			snprintf(item, sizeof item, "V%d", c->r->victims);
			reply_cat(buf, sizeof buf, item);
		}
		if (c->r->females >= 0) {
			snprintf(item, sizeof item, " F%d", c->r->females);
			reply_cat(buf, sizeof buf, item + (buf[0] == '\0'));
		}
		if (c->r->males >= 0) {
			snprintf(item, sizeof item, " M%d", c->r->males);
			reply_cat(buf, sizeof buf, item + (buf[0] == '\0'));
		}
	}
	reply_setz(o, osz, buf, cap);
}

static void
fill_ussd(const struct reply_ctx *c, char *o, size_t osz, int cap)
{
	reply_set(o, osz, c->cb->ussd_service, strnlen(c->cb->ussd_service,
	    sizeof c->cb->ussd_service), cap);
}

static const struct reply_field reply_fields[] = {
	{ "ref", 9, fill_ref },
	{ "summary", 44, fill_summary },
	{ "notified", 32, fill_notified },
	{ "note", 26, fill_note },
	{ "codes", 48, fill_codes },
	{ "text", -1, NULL },
	{ "fp_name", 20, fill_fp_name },
	{ "fp_phone", 16, fill_fp_phone },
	{ "token", 10, fill_token },
	{ "areas", 66, fill_areas },
	{ "forms", 66, fill_forms },
	{ "ex_area", 7, fill_ex_area },
	{ "ex_form", 7, fill_ex_form },
	{ "cmd", 6, fill_cmd },
	{ "area_help", 150, fill_area_help },
	{ "form_help", 150, fill_form_help },
	{ "counts", 14, fill_counts },
	{ "ussd", 6, fill_ussd },
	{ "area", 7, fill_area },
};
#define REPLY_N_FIELDS (sizeof reply_fields / sizeof reply_fields[0])

/* The field named at s (after '{'), its length through '}' in *n. */
static const struct reply_field *
reply_field_at(const char *s, size_t *n)
{
	const char *close = strchr(s, '}');
	size_t i, l;

	if (close == NULL)
		return NULL;
	l = (size_t)(close - s);
	for (i = 0; i < REPLY_N_FIELDS; i++)
		if (strlen(reply_fields[i].name) == l &&
		    strncmp(s, reply_fields[i].name, l) == 0) {
			*n = l + 1;
			return &reply_fields[i];
		}
	return NULL;
}

int
reply_template_find(const char *name)
{
	int i;

	for (i = 0; i < REPLY_TEMPLATE_COUNT; i++)
		if (strcmp(name, reply_names[i]) == 0)
			return i;
	return -1;
}

const char *
reply_template_name(int t)
{
	return t >= 0 && t < REPLY_TEMPLATE_COUNT ? reply_names[t] : NULL;
}

const char *
reply_template_default(int t, enum reply_lang lang)
{
	if (t < 0 || t >= REPLY_TEMPLATE_COUNT || (int)lang < 0 ||
	    lang >= REPLY_LANGS)
		return NULL;
	return reply_texts[t][lang];
}

int
reply_template_check(const char *text, char **cause)
{
	const struct reply_field *f;
	size_t pos = 0, len = strlen(text), n, at;
	int septets = 0, texts = 0, c;

	while (pos < len) {
		if (text[pos] == '{') {
			if ((f = reply_field_at(text + pos + 1, &n)) == NULL) {
				cause_set(cause, "%s", strchr(text + pos,
				    '}') == NULL ? "a '{' without its '}'" :
				    "unknown placeholder in braces");
				return -1;
			}
			if (f->cap < 0)
				texts++;
			else
				septets += f->cap;
			pos += 1 + n;
			continue;
		}
		if (text[pos] == '}') {
			cause_set(cause, "a '}' without its '{'");
			return -1;
		}
		at = pos;
		c = gsm7_septets(text + at, 1, NULL) > 0 ? 1 : 0;
		if (!c) {
			size_t l = 1;

			while (at + l < len && ((unsigned char)text[at + l] &
			    0xC0) == 0x80)
				l++;
			if (gsm7_septets(text + at, l, NULL) < 0) {
				cause_set(cause, "a character outside the "
				    "GSM 7-bit alphabet (write Portuguese "
				    "without accents)");
				return -1;
			}
			septets += gsm7_septets(text + at, l, NULL);
			pos += l;
			continue;
		}
		septets += gsm7_septets(text + at, 1, NULL);
		pos++;
	}
	if (texts > 1) {
		cause_set(cause, "{text} may appear only once");
		return -1;
	}
	if (septets + (texts ? REPLY_TEXT_MIN : 0) > GSM7_SMS_SEPTETS) {
		cause_set(cause, "%s", texts ?
		    "too long: with the longest values it leaves "
		    "less than 20 characters for {text}" :
		    "too long: with the longest values it exceeds 160 GSM "
		    "characters");
		return -1;
	}
	return 0;
}

/* The free text ({text}) in the room the rest of the reply leaves. */
static void
reply_text(const struct reply_ctx *c, int room, char *out, size_t outsz)
{
	const char *text = c->v->text;
	size_t text_len = c->v->text_len;

	if (text == NULL && c->r != NULL && c->v->input != NULL &&
	    c->r->text_off <= c->v->input_len &&
	    c->r->text_len <= c->v->input_len - c->r->text_off) {
		text = c->v->input + c->r->text_off;
		text_len = c->r->text_len;
	}
	if (text != NULL && room > 0)
		gsm7_append(out, outsz, text, text_len, room);
}

int
reply_render(const struct codebook *cb, const struct reply_overrides *ov,
    enum reply_lang lang, int t, const struct reply_vars *v, char *out,
    size_t outsz)
{
	static const struct reply_vars none;
	struct reply_ctx c;
	char part[2][REPLY_MAX_BYTES], val[REPLY_MAX_BYTES];
	const struct reply_field *f;
	const char *tmpl;
	size_t pos, len, n;
	int side = 0, has_text = 0, room, used;

	if (outsz > 0)
		out[0] = '\0';
	if (t < 0 || t >= REPLY_TEMPLATE_COUNT || outsz < REPLY_MAX_BYTES ||
	    (int)lang < 0 || lang >= REPLY_LANGS)
		return -1;
	tmpl = ov != NULL && ov->text[lang][t] != NULL ? ov->text[lang][t] :
	    reply_texts[t][lang];
	c.cb = cb;
	c.v = v != NULL ? v : &none;
	c.r = c.v->report;
	c.en = lang == REPLY_EN;
	part[0][0] = part[1][0] = '\0';
	len = strlen(tmpl);
	for (pos = 0; pos < len; ) {
		if (tmpl[pos] == '{' &&
		    (f = reply_field_at(tmpl + pos + 1, &n)) != NULL) {
			pos += 1 + n;
			if (f->cap < 0) {
				has_text = 1;
				side = 1;
				continue;
			}
			f->fill(&c, val, sizeof val, f->cap);
			gsm7_append(part[side], sizeof part[side], val,
			    strlen(val), GSM7_SMS_SEPTETS);
			continue;
		}
		n = strcspn(tmpl + pos + 1, "{") + 1;
		gsm7_append(part[side], sizeof part[side], tmpl + pos, n,
		    GSM7_SMS_SEPTETS);
		pos += n;
	}
	val[0] = '\0';
	if (has_text)
		reply_text(&c, GSM7_SMS_SEPTETS - reply_len(part[0]) -
		    reply_len(part[1]), val, sizeof val);
	/* An empty {text} between two spaces leaves one space, not two. */
	len = strlen(part[0]);
	if (has_text && val[0] == '\0' && len > 0 && part[0][len - 1] == ' ' &&
	    part[1][0] == ' ')
		memmove(part[1], part[1] + 1, strlen(part[1]));
	/* assemble, and never exceed one SMS whatever the template says */
	reply_cat(part[0], sizeof part[0], val);
	out[0] = '\0';
	/* What gsm7_append returns is what out then counts: no recount. */
	used = gsm7_append(out, outsz, part[0], strlen(part[0]),
	    GSM7_SMS_SEPTETS);
	room = GSM7_SMS_SEPTETS - used;
	if (room > 0 && part[1][0] != '\0') {
		if (reply_len(part[1]) > room) {
			/* only an unchecked override gets here */
			out[0] = '\0';
			snprintf(val, sizeof val, "%s", part[0]);
			gsm7_append(val, sizeof val, part[1], strlen(part[1]),
			    GSM7_SMS_SEPTETS);
			used = gsm7_append(out, outsz, val, strlen(val),
			    GSM7_SMS_SEPTETS);
		} else
			used += gsm7_append(out, outsz, part[1],
			    strlen(part[1]), room);
	}
	return used;
}

int
reply_for_report(const struct report *r)
{
	static const int by_err[REPORT_ERR_COUNT] = {
		[REPORT_ERR_EMPTY] = REPLY_ERROR_EMPTY,
		[REPORT_ERR_UNKNOWN_COMMAND] = REPLY_ERROR_UNKNOWN_COMMAND,
		[REPORT_ERR_MISSING_REF] = REPLY_ERROR_MISSING_REF,
		[REPORT_ERR_BAD_REF] = REPLY_ERROR_BAD_REF,
		[REPORT_ERR_MISSING_AREA] = REPLY_ERROR_MISSING_AREA,
		[REPORT_ERR_UNKNOWN_AREA] = REPLY_ERROR_UNKNOWN_AREA,
		[REPORT_ERR_MISSING_FORM] = REPLY_ERROR_MISSING_FORM,
		[REPORT_ERR_UNKNOWN_FORM] = REPLY_ERROR_UNKNOWN_FORM,
		[REPORT_ERR_BAD_NUMBER] = REPLY_ERROR_BAD_NUMBER,
		[REPORT_ERR_VICTIMS_MISMATCH] = REPLY_ERROR_VICTIMS_MISMATCH,
		[REPORT_ERR_BAD_PIN] = REPLY_ERROR_BAD_PIN,
		[REPORT_ERR_MISSING_TEXT] = REPLY_ERROR_MISSING_TEXT,
		[REPORT_ERR_USSD_SERVICE] = REPLY_ERROR_USSD,
		[REPORT_ERR_USSD_FORMAT] = REPLY_ERROR_USSD,
		[REPORT_ERR_USSD_CHOICE] = REPLY_ERROR_USSD,
		[REPORT_ERR_WHICH_AREA] = REPLY_ERROR_WHICH_AREA,
	};
	static const int help[] = { REPLY_HELP, REPLY_HELP_AREAS,
	    REPLY_HELP_FORMS, REPLY_HELP_URGENCY, REPLY_HELP_ADMIN };

	if (r->err != REPORT_ERR_NONE)
		return (int)r->err > 0 && r->err < REPORT_ERR_COUNT ?
		    by_err[r->err] : -1;
	switch (r->cmd) {
	case REPORT_CMD_ALERTA:
		return REPLY_RECEIPT;
	case REPORT_CMD_INFO:
		return REPLY_INFO_RECEIPT;
	case REPORT_CMD_ANULAR:
		return REPLY_CANCEL_RECEIPT;
	case REPORT_CMD_OK:
		return REPLY_ACK_RECEIPT;
	case REPORT_CMD_FIM:
		return REPLY_CLOSE_RECEIPT;
	case REPORT_CMD_LIBERAR:
		return REPLY_RELEASE_RECEIPT;
	case REPORT_CMD_AJUDA:
		return (int)r->help >= 0 && r->help <= REPORT_HELP_ADMIN ?
		    help[r->help] : REPLY_HELP;
	case REPORT_CMD_ESTADO:
	case REPORT_CMD_NONE:
		break;
	}
	return -1;
}

int
reply_note_format(const struct report *r, int i, const char *input,
    size_t input_len, enum reply_lang lang, char *out, size_t outsz)
{
	const struct report_note *n;
	char tok[64] = "", as[32];
	int en = lang == REPLY_EN;

	if (outsz > 0)
		out[0] = '\0';
	if (i < 0 || i >= r->n_notes || outsz == 0)
		return -1;
	n = &r->notes[i];
	if (input != NULL && n->off <= input_len &&
	    n->len <= input_len - n->off)
		reply_set(tok, sizeof tok, input + n->off, n->len, 10);
	reply_setz(as, sizeof as, n->as, 15);
	if (n->kind == REPORT_NOTE_IMPLIED_COMMAND ||
	    n->kind == REPORT_NOTE_NEAR_COMMAND)
		snprintf(as, sizeof as, "%s", report_cmd_name(r->cmd, en));
	switch (n->kind) {
	case REPORT_NOTE_IMPLIED_COMMAND:
		snprintf(out, outsz, en ? "No command: read %s" :
		    "Sem comando: lido %s", as);
		break;
	case REPORT_NOTE_DEFAULT_AREA:
		snprintf(out, outsz, en ? "Island from registration: %s" :
		    "Ilha do registo: %s", as);
		break;
	case REPORT_NOTE_IGNORED:
		snprintf(out, outsz, en ? "Ignored: %s" : "Ignorado: %s", as);
		break;
	default:
		snprintf(out, outsz, en ? "Read \"%s\" as %s" :
		    "Li \"%s\" como %s", tok, as);
		break;
	}
	return 0;
}
