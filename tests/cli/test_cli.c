/*
 * test_cli.c: farold's and farolctl's command lines, as an administrator
 * uses them (suite `unit`): --help and --version, exit statuses,
 * --check-config naming FILE:LINE for each kind of broken file, and
 * `farolctl try` in both output forms. Runs the built programs; argv[1] is
 * the build root, argv[2] the default farol.conf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "testproc.h"

static char farold[512], farolctl[512], conf[512], dir[] =
    "/tmp/farol-test-cli-XXXXXX";

/* Run argv; *out gets stdout (caller frees). Returns the exit status. */
static int
run(const char *const argv[], char **out)
{
	int status;

	*out = NULL;
	if (testproc_run(argv, out, &status) != 0)
		return -1;
	if (*out == NULL)
		*out = strdup("");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
test_help_version(void)
{
	const char *progs[] = { farold, farolctl };
	char *out;
	int rc;

	for (int i = 0; i < 2; i++) {
		rc = run((const char *[]){ progs[i], "--help", NULL }, &out);
		CHECK(rc == 0 && strstr(out, "usage:") != NULL,
		    "%s --help rc=%d out=%.80s", progs[i], rc, out);
		free(out);
		rc = run((const char *[]){ progs[i], "--version", NULL }, &out);
		CHECK(rc == 0 && strstr(out, FAROL_VERSION) != NULL,
		    "%s --version rc=%d out=%s want %s", progs[i], rc, out,
		    FAROL_VERSION);
		free(out);
		rc = run((const char *[]){ progs[i], "--no-such-flag", NULL },
		    &out);
		CHECK(rc == 2, "%s bad flag rc=%d want=2", progs[i], rc);
		free(out);
	}
}

/* `show' is listed with its tables' columns; a bad table is a usage
 * error; no daemon is a failure (tests/integration/test_console.c asks a
 * running one). */
static void
test_show_usage(void)
{
	static const char *const listed[] = {
		"show [--json] modems|inbox|lanes|spool|outbox|alerts",
		"send_queue", "spooled", "forward_failed", "next_due_s",
		"forwarded waiting age_s",
	};
	char *out;
	int rc;

	rc = run((const char *[]){ farolctl, "--help", NULL }, &out);
	for (size_t i = 0; i < sizeof listed / sizeof *listed; i++)
		CHECK(rc == 0 && strstr(out, listed[i]) != NULL,
		    "--help lists %s", listed[i]);
	free(out);
	rc = run((const char *[]){ farolctl, "show", "tables", NULL }, &out);
	CHECK(rc == 2, "show tables rc=%d want=2", rc);
	free(out);
	rc = run((const char *[]){ farolctl, "-s", "/nonexistent/farold.sock",
	    "show", "--json", "modems", NULL }, &out);
	CHECK(rc == 1, "show without farold rc=%d want=1", rc);
	free(out);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	REQUIRE(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* The default file with one line replaced; returns the new file's path. */
static const char *
broken_copy(const char *name, const char *find, const char *replace)
{
	static char path[600];
	char *text = NULL, *at, *out;
	size_t len = 0;
	FILE *f = fopen(conf, "r");

	REQUIRE(f != NULL, "read %s", conf);
	REQUIRE(getdelim(&text, &len, '\0', f) > 0, "read %s", conf);
	fclose(f);
	at = strstr(text, find);
	REQUIRE(at != NULL, "%s not found in %s", find, conf);
	out = malloc(strlen(text) + strlen(replace) + 1);
	REQUIRE(out != NULL, "memory");
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), replace);
	strcat(out, at + strlen(find));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	write_file(path, out);
	free(out);
	free(text);
	return path;
}

static int
line_of(const char *find)
{
	char line[1024];
	FILE *f = fopen(conf, "r");
	int n = 0;

	REQUIRE(f != NULL, "read %s", conf);
	while (fgets(line, sizeof line, f) != NULL) {
		n++;
		if (strstr(line, find) != NULL) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	return -1;
}

/* farold --check-config: ok, or exit 1 with FILE:LINE: reason on stderr. */
static void
test_check_config(void)
{
	static const struct {
		const char *name, *find, *replace, *reason;
	} cases[] = {
		{ "syntax.conf", "national_length = 7;",
		  "national_length = = 7;", "syntax error" },
		{ "unknown-key.conf", "poll_interval = ",
		  "poll_intervall = ", "did you mean 'poll_interval'?" },
		{ "string-number.conf", "national_length = 7;",
		  "national_length = \"7\";",
		  "codebook.national_length must be an integer, not a string" },
		/* No silent limits: 31 rungs a report can reach, 10 times
		 * each, is more SMS than a plan holds. */
		{ "too-many-steps.conf", "u1 = { ack_timeout = 300; repeats = 1; };",
		  "u1 = { ack_timeout = 300; repeats = 10; };",
		  "escalation.u1: an alert could need 311 SMS" },
	};
	char want[700], *out, *err_path;
	const char *path;
	int rc, line;

	rc = run((const char *[]){ farold, "--check-config", conf, NULL },
	    &out);
	CHECK(rc == 0 && strcmp(out, "ok\n") == 0,
	    "default config rc=%d out=%s", rc, out);
	free(out);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		path = broken_copy(cases[i].name, cases[i].find,
		    cases[i].replace);
		line = line_of(cases[i].find);
		/* testproc_run() captures stdout; sh sends stderr there. */
		rc = run((const char *[]){ "sh", "-c",
		    "exec \"$0\" --check-config \"$1\" 2>&1", farold, path,
		    NULL }, &err_path);
		CHECK(rc == 1, "%s rc=%d want=1", cases[i].name, rc);
		/* A syntax error may be found on the next line. */
		snprintf(want, sizeof want, "%s:%d: ", path, line);
		if (strstr(cases[i].reason, "syntax") != NULL &&
		    (err_path == NULL || strstr(err_path, want) == NULL))
			snprintf(want, sizeof want, "%s:%d: ", path, line + 1);
		CHECK(err_path != NULL && strstr(err_path, want) != NULL &&
		    strstr(err_path, cases[i].reason) != NULL,
		    "%s: got=%s want=%s...%s", cases[i].name,
		    err_path ? err_path : "(nothing)", want, cases[i].reason);
		free(err_path);
	}
}

/* The routing decision of the default config, as `try --json` shows it. */
static void
test_try_notify(void)
{
	static const struct {
		const char *from, *text;
		const char *want[6];	/* substrings of the JSON, in order */
	} t[] = {
		{ "9912345", "ALERTA SX U1 MENOR bar",	/* Maria, SV */
		  { "\"reply\":\"Alerta <n> recebido: SV, exploracao sexual, "
		    "U1, menor. Policia SV +2 avisadas.",
		    "\"verified\":true",
		    "{\"authority\":\"pn-sv\",\"number\":\"+2389920001\","
		    "\"after_s\":0,\"text\":\"FAROL <n> U1 SV SX MENOR: bar FP "
		    "Maria +2389912345. Responda OK <n>\"}",
		    "{\"authority\":\"icca\",\"number\":\"+2389980001\","
		    "\"after_s\":0,",
		    "{\"authority\":\"pn-sv\",\"number\":\"+2389920002\","
		    "\"after_s\":300,",
		    "{\"authority\":\"admin\",\"number\":\"+2389999001\","
		    "\"after_s\":900,\"text\":null}]" } },
		{ "9912347", "ALERTA TF U2",	/* Ana, SL, English */
		  { "\"reply\":\"Alert <n> received: SL, forced labour, U2. "
		    "Policia SL notified.",
		    "{\"authority\":\"pn-sl\",\"number\":\"+2389940001\","
		    "\"after_s\":0,",
		    "\"after_s\":1800,", NULL } },
		{ "9900000", "ALERTA SV SX U1 x",	/* unregistered */
		  { "\"reply\":null", "\"verified\":false",
		    "[{\"authority\":\"national-desk\",\"number\":"
		    "\"+2389990001\",\"after_s\":0,\"text\":\"FAROL <n> U1 "
		    "SV SX: x FP NAO VERIFICADO +2389900000.", NULL } },
		{ "9900000", "ALERTA SV SX U1",	/* no free text */
		  { "\"text\":\"FAROL <n> U1 SV SX: FP NAO VERIFICADO "
		    "+2389900000. Responda OK <n>\"", NULL } },
		{ "9912348", "ALERTA BV SX U2",	/* Rui: inactive */
		  { "\"verified\":false", "\"authority\":\"national-desk\"",
		    NULL } },
		{ "9912349", "ALERTA SX U1 bar",	/* Carla: no PIN */
		  { "\"reply\":\"Alerta <n> recebido e retido para "
		    "verificacao: PIN em falta ou errado.", "\"held\":\"pin\"",
		    "\"notify\":[]}", NULL } },
		{ "9912349", "ALERTA SX U1 P4321 bar",	/* Carla, PIN */
		  { "\"held\":null", "{\"authority\":\"pn-fg\"", NULL } },
		{ "9912345", "ALERTA SX U3",
		  { "\"digest_after_s\":", "\"notify\":[]}", NULL } },
	};
	const char *p;
	char *out;
	int rc;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		rc = run((const char *[]){ farolctl, "-c", conf, "try",
		    "--json", "--from", t[i].from, t[i].text, NULL }, &out);
		CHECK(rc == 0, "try %s rc=%d", t[i].text, rc);
		p = out;
		for (int k = 0; k < 6 && t[i].want[k] != NULL; k++) {
			const char *q = strstr(p, t[i].want[k]);

			CHECK(q != NULL, "try %s from %s: want=%s (after "
			    "offset %td) got=%s", t[i].text, t[i].from,
			    t[i].want[k], p - out, out);
			if (q != NULL)
				p = q + strlen(t[i].want[k]);
		}
		free(out);
	}

	/* Readable output lists the ladder in time order. */
	rc = run((const char *[]){ farolctl, "-c", conf, "try", "--from",
	    "9912345", "ALERTA SX U1 bar", NULL }, &out);
	CHECK(rc == 0 && strstr(out, "sender:   focal point fp-sv-01") != NULL
	    && strstr(out, "forward to pn-sv: FAROL") != NULL,
	    "try readable rc=%d out=%s", rc, out);
	free(out);
}

