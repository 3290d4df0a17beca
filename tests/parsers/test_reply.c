/*
 * test_reply.c: reply templates, the 160-septet budget and GSM-7.
 *
 * Renders every template in both languages with the longest values it can
 * hold and checks the budget; checks that the built-in texts are GSM-7
 * only; checks exact texts of the receipt, forward and help replies; and
 * reply_template_check() on overrides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codebook.h"
#include "gsm7.h"
#include "reply.h"
#include "report.h"

static int
septets(const char *s)
{
	return gsm7_septets(s, strlen(s), NULL);
}

/* A codebook whose every value is as long as the config allows. */
static void
longest_codebook(struct codebook *cb)
{
	int i, j;

	memset(cb, 0, sizeof *cb);
	for (i = 0; i < 9; i++) {
		snprintf(cb->areas[i].code, sizeof cb->areas[i].code,
		    "AREA%03d", i);
		snprintf(cb->forms[i].code, sizeof cb->forms[i].code,
		    "FORM%03d", i);
		for (j = 0; j < 21; j++) {
			/* 3-byte euro signs: 2 septets each, 63 bytes */
			memcpy(cb->areas[i].name_pt + 3 * j, "\xe2\x82\xac", 3);
			memcpy(cb->forms[i].name_en + 3 * j, "\xe2\x82\xac", 3);
		}
		memset(cb->forms[i].name_pt, 'x', CODEBOOK_NAME_MAX - 1);
		memset(cb->areas[i].name_en, '{', CODEBOOK_NAME_MAX - 1);
	}
	cb->n_areas = cb->n_forms = 9;
	snprintf(cb->country_code, sizeof cb->country_code, "999");
	cb->national_length = 12;
	snprintf(cb->ussd_service, sizeof cb->ussd_service, "999999");
}

static void
test_budget(void)
{
	static char input[4096], longval[1024];
	struct codebook cb;
	struct report r;
	struct reply_vars v;
	char out[REPLY_MAX_BYTES];
	size_t i, o = 0;
	int t, lang, n, e;

	longest_codebook(&cb);
	CHECK(codebook_validate(&cb, NULL, NULL) == 0, "longest codebook "
	    "invalid");
	/* input: extension characters, accents and emoji, 1,000+ bytes */
	while (o + 8 < 1200) {
		memcpy(input + o, "{\xc3\xa7\xf0\x9f\x98\xa2}", 8);
		o += 8;
	}
	input[o] = '\0';
	for (i = 0; i + 3 < sizeof longval - 1; i += 3)
		memcpy(longval + i, "\xe2\x82\xac", 3);
	report_clear(&r);
	r.cmd = REPORT_CMD_ALERTA;
	r.ref = 999999999;
	r.area = 8;
	for (i = 0; i < 9; i++)
		r.forms[i] = (int)i;
	r.n_forms = 9;
	r.urgency = 3;
	r.victims = r.females = r.males = 999;
	r.minor = 1;
	r.text_off = 0;
	r.text_len = o;
	r.err_off = 0;
	r.err_len = o;
	for (i = 0; i < REPORT_MAX_NOTES; i++) {
		r.notes[i].kind = (enum report_note_kind)i;
		r.notes[i].off = 0;
		r.notes[i].len = o;
		memset(r.notes[i].as, 'W', sizeof r.notes[i].as - 1);
	}
	r.n_notes = REPORT_MAX_NOTES;
	memset(&v, 0, sizeof v);
	v.report = &r;
	v.input = input;
	v.input_len = o;
	v.ref = longval;
	v.notified = longval;
	v.fp_name = longval;
	v.fp_phone = longval;
	for (t = 0; t < REPLY_TEMPLATE_COUNT; t++)
		for (lang = 0; lang < REPLY_LANGS; lang++)
			for (e = 0; e < REPORT_ERR_COUNT; e++) {
				r.err = (enum report_err)e;
				n = reply_render(&cb, NULL,
				    (enum reply_lang)lang, t, &v, out,
				    sizeof out);
				CHECK(n > 0 && n <= 160 && septets(out) == n,
				    "%s/%d err %d: %d septets: %s",
				    reply_template_name(t), lang, e, n, out);
			}
	/* a real ref, as the gateway renders it */
	v.ref = NULL;
	for (t = 0; t < REPLY_TEMPLATE_COUNT; t++)
		for (lang = 0; lang < REPLY_LANGS; lang++) {
			n = reply_render(&cb, NULL, (enum reply_lang)lang, t,
			    &v, out, sizeof out);
			CHECK(n > 0 && n <= 160 && septets(out) == n,
			    "%s/%d: %d septets: %s", reply_template_name(t),
			    lang, n, out);
		}
}

