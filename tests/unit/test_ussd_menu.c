/*
 * test_ussd_menu.c: the USSD menu's state machine (gateway/ussd_menu.c):
 * the path to a confirmed report, the registered area first, 0 back and
 * 00 to the main menu, bad inputs re-prompting with the problem, help,
 * the status of an alert by number; and every screen within 182
 * characters, rendered with the longest names and codes the config
 * allows, in both languages, the status screens with every state's words
 * and the widest alert number.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "codebook.h"
#include "ussd_menu.h"

static struct codebook cb;

static void
run(const char *text, int home, enum reply_lang lang,
    struct ussd_menu_out *out)
{
	struct ussd_menu_in in = { &cb, NULL, lang, home };

	ussd_menu_run(&in, text, out);
}

static void
test_paths(void)
{
	struct ussd_menu_out o;

	run("", 1, REPLY_PT, &o);
	CHECK(strncmp(o.screen, "CON ", 4) == 0 && !o.end, "main: %s",
	    o.screen);
	CHECK(strstr(o.screen, "\n1 ") != NULL, "1 is new alert: %s",
	    o.screen);
	/* The registered area (SV, index 1) is offered first. */
	run("1", 1, REPLY_PT, &o);
	CHECK(strstr(o.screen, "\n1 Sao Vicente") != NULL, "SV first: %s",
	    o.screen);
	CHECK(strstr(o.screen, "\n2 Santo Antao") != NULL, "then SA: %s",
	    o.screen);
	/* New alert, SV, form 2, U1, 3 victims, minors yes, confirm. */
	run("1*1*2*1*3*1*1", 1, REPLY_PT, &o);
	CHECK(o.confirmed && o.end, "confirmed");
	CHECK_STR(o.report, "*384*2*2*1*3*1#");
	/* The confirmation repeats what was understood; nothing sent. */
	run("1*1*2*1*3*1", 1, REPLY_PT, &o);
	CHECK(!o.confirmed && strncmp(o.screen, "CON ", 4) == 0 &&
	    strstr(o.screen, "SV") != NULL && strstr(o.screen, "U1") !=
	    NULL && strstr(o.screen, "3 vitimas") != NULL, "confirm: %s",
	    o.screen);
	/* Area 2 is SA (index 0) when SV is home; without a home, area 1. */
	run("1*2*1*2*1*2*1", 1, REPLY_PT, &o);
	CHECK_STR(o.report, "*384*1*1*2*1*2#");
	run("1*7*1*3*12*3*1", -1, REPLY_PT, &o);
	CHECK_STR(o.report, "*384*7*1*3*12*3#");
}

static void
test_moves_and_bad_inputs(void)
{
	struct ussd_menu_out a, b;

	/* 0 goes back a screen: form, back, is the area screen. */
	run("1*1*0", 1, REPLY_PT, &a);
	run("1", 1, REPLY_PT, &b);
	CHECK_STR(a.screen, b.screen);
	/* 0 then another area: the new one counts. */
	run("1*1*0*3*1*1*1*2*1", 1, REPLY_PT, &a);
	CHECK_STR(a.report, "*384*3*1*1*1*2#");
	/* 00: the main menu, from anywhere. */
	run("1*1*2*00", 1, REPLY_PT, &a);
	run("", 1, REPLY_PT, &b);
	CHECK_STR(a.screen, b.screen);
	run("1*1*2*00*1*1*1*1*1*2*1", 1, REPLY_PT, &a);
	CHECK_STR(a.report, "*384*2*1*1*1*2#");
	/* A bad input: the same screen, the problem named first. */
	run("1*1*x", 1, REPLY_PT, &a);
	CHECK(strncmp(a.screen, "CON Opcao invalida", 18) == 0 &&
	    strstr(a.screen, "\nForma de trafico:\n1 ") != NULL,
	    "bad choice: %s", a.screen);
	run("1*1*99", 1, REPLY_PT, &a);
	CHECK(strstr(a.screen, "invalida") != NULL, "99: %s", a.screen);
	run("1*1*1*1*1000", 1, REPLY_PT, &a);
	CHECK(strstr(a.screen, "Numero invalido") != NULL, "1000: %s",
	    a.screen);
	run("1*1*1*1*", 1, REPLY_PT, &a);
	CHECK(strstr(a.screen, "Numero invalido") != NULL, "empty: %s",
	    a.screen);
	/* Only 1 confirms. */
	run("1*1*1*1*1*1*2", 1, REPLY_PT, &a);
	CHECK(!a.confirmed && strstr(a.screen, "invalida") != NULL,
	    "2 on the confirmation: %s", a.screen);
	/* Help ends the session. */
	run("2", 1, REPLY_EN, &a);
	CHECK(a.end && !a.confirmed && strncmp(a.screen, "END ", 4) == 0,
	    "help: %s", a.screen);
}

