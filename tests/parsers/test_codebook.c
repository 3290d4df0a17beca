/*
 * test_codebook.c: codebook_default() and codebook_validate().
 *
 * Each row changes one thing in the default codebook and lists the
 * problems validation must report, as "line: reason".
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "codebook.h"

struct problems {
	char text[2048];
};

static void
collect(void *arg, int line, const char *reason)
{
	struct problems *p = arg;
	size_t o = strlen(p->text);

	snprintf(p->text + o, sizeof p->text - o, "%s%d: %s",
	    o > 0 ? " / " : "", line, reason);
}

static void
set(struct codebook_entry *e, const char *code, int line)
{
	snprintf(e->code, sizeof e->code, "%s", code);
	e->line = line;
}

/* The default codebook with lines 10.. for areas and 30.. for forms. */
static void
numbered(struct codebook *cb)
{
	int i;

	codebook_default(cb);
	for (i = 0; i < cb->n_areas; i++)
		cb->areas[i].line = 10 + i;
	for (i = 0; i < cb->n_forms; i++)
		cb->forms[i].line = 30 + i;
}

static void
expect(const struct codebook *cb, const char *want, const char *what)
{
	struct problems p = { "" };
	int n = codebook_validate(cb, collect, &p);

	CHECK_STR(p.text, want, "%s", what);
	CHECK((n == 0) == (want[0] == '\0'), "%s: n=%d", what, n);
}