static void
test_defaults(void)
{
	const char *s;
	char *why = NULL;
	int t, lang, u;

	for (t = 0; t < REPLY_TEMPLATE_COUNT; t++) {
		const char *name = reply_template_name(t);

		CHECK(name != NULL && reply_template_find(name) == t,
		    "template %d name", t);
		for (u = 0; name != NULL && name[u] != '\0'; u++)
			CHECK((name[u] >= 'a' && name[u] <= 'z') ||
			    name[u] == '_', "%s is not snake_case", name);
		for (lang = 0; lang < REPLY_LANGS; lang++) {
			s = reply_template_default(t, (enum reply_lang)lang);
			CHECK(s != NULL && gsm7_septets(s, strlen(s), NULL) >=
			    0, "%s/%d has a character outside GSM-7", name,
			    lang);
			CHECK(s != NULL && reply_template_check(s, &why) == 0,
			    "%s/%d: %s", name, lang, why);
			free(why);
			why = NULL;
		}
	}
	CHECK(reply_template_find("receipt") == REPLY_RECEIPT, "receipt");
	CHECK(reply_template_find("forward") == REPLY_FORWARD, "forward");
	CHECK(reply_template_find("error_unknown_area") ==
	    REPLY_ERROR_UNKNOWN_AREA, "error_unknown_area");
	CHECK(reply_template_find("nope") == -1, "unknown name");
	CHECK(reply_template_find("") == -1, "empty name");
	CHECK(reply_template_name(-1) == NULL &&
	    reply_template_name(REPLY_TEMPLATE_COUNT) == NULL, "range");
	CHECK(reply_template_default(0, (enum reply_lang)2) == NULL, "lang");
}

static void
test_check(void)
{
	static const struct {
		const char *text;
		const char *why;	/* NULL: accepted */
	} rows[] = {
		{ "Alerta {ref} recebido. {notified}.", NULL },
		{ "Alerta {ref}: {summary}", NULL },
		{ "", NULL },
		{ "Sem placeholders, so texto é GSM: é à ù ì ò Ç Ñ ü ß", NULL },
		{ "{text}", NULL },
		{ "Alerta {reff}", "unknown placeholder in braces" },
		{ "Alerta {REF}", "unknown placeholder in braces" },
		{ "Alerta {ref", "a '{' without its '}'" },
		{ "Alerta ref}", "a '}' without its '{'" },
		{ "Alerta {}", "unknown placeholder in braces" },
		{ "Alerta nº {ref}", "a character outside the GSM 7-bit "
		  "alphabet (write Portuguese without accents)" },
		{ "Atenção {ref}", "a character outside the GSM 7-bit alphabet "
		  "(write Portuguese without accents)" },
		{ "Alerta {ref} 😢", "a character outside the GSM 7-bit "
		  "alphabet (write Portuguese without accents)" },
		{ "{text} {text}", "{text} may appear only once" },
		{ "{area_help} {ref} {ref}", "too long: with the longest values it "
		  "exceeds 160 GSM characters" },
		{ "{area_help}", NULL },
		{ "{codes} {fp_name} {fp_phone} {summary} {notified} {text}",
		  "too long: with the longest values it leaves less than 20 "
		  "characters for {text}" },
		{ "{codes} {fp_name} {fp_phone} {notified} {text}", NULL },
		{ "\xff", "a character outside the GSM 7-bit alphabet (write "
		  "Portuguese without accents)" },
	};
	char *why;
	size_t i;
	int rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		why = NULL;
		rc = reply_template_check(rows[i].text, &why);
		if (rows[i].why == NULL)
			CHECK(rc == 0 && why == NULL, "row %zu \"%s\": %s", i,
			    rows[i].text, why);
		else {
			CHECK(rc == -1, "row %zu \"%s\" accepted", i,
			    rows[i].text);
			CHECK_STR(why != NULL ? why : "(null)", rows[i].why,
			    "row %zu", i);
		}
		free(why);
	}
	{
		/* 160 septets exactly pass, 161 do not; '{' costs 2 */
		char s[200];

		memset(s, 'a', 160);
		s[160] = '\0';
		CHECK(reply_template_check(s, NULL) == 0, "160 refused");
		s[160] = 'a';
		s[161] = '\0';
		CHECK(reply_template_check(s, NULL) == -1, "161 accepted");
		memset(s, 'a', 150);
		memcpy(s + 150, "[]]]]", 5);	/* 150 + 10 */
		s[155] = '\0';
		CHECK(reply_template_check(s, NULL) == 0, "ext 160 refused");
		memcpy(s + 150, "[]]]]]", 6);
		s[156] = '\0';
		CHECK(reply_template_check(s, NULL) == -1, "ext 162 accepted");
	}
}