/* 3: the status of an alert by number; the caller answers. */
static void
test_status(void)
{
	struct ussd_menu_out a, b;

	run("", 1, REPLY_PT, &a);
	CHECK(strstr(a.screen, "\n3 Estado de um alerta") != NULL,
	    "3 is status: %s", a.screen);
	run("3", 1, REPLY_PT, &a);
	CHECK(!a.end && strcmp(a.screen, "CON Numero do alerta:") == 0,
	    "asks the number: %s", a.screen);
	run("3*123", 1, REPLY_PT, &a);
	CHECK(a.end && !a.confirmed && a.status_ref == 123 &&
	    a.screen[0] == '\0', "status of 123: %ld", a.status_ref);
	run("3*999999999", 1, REPLY_PT, &a);
	CHECK_INT(a.status_ref, 999999999);
	/* Bad numbers re-prompt, naming the problem. */
	run("3*x", 1, REPLY_PT, &a);
	CHECK(!a.end && a.status_ref == 0 && strncmp(a.screen,
	    "CON Numero invalido: o numero do alerta", 39) == 0 &&
	    strstr(a.screen, "\nNumero do alerta:") != NULL, "x: %s",
	    a.screen);
	run("3*1234567890", 1, REPLY_PT, &a);
	CHECK(!a.end && a.status_ref == 0, "10 digits: %s", a.screen);
	run("3*", 1, REPLY_PT, &a);
	CHECK(!a.end && a.status_ref == 0, "empty: %s", a.screen);
	/* The bad one forgotten, the next taken. */
	run("3*x*45", 1, REPLY_PT, &a);
	CHECK_INT(a.status_ref, 45);
	/* 0 and 00 go back to the main menu; from there, a new alert. */
	run("3*0", 1, REPLY_PT, &a);
	run("", 1, REPLY_PT, &b);
	CHECK_STR(a.screen, b.screen);
	run("3*x*00", 1, REPLY_PT, &a);
	CHECK_STR(a.screen, b.screen);
	run("3*0*1*1*2*1*3*1*1", 1, REPLY_PT, &a);
	CHECK_STR(a.report, "*384*2*2*1*3*1#");
	CHECK_INT(a.status_ref, 0);
	/* The END screens, as the caller writes them. */
	ussd_menu_status(&(struct ussd_menu_in){ &cb, NULL, REPLY_PT, -1 },
	    123, "assumido", a.screen, sizeof a.screen);
	CHECK_STR(a.screen, "END Alerta 123: assumido.");
	ussd_menu_status(&(struct ussd_menu_in){ &cb, NULL, REPLY_EN, -1 },
	    123, NULL, a.screen, sizeof a.screen);
	CHECK_STR(a.screen, "END Alert 123: no information for this number.");
}

/* Every screen, every language, with the widest codebook. */
static void
test_screen_length(void)
{
	static const char *const texts[] = { "", "x", "1", "1*x", "1*1",
	    "1*1*x", "1*1*1", "1*1*1*x", "1*1*1*1", "1*1*1*1*x",
	    "1*1*1*1*999", "1*1*1*1*999*x", "1*1*1*1*999*1",
	    "1*1*1*1*999*1*x", "2", "3", "3*x", "3*0", "3*x*00" };
	struct ussd_menu_out o;
	size_t i, n;
	int lang, k, widest = 0;

	memset(&cb, 0, sizeof cb);
	codebook_default(&cb);
	cb.n_areas = cb.n_forms = 9;	/* codebook_validate's limit */
	for (k = 0; k < 9; k++) {
		struct codebook_entry *e[2] = { &cb.areas[k], &cb.forms[k] };

		for (int j = 0; j < 2; j++) {
			memset(e[j]->code, 'W', CODEBOOK_CODE_MAX - 1);
			e[j]->code[CODEBOOK_CODE_MAX - 1] = '\0';
			for (n = 0; n < CODEBOOK_NAME_MAX - 1; n++)
				e[j]->name_pt[n] = e[j]->name_en[n] =
				    n % 8 == 7 ? ' ' : 'W';
			e[j]->name_pt[n] = e[j]->name_en[n] = '\0';
		}
	}
	for (lang = 0; lang < 2; lang++)
		for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
			run(texts[i], 3, lang, &o);
			n = strlen(o.screen);
			CHECK(n > 4 && n <= USSD_SCREEN_CHARS, "%s: %zu "
			    "characters: %s", texts[i], n, o.screen);
			if ((int)n > widest)
				widest = (int)n;
		}
	/* The status screens: every state's words, the widest number. */
	for (lang = 0; lang < 2; lang++)
		for (k = -1; k < REPLY_TEMPLATE_COUNT; k++) {
			struct ussd_menu_in in = { &cb, NULL, lang, -1 };
			const char *name = reply_template_name(k);
			char w[REPLY_MAX_BYTES];

			if (k >= 0 && (name == NULL ||
			    strncmp(name, "state_", 6) != 0))
				continue;
			if (k >= 0 && reply_render(&cb, NULL, lang, k, NULL,
			    w, sizeof w) < 0)
				continue;
			ussd_menu_status(&in, 999999999, k >= 0 ? w : NULL,
			    o.screen, sizeof o.screen);
			n = strlen(o.screen);
			CHECK(n > 4 && n <= USSD_SCREEN_CHARS, "status %s: "
			    "%zu characters: %s", k >= 0 ? name : "none", n,
			    o.screen);
			if ((int)n > widest)
				widest = (int)n;
		}
	printf("widest screen: %d characters\n", widest);
}

int
main(void)
{
	codebook_default(&cb);
	test_paths();
	test_moves_and_bad_inputs();
	test_status();
	test_screen_length();
	return check_status();
}