int
main(void)
{
	struct codebook cb;
	int i;

	codebook_default(&cb);
	expect(&cb, "", "the default codebook");
	CHECK(cb.n_areas == 9 && cb.n_forms == 9, "n=%d/%d", cb.n_areas,
	    cb.n_forms);
	CHECK_STR(cb.areas[1].code, "SV", "area 2");
	CHECK_STR(cb.areas[6].code, "ST", "area 7");
	CHECK_STR(cb.forms[0].code, "SX", "form 1");
	CHECK_STR(cb.forms[8].code, "OU", "form 9");
	CHECK_STR(cb.areas[0].name_pt, "Santo Antão", "name");
	CHECK_STR(cb.forms[1].name_en, "forced labour", "name_en");
	CHECK_STR(cb.country_code, "238", "country");
	CHECK(cb.national_length == 7, "national_length=%d",
	    cb.national_length);
	CHECK_STR(cb.ussd_service, "384", "ussd");
	CHECK(cb.areas[0].line == 0, "line=%d", cb.areas[0].line);
	CHECK(codebook_validate(&cb, NULL, NULL) == 0, "NULL callback");

	numbered(&cb);
	set(&cb.areas[2], "sv", 40);
	expect(&cb, "40: area code \"sv\" collides with area \"SV\" (line 11)",
	    "case");
	numbered(&cb);
	set(&cb.areas[2], "SÝ", 40);
	set(&cb.areas[3], "Sý", 41);
	expect(&cb, "41: area code \"Sý\" collides with area \"SÝ\" (line 40)",
	    "accents");
	numbered(&cb);
	set(&cb.forms[0], "SV", 50);
	expect(&cb, "50: form code \"SV\" collides with area \"SV\" (line 11)",
	    "area vs form");
	numbered(&cb);
	set(&cb.forms[4], "tf", 51);
	expect(&cb, "51: form code \"tf\" collides with form \"TF\" (line 31)",
	    "form vs form");
	numbered(&cb);
	set(&cb.forms[4], "ＴＦ", 51);
	expect(&cb, "51: form code \"ＴＦ\" collides with form \"TF\" (line 31)",
	    "full-width");

	/* command words, MENOR and its aliases, URGENTE */
	{
		static const char *const words[][2] = {
			{ "OK", "command OK" }, { "a", "command ALERTA" },
			{ "Ajuda", "command AJUDA" }, { "fim", "command FIM" },
			{ "MAIS", "command INFO" }, { "ACK", "command OK" },
			{ "CANCEL", "command ANULAR" },
			{ "STATUS", "command ESTADO" },
			{ "HELP", "command AJUDA" }, { "CLOSE", "command FIM" },
			{ "ALERT", "command ALERTA" }, { "INFO", "command INFO" },
			{ "MENOR", "minor word MENOR" },
			{ "Crianca", "minor word MENOR" },
			{ "CHILD", "minor word MENOR" },
			{ "URGENTE", "urgency word URGENTE" },
		};
		char want[256];

		for (i = 0; i < (int)(sizeof words / sizeof words[0]); i++) {
			numbered(&cb);
			set(&cb.areas[0], words[i][0], 60);
			snprintf(want, sizeof want, "60: area code \"%s\" "
			    "collides with the %s", words[i][0], words[i][1]);
			expect(&cb, want, words[i][0]);
		}
	}

	/* codes that read as other tokens */
	{
		static const char *const tokens[] = { "U1", "V3", "P12", "F2",
		    "M4", "u9", "V0123" };
		char want[256];

		for (i = 0; i < (int)(sizeof tokens / sizeof tokens[0]); i++) {
			numbered(&cb);
			set(&cb.forms[2], tokens[i], 70);
			snprintf(want, sizeof want, "70: form code \"%s\" reads "
			    "as a %c<number> code (U1 V3 F2 M4 P12)", tokens[i],
			    tokens[i][0] & ~0x20);
			expect(&cb, want, tokens[i]);
		}
	}
	numbered(&cb);
	set(&cb.forms[2], "UV", 70);
	set(&cb.forms[3], "V", 71);
	set(&cb.forms[4], "P1X", 72);
	expect(&cb, "", "letters after U/V/P are fine");
	numbered(&cb);
	set(&cb.areas[0], "12", 80);
	expect(&cb, "80: area code \"12\" is a number: it would read as free "
	    "text or a reference", "number");
	numbered(&cb);
	set(&cb.areas[0], "S-V", 81);
	expect(&cb, "81: area code \"S-V\" must be 1 to 7 letters or digits",
	    "hyphen");
	numbered(&cb);
	set(&cb.areas[0], "", 82);
	expect(&cb, "82: area code \"\" must be 1 to 7 letters or digits",
	    "empty code");
	numbered(&cb);
	set(&cb.areas[0], "ÇÃO", 83);
	expect(&cb, "", "accented letters fold to ASCII letters");
	numbered(&cb);
	set(&cb.areas[0], "ABCDEFG", 84);
	expect(&cb, "", "7 letters");
	numbered(&cb);
	cb.areas[0].name_pt[0] = '\0';
	expect(&cb, "10: area \"SA\" has no name", "no name");

	/* list sizes */
	numbered(&cb);
	cb.n_areas = 0;
	expect(&cb, "0: the list of areas is empty", "empty areas");
	numbered(&cb);
	cb.n_forms = 0;
	expect(&cb, "0: the list of forms is empty", "empty forms");
	numbered(&cb);
	set(&cb.areas[9], "XA", 90);
	snprintf(cb.areas[9].name_pt, sizeof cb.areas[9].name_pt, "X");
	cb.n_areas = 10;
	expect(&cb, "90: area code \"XA\" is choice 10 but USSD choices are one "
	    "digit: at most 9 areas", "10 areas with USSD");
	cb.ussd_service[0] = '\0';
	expect(&cb, "", "10 areas without USSD");
	numbered(&cb);
	cb.n_forms = CODEBOOK_MAX + 1;
	expect(&cb, "0: too many forms: 33, at most 32", "too many");

	/* country code, national length, service code */
	numbered(&cb);
	snprintf(cb.country_code, sizeof cb.country_code, "0238");
	expect(&cb, "0: country code \"0238\" must be 1 to 3 digits, not "
	    "starting with 0", "country");
	numbered(&cb);
	snprintf(cb.country_code, sizeof cb.country_code, "2a");
	expect(&cb, "0: country code \"2a\" must be 1 to 3 digits, not "
	    "starting with 0", "country letters");
	numbered(&cb);
	cb.national_length = 3;
	expect(&cb, "0: national length 3 must be 4 to 12 and, with the "
	    "country code, at most 15 digits", "national");
	numbered(&cb);
	cb.national_length = 13;
	expect(&cb, "0: national length 13 must be 4 to 12 and, with the "
	    "country code, at most 15 digits", "national long");
	numbered(&cb);
	snprintf(cb.ussd_service, sizeof cb.ussd_service, "38#4");
	expect(&cb, "0: USSD service code \"38#4\" must be 1 to 6 digits",
	    "ussd");

	/* aliases: validated like codes, collisions refused */
	numbered(&cb);
	snprintf(cb.areas[7].aliases[0], CODEBOOK_NAME_MAX, "Fogo Island");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "São Filipe");
	snprintf(cb.forms[0].aliases[0], CODEBOOK_NAME_MAX, "prostituição");
	cb.areas[7].n_aliases = 2;
	cb.forms[0].n_aliases = 1;
	expect(&cb, "", "aliases");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "fogo");
	expect(&cb, "", "an alias that repeats the entry's own name");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "s vicente");
	expect(&cb, "17: area \"FG\" alias \"s vicente\" collides with area "
	    "\"SV\" (line 11)", "alias vs a shortened name");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "Sx");
	expect(&cb, "17: area \"FG\" alias \"Sx\" collides with form \"SX\" "
	    "(line 30)", "alias vs a code");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "PROSTITUICAO");
	expect(&cb, "30: form \"SX\" alias \"prostituição\" collides with "
	    "area \"FG\" (line 17)", "alias vs alias: told once, by the later");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "ok");
	expect(&cb, "17: area \"FG\" alias \"ok\" reads as command OK",
	    "alias vs a command");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "U 1");
	expect(&cb, "17: area \"FG\" alias \"U 1\" reads as a count or PIN "
	    "like U1 V3 P12", "alias vs a count");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "Cova d'Agua");
	expect(&cb, "17: area \"FG\" alias \"Cova d'Agua\" must be letters, "
	    "digits and spaces", "apostrophe");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, " ");
	expect(&cb, "17: area \"FG\" alias \" \" must be letters, digits and "
	    "spaces", "blank alias");
	snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "Mosteiros");
	cb.areas[7].n_aliases = CODEBOOK_ALIAS_MAX + 1;
	for (i = 2; i < CODEBOOK_ALIAS_MAX; i++)
		snprintf(cb.areas[7].aliases[i], CODEBOOK_NAME_MAX, "X%d", i);
	expect(&cb, "17: area \"FG\" has 7 aliases, at most 6", "too many");

	/* several problems are all reported */
	numbered(&cb);
	set(&cb.areas[1], "U1", 11);
	set(&cb.forms[1], "sa", 31);
	set(&cb.forms[2], "OK", 32);
	expect(&cb, "11: area code \"U1\" reads as a U<number> code (U1 V3 F2 "
	    "M4 P12) / 31: form code \"sa\" collides with area \"SA\" (line "
	    "10) / 32: form code \"OK\" collides with the command OK",
	    "several");
	return check_done("test_codebook");
}