/* Parse msg and render its reply. */
static int
render_msg(const struct codebook *cb, const struct reply_overrides *ov,
    enum reply_lang lang, const char *msg, int t, const char *ref,
    const char *notified, char *out)
{
	struct parse_options opt = { -1 };
	struct reply_vars v;
	struct report r;

	report_parse(cb, &opt, msg, strlen(msg), &r);
	memset(&v, 0, sizeof v);
	v.report = &r;
	v.input = msg;
	v.input_len = strlen(msg);
	v.ref = r.cmd == REPORT_CMD_ALERTA ? ref : NULL;
	v.notified = notified;
	v.fp_name = "Maria";
	v.fp_phone = "+2389912345";
	return reply_render(cb, ov, lang, t < 0 ? reply_for_report(&r) : t,
	    &v, out, REPLY_MAX_BYTES);
}

static void
test_texts(void)
{
	static const struct {
		enum reply_lang lang;
		const char *msg;
		int t;		/* -1: the reply to the message */
		const char *want;
	} rows[] = {
		{ REPLY_PT, "ALERTA SV SX U1 V2 MENOR Bar Calheta", -1,
		  "Alerta 123 recebido: SV, exploracao sexual, U1, 2 vitimas, "
		  "menor. Policia SV avisada. ANULAR 123 se errado." },
		{ REPLY_EN, "ALERTA SV SX U1 V2 MENOR Bar Calheta", -1,
		  "Alert 123 received: SV, SX, U1, 2 victims, minor. Policia SV "
		  "avisada. CANCEL 123 if wrong." },
		{ REPLY_EN, "ALERTA SV SX U1 Bar Calheta", -1,
		  "Alert 123 received: SV, sexual exploitation, U1. Policia SV "
		  "avisada. CANCEL 123 if wrong." },
		{ REPLY_PT, "ALERTA SL DM F1", -1,
		  "Alerta 123 recebido: SL, servidao domestica, U2, 1 vitima. "
		  "Policia SV avisada. ANULAR 123 se errado." },
		{ REPLY_PT, "ALERTA SV SX TF CM U1 V12", -1,
		  "Alerta 123 recebido: SV, SX TF CM, U1, 12 vitimas. Policia "
		  "SV avisada. ANULAR 123 se errado." },
		{ REPLY_PT, "ALERTA SVV SX U1", -1,
		  "Alerta 123 recebido: SV, exploracao sexual, U1. Policia SV "
		  "avisada. Li \"SVV\" como SV. ANULAR 123 se errado." },
		{ REPLY_EN, "SV SX U1", -1,
		  "Alert 123 received: SV, sexual exploitation, U1. Policia SV "
		  "avisada. No command: read ALERT. CANCEL 123 if wrong." },
		{ REPLY_PT, "ALERTA SV SX U1 V2 MENOR Bar Calheta, Mindelo.",
		  REPLY_FORWARD, "FAROL 123 U1 SV SX V2 MENOR: Bar Calheta, "
		  "Mindelo. FP Maria +2389912345. Responda OK 123" },
		{ REPLY_EN, "ALERTA SV SX U1 V2 MENOR Bar Calheta",
		  REPLY_FORWARD, "FAROL 123 U1 SV SX V2 MINOR: Bar Calheta FP "
		  "Maria +2389912345. Reply OK 123" },
		{ REPLY_PT, "ALERTA SV SX F1 M2 Rua São Vicente, ação, criança "
		  "😢 €5 {x}", REPLY_FORWARD, "FAROL 123 U2 SV SX V3 F1 M2: Rua "
		  "Sao Vicente, acao, crianca ? €5 {x} FP Maria +2389912345. "
		  "Responda OK 123" },
		{ REPLY_PT, "ALERTA SV SX U1 V2 MENOR Bar Calheta, Mindelo. "
		  "Duas raparigas, homem estrangeiro, carro preto com "
		  "matricula ST-12-AB, estao no quarto 4 desde ontem",
		  REPLY_FORWARD, "FAROL 123 U1 SV SX V2 MENOR: Bar Calheta, "
		  "Mindelo. Duas raparigas, homem estrangeiro, carro preto "
		  "com matricula ST-12-A... FP Maria +2389912345. "
		  "Responda OK 123" },
		{ REPLY_PT, "AJUDA", -1, "ALERTA ilha forma [U1-U3] [V2] "
		  "[MENOR] texto. Ex: ALERTA SA SX U1 V2 bar X. Tambem INFO, "
		  "ANULAR, ESTADO num. AJUDA AREAS, FORMAS ou URG" },
		{ REPLY_EN, "HELP", -1, "ALERT island form [U1-U3] [V2] "
		  "[MINOR] text. Ex: ALERT SA SX U1 V2 bar X. Also INFO, "
		  "CANCEL, STATUS num. HELP AREAS, FORMS or URG" },
		{ REPLY_PT, "AJUDA AREAS", -1, "Ilhas: SA Santo Antao, SV Sao "
		  "Vicente, SN Sao Nicolau, SL Sal, BV Boa Vista, MA Maio, ST "
		  "Santiago, FG Fogo, BR Brava" },
		{ REPLY_PT, "AJUDA FORMAS", -1, "Formas: SX exploracao, TF "
		  "trabalho forcado, DM servidao, MD mendicidade, CR "
		  "criminalidade, CM casamento, OR remocao, CT contrabando, "
		  "OU outro" },
		{ REPLY_EN, "HELP FORMS", -1, "Forms: SX sexual, TF forced "
		  "labour, DM domestic, MD forced begging, CR forced, CM "
		  "forced marriage, OR organ removal, CT migrant smuggling, OU "
		  "other" },
		{ REPLY_PT, "AJUDA URG", -1, "U1 perigo imediato (ou URGENTE), "
		  "U2 urgente (sem codigo = U2), U3 so para o Observatorio. "
		  "Ex: ALERTA SA SX U1 bar X" },
		{ REPLY_PT, "INFO 45 carro azul", -1,
		  "Info do alerta 45 recebida. Obrigado." },
		{ REPLY_PT, "ANULAR 45", -1, "Alerta 45 anulado." },
		{ REPLY_EN, "CANCEL 45", -1, "Alert 45 cancelled." },
		{ REPLY_PT, "OK 45", -1, "Alerta 45: OK registado. Obrigado." },
		{ REPLY_PT, "FIM 45", -1, "Alerta 45 fechado. Obrigado." },
		{ REPLY_EN, "ALERTA SX2 U1", -1, "Unknown island code \"SX2\". "
		  "Islands: SA SV SN SL BV MA ST FG BR. Ex: ALERT SA SX U1 V2 "
		  "bar X" },
		{ REPLY_EN, "OK", -1,
		  "The alert number is missing. Ex: OK 123" },
		{ REPLY_EN, "ANULAR x", -1,
		  "Invalid alert number \"x\". Ex: CANCEL 123" },
		{ REPLY_PT, "ALERTA SV SX V1 F2", -1,
		  "V1 F2: F+M nao pode passar de V. Ex: ALERTA SV SX V3 F1 M2 "
		  "bar X" },
	};
	struct codebook cb;
	char out[REPLY_MAX_BYTES];
	size_t i;
	int n;

	codebook_default(&cb);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		n = render_msg(&cb, NULL, rows[i].lang, rows[i].msg, rows[i].t,
		    "123", "Policia SV avisada", out);
		CHECK_STR(out, rows[i].want, "row %zu: \"%s\"", i,
		    rows[i].msg);
		CHECK(n == septets(out) && n <= 160, "row %zu: n=%d", i, n);
	}
	/* a long forward is cut to exactly one SMS */
	n = render_msg(&cb, NULL, REPLY_PT, rows[10].msg, REPLY_FORWARD, "123",
	    NULL, out);
	CHECK(n == 160, "long forward: %d septets", n);
	/* ESTADO depends on the stored alert: no template */
	{
		struct report r;

		report_parse(&cb, NULL, "ESTADO 4", 8, &r);
		CHECK(reply_for_report(&r) == -1, "ESTADO has a reply");
	}
}