static void
test_try(void)
{
	char *out;
	int rc;

	rc = run((const char *[]){ farolctl, "try", "--config", conf, "--json",
	    "ALERTA", "SV", "SX", "U1", "V2", "MENOR", "bar", "Calheta",
	    NULL }, &out);
	CHECK(rc == 0, "try valid rc=%d", rc);
	CHECK(strstr(out, "\"command\":\"ALERTA\"") != NULL &&
	    strstr(out, "\"area\":\"SV\"") != NULL &&
	    strstr(out, "\"forms\":[\"SX\"]") != NULL &&
	    strstr(out, "\"urgency\":1") != NULL &&
	    strstr(out, "\"victims\":2") != NULL &&
	    strstr(out, "\"minor\":true") != NULL &&
	    strstr(out, "\"text\":\"bar Calheta\"") != NULL &&
	    strstr(out, "\"error\":null") != NULL, "try valid json=%s", out);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1,
	    "one line of JSON: %s", out);
	free(out);

	rc = run((const char *[]){ farolctl, "-c", conf, "try", "--json",
	    "--from", "9912345", "ALERTA ZZ SX", NULL }, &out);
	CHECK(rc == 0, "try invalid rc=%d want=0 (evaluated)", rc);
	CHECK(strstr(out, "\"error\":\"unknown_") != NULL &&
	    strstr(out, "\"from\":\"+2389912345\"") != NULL &&
	    strstr(out, "\\\"ZZ\\\"") != NULL, "try invalid json=%s", out);
	free(out);

	/* An unknown number hears nothing: no error, no help. */
	for (int i = 0; i < 2; i++) {
		rc = run((const char *[]){ farolctl, "-c", conf, "try",
		    "--json", "--from", "9900000", i ? "AJUDA" :
		    "ALERTA ZZ SX", NULL }, &out);
		CHECK(rc == 0 && strstr(out, "\"from\":\"+2389900000\"") !=
		    NULL && strstr(out, "\"reply\":null") != NULL,
		    "try unknown number rc=%d json=%s", rc, out);
		free(out);
	}
	/* Nor does a short code or a sender ID. */
	rc = run((const char *[]){ farolctl, "-c", conf, "try", "--from",
	    "CVMOVEL", "Promocao 500 MB", NULL }, &out);
	CHECK(rc == 0 && strstr(out, "reply:    none (a short code") != NULL,
	    "try sender ID rc=%d out=%s", rc, out);
	free(out);

	test_try_notify();

	rc = run((const char *[]){ farolctl, "-c", conf, "try",
	    "*384*7*1*1#", NULL }, &out);
	CHECK(rc == 0 && strstr(out, "ST") != NULL && strstr(out, "reply:")
	    != NULL, "try USSD readable rc=%d out=%s", rc, out);
	free(out);

	rc = run((const char *[]){ farolctl, "-c", conf, "try", NULL }, &out);
	CHECK(rc == 2, "try without text rc=%d want=2", rc);
	free(out);

	rc = run((const char *[]){ farolctl, "-c", "/nonexistent.conf", "try",
	    "ALERTA SV SX", NULL }, &out);
	CHECK(rc == 1, "try with a missing config rc=%d want=1", rc);
	free(out);
}

int
main(int argc, char **argv)
{
	char path[600];

	REQUIRE(argc == 3, "usage: test_cli BUILD_ROOT DEFAULT_CONF");
	snprintf(farold, sizeof farold, "%s/gateway/farold", argv[1]);
	snprintf(farolctl, sizeof farolctl, "%s/gateway/farolctl", argv[1]);
	snprintf(conf, sizeof conf, "%s", argv[2]);
	REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");

	test_help_version();
	test_show_usage();
	test_check_config();
	test_try();

	for (const char *f = "syntax.conf\0unknown-key.conf\0"
	    "string-number.conf\0"; *f; f += strlen(f) + 1) {
		snprintf(path, sizeof path, "%s/%s", dir, f);
		unlink(path);
	}
	rmdir(dir);
	return check_status();
}
