/*
 * test_try.c: gateway/try.c, the core of `farolctl try`, and json.c.
 *
 * Compares the JSON of typical messages with the exact expected object,
 * and checks with a small strict JSON reader that any input, junk
 * included, gives exactly one valid object with every key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codebook.h"
#include "json.h"
#include "try.h"

/* --- a strict JSON reader, enough to validate try's output --- */

static const char *json_value(const char *p);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *
json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (strchr("0123456789abcdefABCDEF",
					    p[i]) == NULL || p[i] == '\0')
						return NULL;
				p += 4;
			} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
				return NULL;
		}
		p++;
	}
	return p + 1;
}

static const char *
json_container(const char *p, char close, int object)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if ((p = json_string(json_ws(p))) == NULL)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = json_value(p)) == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{')
		return json_container(p, '}', 1);
	if (*p == '[')
		return json_container(p, ']', 0);
	if (*p == '"')
		return json_string(p);
	if (strncmp(p, "null", 4) == 0 || strncmp(p, "true", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		p += *p == '-';
		while (*p >= '0' && *p <= '9')
			p++;
		return p;
	}
	return NULL;
}

static int
json_valid(const char *s)
{
	const char *p = json_value(s);

	return p != NULL && *json_ws(p) == '\0';
}

/* --- try --- */

static char *
run_try(const struct codebook *cb, const struct try_params *tp,
    const char *from, const char *text, int json, int *rc)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return NULL;
	*rc = try_report_with(cb, NULL, tp, from, text, json, f);
	fclose(f);
	return buf;
}

struct try_case {
	const char *from;
	const char *text;
	int rc;
	const char *want;
};

static const struct try_case cases[] = {
	{ "+2389912345", "ALERTA SV SX U1 V2 MENOR Bar Calheta, Mindelo. "
	  "Duas raparigas", 0,
	  "{\"from\":\"+2389912345\",\"command\":\"ALERTA\",\"ref\":null,"
	  "\"area\":\"SV\",\"forms\":[\"SX\"],\"urgency\":1,\"victims\":2,"
	  "\"females\":null,\"males\":null,\"minor\":true,\"text\":\"Bar "
	  "Calheta, Mindelo. Duas raparigas\",\"notes\":[],\"error\":null,"
	  "\"reply\":\"Alerta <n> recebido: SV, exploracao sexual, U1, 2 "
	  "vitimas, menor. Policia SV avisada. ANULAR <n> se errado.\"}\n" },
	{ "002389912345", "ALERTA SX2 U1 V2 bar X", -1,
	  "{\"from\":\"+2389912345\",\"command\":\"ALERTA\",\"ref\":null,"
	  "\"area\":null,\"forms\":[],\"urgency\":2,\"victims\":null,"
	  "\"females\":null,\"males\":null,\"minor\":false,\"text\":\"SX2 "
	  "U1 V2 bar X\",\"notes\":[],\"error\":\"unknown_area\",\"reply\":"
	  "\"Codigo de ilha desconhecido \\\"SX2\\\". Ilhas: SA SV SN SL BV "
	  "MA ST FG BR. Ex: ALERTA SA SX U1 V2 bar X\"}\n" },
	{ "9912345", "sv tf f1 m2 \"obra\"\tSão Domingos 😢", 0,
	  "{\"from\":\"+2389912345\",\"command\":\"ALERTA\",\"ref\":null,"
	  "\"area\":\"SV\",\"forms\":[\"TF\"],\"urgency\":2,\"victims\":3,"
	  "\"females\":1,\"males\":2,\"minor\":false,\"text\":\"\\\"obra\\\""
	  "\\tSão Domingos 😢\",\"notes\":[\"No command: read ALERT\"],"
	  "\"error\":null,\"reply\":\"Alerta <n> recebido: SV, trabalho "
	  "forcado, U2, 3 vitimas. Policia SV avisada. Sem comando: lido "
	  "ALERTA. ANULAR <n> se errado.\"}\n" },
	{ NULL, "OK123", 0,
	  "{\"from\":null,\"command\":\"OK\",\"ref\":123,\"area\":null,"
	  "\"forms\":[],\"urgency\":2,\"victims\":null,\"females\":null,"
	  "\"males\":null,\"minor\":false,\"text\":\"\",\"notes\":[\"Read "
	  "\\\"OK123\\\" as OK 123\"],\"error\":null,\"reply\":\"Alerta 123: "
	  "OK registado. Obrigado.\"}\n" },
	{ "CVMOVEL", "ESTADO 9", 0,
	  "{\"from\":null,\"command\":\"ESTADO\",\"ref\":9,\"area\":null,"
	  "\"forms\":[],\"urgency\":2,\"victims\":null,\"females\":null,"
	  "\"males\":null,\"minor\":false,\"text\":\"\",\"notes\":[\"sender "
	  "not a phone number: letters in a phone number\"],\"error\":null,"
	  "\"reply\":null}\n" },
	{ "9912345", "*384*7*1*1#", 0,
	  "{\"from\":\"+2389912345\",\"command\":\"ALERTA\",\"ref\":null,"
	  "\"area\":\"ST\",\"forms\":[\"SX\"],\"urgency\":1,\"victims\":null,"
	  "\"females\":null,\"males\":null,\"minor\":false,\"text\":\"\","
	  "\"notes\":[],\"error\":null,\"reply\":\"Alerta <n> recebido: ST, "
	  "exploracao sexual, U1. Policia ST avisada. ANULAR <n> se "
	  "errado.\"}\n" },
	{ "9912345", "7*1*3", 0,
	  "{\"from\":\"+2389912345\",\"command\":\"ALERTA\",\"ref\":null,"
	  "\"area\":\"ST\",\"forms\":[\"SX\"],\"urgency\":3,\"victims\":null,"
	  "\"females\":null,\"males\":null,\"minor\":false,\"text\":\"\","
	  "\"notes\":[],\"error\":null,\"reply\":\"Alerta <n> recebido: ST, "
	  "exploracao sexual, U3. Guardado para o Observatorio. ANULAR <n> "
	  "se errado.\"}\n" },
	{ "9912345", "ALERTA SV SX \xff\x01 bar", 0,
	  "{\"from\":\"+2389912345\",\"command\":\"ALERTA\",\"ref\":null,"
	  "\"area\":\"SV\",\"forms\":[\"SX\"],\"urgency\":2,\"victims\":null,"
	  "\"females\":null,\"males\":null,\"minor\":false,\"text\":"
	  "\"\\ufffd\\u0001 bar\",\"notes\":[],\"error\":null,\"reply\":"
	  "\"Alerta <n> recebido: SV, exploracao sexual, U2. Policia SV "
	  "avisada. ANULAR <n> se errado.\"}\n" },
	{ "9912345", "", -1,
	  "{\"from\":\"+2389912345\",\"command\":null,\"ref\":null,"
	  "\"area\":null,\"forms\":[],\"urgency\":2,\"victims\":null,"
	  "\"females\":null,\"males\":null,\"minor\":false,\"text\":\"\","
	  "\"notes\":[],\"error\":\"empty\",\"reply\":\"Mensagem vazia. Ex: "
	  "ALERTA SA SX U1 V2 bar X. AJUDA para os codigos.\"}\n" },
};