static void
test_overrides(void)
{
	struct reply_overrides ov;
	struct codebook cb;
	char out[REPLY_MAX_BYTES];

	codebook_default(&cb);
	memset(&ov, 0, sizeof ov);
	ov.text[REPLY_PT][REPLY_RECEIPT] = "Recebido: alerta {ref} ({summary}).";
	CHECK(reply_template_check(ov.text[REPLY_PT][REPLY_RECEIPT], NULL) ==
	    0, "override refused");
	render_msg(&cb, &ov, REPLY_PT, "ALERTA SV SX", -1, "7", NULL, out);
	CHECK_STR(out, "Recebido: alerta 7 (SV, exploracao sexual, U2).",
	    "override pt");
	render_msg(&cb, &ov, REPLY_EN, "ALERTA SV SX", -1, "7", "X", out);
	CHECK_STR(out, "Alert 7 received: SV, sexual exploitation, U2. X. "
	    "CANCEL 7 if wrong.", "en keeps its default");
	/* an unchecked override is still held to one GSM-7 SMS */
	ov.text[REPLY_PT][REPLY_RECEIPT] = "Ação {area_help} {area_help} "
	    "{form_help} 😢";
	CHECK(render_msg(&cb, &ov, REPLY_PT, "ALERTA SV SX", -1, "7", NULL,
	    out) == 160 && septets(out) == 160, "unchecked override: %s",
	    out);
	/* a small buffer is refused */
	CHECK(reply_render(&cb, NULL, REPLY_PT, REPLY_HELP, NULL, out, 100) ==
	    -1, "small buffer");
	CHECK(reply_render(&cb, NULL, REPLY_PT, REPLY_TEMPLATE_COUNT, NULL,
	    out, sizeof out) == -1, "unknown template");
}

