/*
 * test_acceptance.c: field messages through `farolctl try --json`, as the
 * gateway would read them from a registered focal point.
 *
 * argv: farolctl, the config, the corpus (acceptance/field.txt), and the
 * sender. Each corpus line is a message, a tab, and what it must give:
 * "AREA FORM[+FORM...] U<n> [MENOR]" for an alert, "CMD <name>" for another
 * command, "ERR <code>" for an error. The test prints each miss and the
 * pass rate, and fails below 98%, or if any reply is longer than one SMS
 * of 160 GSM-7 septets (with a 9-digit alert number for <n>).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "gsm7.h"
#include "testproc.h"

#define PASS_PERCENT 98

/* The JSON value of key in out, as written (a string keeps its quotes). */
static int
json_field(const char *out, const char *key, char *val, size_t vsz)
{
	char k[64];
	const char *p, *e;
	int depth = 0, in_str = 0;

	snprintf(k, sizeof k, "\"%s\":", key);
	if ((p = strstr(out, k)) == NULL)
		return -1;
	p += strlen(k);
	for (e = p; *e != '\0'; e++) {
		if (in_str) {
			if (*e == '\\' && e[1] != '\0')
				e++;
			else if (*e == '"')
				in_str = 0;
			continue;
		}
		if (*e == '"')
			in_str = 1;
		else if (*e == '[' || *e == '{')
			depth++;
		else if (*e == ']' || *e == '}') {
			if (depth-- == 0)
				break;
		} else if (*e == ',' && depth == 0)
			break;
	}
	snprintf(val, vsz, "%.*s", (int)(e - p), p);
	return 0;
}

/* A JSON string (with its quotes) as UTF-8; "<n>" as a 9-digit number. */
static void
json_unquote(const char *j, char *out, size_t osz)
{
	size_t o = 0;
	unsigned cp;

	for (j++; *j != '\0' && *j != '"' && o + 10 < osz; j++) {
		if (strncmp(j, "<n>", 3) == 0) {
			memcpy(out + o, "123456789", 9);
			o += 9;
			j += 2;
			continue;
		}
		if (*j != '\\') {
			out[o++] = *j;
			continue;
		}
		j++;
		if (*j == 'u' && sscanf(j + 1, "%4x", &cp) == 1) {
			j += 4;
			if (cp < 0x80)
				out[o++] = (char)cp;
			else if (cp < 0x800) {
				out[o++] = (char)(0xC0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[o++] = (char)(0xE0 | cp >> 12);
				out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			}
		} else
			out[o++] = *j == 'n' ? '\n' : *j == 't' ? '\t' : *j;
	}
	out[o] = '\0';
}

/* What try --json said, in the corpus's notation. */
static void
summarise(const char *out, char *got, size_t gsz)
{
	char v[512], area[32], forms[128], urg[8], minor[8], *p;

	if (json_field(out, "error", v, sizeof v) == 0 &&
	    strcmp(v, "null") != 0) {
		json_unquote(v, forms, sizeof forms);
		snprintf(got, gsz, "ERR %s", forms);
		return;
	}
	json_field(out, "command", v, sizeof v);
	if (strcmp(v, "\"ALERTA\"") != 0) {
		json_unquote(v, forms, sizeof forms);
		snprintf(got, gsz, "CMD %s", forms);
		return;
	}
	json_field(out, "area", v, sizeof v);
	if (strcmp(v, "null") == 0)
		snprintf(area, sizeof area, "-");
	else
		json_unquote(v, area, sizeof area);
	json_field(out, "forms", v, sizeof v);
	forms[0] = '\0';
	for (p = v; (p = strchr(p, '"')) != NULL; p = strchr(p + 1, '"') + 1) {
		if (forms[0] != '\0')
			strcat(forms, "+");
		strncat(forms, p + 1, strcspn(p + 1, "\""));
	}
	json_field(out, "urgency", urg, sizeof urg);
	json_field(out, "minor", minor, sizeof minor);
	snprintf(got, gsz, "%s %s U%s%s", area, forms, urg,
	    strcmp(minor, "true") == 0 ? " MENOR" : "");
}

/* Corpus escapes: \n is a new line inside a message. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

int
main(int argc, char **argv)
{
	char *line = NULL, *tab, *out, got[256], v[1024], reply[1024];
	size_t cap = 0;
	int n = 0, pass = 0, status, septets, lineno = 0;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: test_acceptance FAROLCTL CONF CORPUS "
		    "FROM\n");
		return 2;
	}
	if ((f = fopen(argv[3], "r")) == NULL) {
		perror(argv[3]);
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((tab = strrchr(line, '\t')) == NULL) {
			CHECK(0, "line %d: no tab before the expected result",
			    lineno);
			continue;
		}
		*tab++ = '\0';
		unescape(line);
		out = NULL;
		if (testproc_run((const char *[]){ argv[1], "-c", argv[2],
		    "try", "--json", "--from", argv[4], line, NULL }, &out,
		    &status) != 0 || out == NULL || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			CHECK(0, "line %d: farolctl try failed", lineno);
			free(out);
			continue;
		}
		n++;
		summarise(out, got, sizeof got);
		if (strcmp(got, tab) == 0)
			pass++;
		else
			printf("MISS line %d: \"%s\"\n  want %s\n  got  %s\n",
			    lineno, line, tab, got);
		if (json_field(out, "reply", v, sizeof v) == 0 &&
		    strcmp(v, "null") != 0) {
			json_unquote(v, reply, sizeof reply);
			septets = gsm7_septets(reply, strlen(reply), NULL);
			CHECK(septets >= 0 && septets <= 160, "line %d: reply "
			    "of %d septets (-1: not GSM-7): %s", lineno,
			    septets, reply);
		}
		free(out);
	}
	free(line);
	fclose(f);
	printf("acceptance: %d of %d messages as expected (%d%%)\n", pass, n,
	    n > 0 ? pass * 100 / n : 0);
	CHECK(n >= 100, "only %d messages in the corpus", n);
	CHECK(n > 0 && pass * 100 >= PASS_PERCENT * n, "pass rate %d/%d is "
	    "below %d%%", pass, n, PASS_PERCENT);
	return check_done("test_acceptance");
}