static const char *const keys[] = { "\"from\":", "\"command\":",
    "\"ref\":", "\"area\":", "\"forms\":", "\"urgency\":", "\"victims\":",
    "\"females\":", "\"males\":", "\"minor\":", "\"text\":", "\"notes\":",
    "\"error\":", "\"reply\":" };

int
main(void)
{
	static const char *const junk[] = { "\xff\xfe\xfd", "\"\\\"\\",
	    "ALERTA SV SX \x7f\x1b[31m", "\xc0\xaf\xed\xa0\x80", "{}[],:",
	    "ANULAR \"12\"", "AJUDA \\u0000", "ALERTA\nSV\nSX\n\n" };
	struct try_params tp = { REPLY_EN, 1, "Police SV and ICCA notified",
	    "88", NULL, 0, 0 };
	struct codebook cb;
	char *out, text[1200], esc[16];
	size_t i, k;
	int rc;

	codebook_default(&cb);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out = run_try(&cb, NULL, cases[i].from, cases[i].text, 1, &rc);
		CHECK(out != NULL, "row %zu: no output", i);
		if (out == NULL)
			continue;
		CHECK_STR(out, cases[i].want, "row %zu: \"%s\"", i,
		    cases[i].text);
		CHECK(rc == cases[i].rc, "row %zu: rc=%d", i, rc);
		CHECK(json_valid(out), "row %zu: invalid JSON: %s", i, out);
		free(out);
	}

	/* junk and a 1,000-character message: valid JSON, every key */
	memset(text, 0, sizeof text);
	memcpy(text, "ALERTA SV SX U1 ", 16);
	for (k = 16; k < 1000; k++)
		text[k] = "Duas raparigas no bar, ação! 0123456789"[k % 39];
	for (i = 0; i <= sizeof junk / sizeof junk[0]; i++) {
		const char *in = i < sizeof junk / sizeof junk[0] ? junk[i] :
		    text;

		out = run_try(&cb, NULL, "9912345", in, 1, &rc);
		CHECK(out != NULL && json_valid(out), "junk %zu: invalid "
		    "JSON: %s", i, out ? out : "(null)");
		for (k = 0; out != NULL && k < sizeof keys / sizeof keys[0];
		    k++)
			CHECK(strstr(out, keys[k]) != NULL, "junk %zu: no %s", i,
			    keys[k]);
		free(out);
	}

	/* parameters: language, registered area, who was notified, ref */
	out = run_try(&cb, &tp, NULL, "alerta sx u1 2 raparigas", 1, &rc);
	CHECK(out != NULL && strstr(out, "\"area\":\"SV\"") != NULL &&
	    strstr(out, "\"reply\":\"Alert 88 received: SV, sexual "
	    "exploitation, U1. Police SV and ICCA notified. CANCEL 88 if "
	    "wrong.\"") != NULL && rc == 0, "params: %s", out);
	free(out);

	/* an island by name, after the form, from a registered sender */
	out = run_try(&cb, &tp, "9912345", "ALERTA SX FOGO U1 bar", 1, &rc);
	CHECK(out != NULL && strstr(out, "\"area\":\"FG\",\"forms\":[\"SX\"],"
	    "\"urgency\":1,") != NULL && strstr(out, "\"text\":\"bar\"") !=
	    NULL && rc == 0, "island by name: %s", out);
	free(out);
	/* a conflicting code is named in the receipt */
	out = run_try(&cb, &tp, "9912345", "ALERTA SV SX U1 U3 V2 bar", 1, &rc);
	CHECK(out != NULL && strstr(out, "\"urgency\":1,\"victims\":2,") !=
	    NULL && strstr(out, "\"notes\":[\"Ignored: U3\"]") != NULL &&
	    strstr(out, "notified. Ignored: U3. CANCEL 88 if wrong.\"") != NULL
	    && rc == 0, "ignored: %s", out);
	free(out);
	/* many conflicts: as many as fit in {note}, the receipt one SMS */
	{
		const char *r;

		out = run_try(&cb, NULL, "9912345", "ALERTA SVV SXX U1 U3 MA "
		    "BR ST V2 V3 F1 M1 P1 P2 U2 bar", 1, &rc);
		r = out != NULL ? strstr(out, "\"reply\":\"") : NULL;
		CHECK(r != NULL && strstr(r, "avisada. Ignorado: U3 MA BR ST V3. "
		    "ANULAR <n> se errado.\"}") != NULL && strlen(r) - 11 <= 160,
		    "conflicts: %s", out);
		free(out);
	}
	/* an island in the text of an alert with no island code: a question */
	out = run_try(&cb, &tp, "9912345", "ALERTA SX U1 bar no Fogo", 1, &rc);
	CHECK(out != NULL && strstr(out, "\"error\":\"which_area\",\"reply\":"
	    "\"Which island? The text says \\\"Fogo\\\" but the island code "
	    "is missing. Send again with it, e.g. ALERT FG SX U1 bar X\"") !=
	    NULL && rc == -1, "which_area: %s", out);
	free(out);

	/* the readable form names the error and the reply */
	out = run_try(&cb, NULL, "9912345", "ANULAR 12a", 0, &rc);
	CHECK(out != NULL && strstr(out, "error:    bad_ref at bytes 7-10: "
	    "\"12a\"\n") != NULL && strstr(out, "reply:    Numero de alerta "
	    "invalido \"12a\". Ex: ANULAR 123\n") != NULL && rc == -1,
	    "readable: %s", out);
	free(out);
	out = run_try(&cb, NULL, "9912345", "ALERTA SV SX V2 bar", 0, &rc);
	CHECK(out != NULL && strstr(out, "result:   valid report\n") != NULL &&
	    strstr(out, "area:     SV (São Vicente)\n") != NULL &&
	    strstr(out, "text:     \"bar\"\n") != NULL && rc == 0,
	    "readable: %s", out);
	free(out);

	/* json_escape: sizes like snprintf, cut safely */
	CHECK(json_escape(esc, sizeof esc, "a\"b", 3) == 6, "size");
	CHECK_STR(esc, "\"a\\\"b\"", "escape");
	CHECK(json_escape(esc, 4, "abcdef", 6) == 8, "cut size");
	CHECK_STR(esc, "\"ab", "cut");
	CHECK(json_escape(esc, sizeof esc, "\x1f\x7f", 2) == 14, "controls");
	CHECK_STR(esc, "\"\\u001f\\u007f\"", "controls");
	return check_done("test_try");
}