static void
test_gsm7(void)
{
	static const struct {
		const char *s;
		int want;
	} rows[] = {
		{ "", 0 }, { "abc", 3 }, { "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ", 29 },
		{ "!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà", 33 },
		{ "^{}\\[~]|€", 18 }, { "\n\r", 2 }, { "ã", -1 }, { "ç", -1 },
		{ "`", -1 }, { "\t", -1 }, { "😢", -1 }, { "\xff", -1 },
		{ "\xc3", -1 }, { "á", -1 }, { "Ç", 1 },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CHECK(gsm7_septets(rows[i].s, strlen(rows[i].s), NULL) ==
		    rows[i].want, "\"%s\": got %d want %d", rows[i].s,
		    gsm7_septets(rows[i].s, strlen(rows[i].s), NULL),
		    rows[i].want);
	out[0] = '\0';
	CHECK(gsm7_append(out, sizeof out, "Atenção: São Tomé 😢", 23, 40) ==
	    19, "append");
	CHECK_STR(out, "Atencao: Sao Tomé ?", "transliterate");
	out[0] = '\0';
	gsm7_append_plain(out, sizeof out, "Tomé Ç", 8, 40);
	CHECK_STR(out, "Tome C", "plain");
	out[0] = '\0';
	CHECK(gsm7_append(out, sizeof out, "abcdefghij", 10, 8) == 8, "cut");
	CHECK_STR(out, "abcde...", "cut");
	out[0] = '\0';
	CHECK(gsm7_append(out, sizeof out, "abc{{{{", 7, 8) == 8, "cut ext");
	CHECK_STR(out, "abc{...", "cut ext");
	out[0] = '\0';
	gsm7_append(out, sizeof out, "abcdef", 6, 6);
	CHECK_STR(out, "abcdef", "exact fit is not cut");
}

int
main(void)
{
	test_defaults();
	test_check();
	test_budget();
	test_texts();
	test_overrides();
	test_gsm7();
	return check_done("test_reply");
}
