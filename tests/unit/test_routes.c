/*
 * test_routes.c: `farolctl routes' and its --check-config (gateway/
 * routes.c) on the default config and on a small config with every kind
 * of gap (suite `unit`):
 *   - the default config: its table (SV U1: police, national desk and
 *     rungs; minors add ICCA; U3 goes to the digest) and no warning;
 *   - a night-only rule leaves the day uncovered, a ladder repeats a
 *     number, a ladder number is a focal point's phone, a final rule
 *     hides the rule after it, a rule for one day and area no form
 *     reaches: each warned with its line, and the table splits the day
 *     at the rule's hours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "routes.h"

static const char fixture[] =
    "gateway = { name = \"t\"; spool_dir = \"/tmp/s\"; };\n"		/* 1 */
    "database = { conninfo = \"dbname=farol\"; };\n"
    "modems = ( { name = \"m1\"; device = \"/tmp/d\"; connection = \"none\"; } );\n"
    "codebook = { country_code = \"238\"; national_length = 7;\n"
    "  areas = ( { code = \"SV\"; name = \"SV\"; }, { code = \"ST\"; name = \"ST\"; } );\n"	/* 5 */
    "  forms = ( { code = \"SX\"; name = \"SX\"; }, { code = \"TF\"; name = \"TF\"; } ); };\n"
    "focal_points = (\n"
    "  { id = \"fp1\"; name = \"Maria\"; phone = \"9912345\"; area = \"SV\"; } );\n"
    "authorities = (\n"
    "  { id = \"pn-sv\"; name = \"pn\"; areas = [\"SV\"]; ladder = ( { number = \"9910001\"; }, { number = \"9910001\"; } ); },\n"	/* 10 */
    "  { id = \"night\"; name = \"night\"; areas = [\"*\"]; ladder = ( { number = \"9912345\"; } ); } );\n"
    "routing = { rules = (\n"
    "  { name = \"police SV\"; match = { areas = [\"SV\"]; }; notify = [\"pn-sv\"]; final = true; },\n"
    "  { name = \"hidden\"; match = { areas = [\"SV\"]; urgency = [1]; }; notify = [\"night\"]; },\n"
    "  { name = \"night ST\"; match = { areas = [\"ST\"]; hours = \"20:00-06:00\"; }; notify = [\"night\"]; }\n"	/* 15 */
    "  ); unregistered = [\"night\"]; };\n"
    "escalation = { u1 = { ack_timeout = 300; repeats = 1; };\n"
    "  u2 = { ack_timeout = 1800; repeats = 1; };\n"
    "  u3 = { digest_at = \"08:00\"; }; admins = [\"9999001\"]; stale_after = 600; };\n";

/* What f wrote, as a string (caller frees). */
static char *
captured(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (s != NULL && fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	return s;
}

static void
test_default(const char *path)
{
	struct routes_filter all = { -1, -1, -1 };
	struct config *cfg = config_load(path, NULL);
	FILE *f = tmpfile();
	char *out;

	REQUIRE(cfg != NULL && f != NULL, "load %s", path);
	CHECK(routes_check(cfg, f) == 0, "the default config has no gap");
	out = captured(f);
	CHECK(out != NULL && out[0] == '\0', "no warning: %s", out);
	free(out);
	fclose(f);

	f = tmpfile();
	CHECK(routes_print(cfg, &all, f) == 0, "print");
	out = captured(f);
	CHECK(out != NULL && strstr(out, "SV U1 adult forms SX,TF,DM,MD,CR,"
	    "CM,OR,CT,OU\n  every day                   00:00-24:00  +0 "
	    "pn-sv/1 national-desk/1; +5m pn-sv/2 national-desk/2; +10m "
	    "pn-sv/3; +15m admin/1\n") != NULL, "SV U1 adult: %s", out ? out : "");
	CHECK(out != NULL && strstr(out, "\nSV U2 minor forms ") != NULL &&
	    strstr(out, "+0 pn-sv/1 icca/1; +30m") != NULL, "SV U2 minor");
	CHECK(out != NULL && strstr(out, "digest at 08:00: pn-st icca") !=
	    NULL, "ST U3 minor: the digest");
	CHECK(out != NULL && strstr(out, "\nBR U1 adult ") != NULL,
	    "every area is in the table");
	free(out);
	fclose(f);
	config_free(cfg);
}

static void
test_gaps(void)
{
	char path[] = "/tmp/farol-routes-XXXXXX", *out, want[512];
	struct routes_filter st = { 1, -1, -1 }, at = { 1, 21 * 60 + 30, 2 };
	struct config *cfg;
	FILE *f;
	int fd = mkstemp(path), n;

	REQUIRE(fd >= 0 && write(fd, fixture, sizeof fixture - 1) ==
	    (ssize_t)(sizeof fixture - 1), "write the fixture");
	close(fd);
	cfg = config_load(path, NULL);
	unlink(path);
	REQUIRE(cfg != NULL, "load the fixture");
	f = tmpfile();
	n = routes_check(cfg, f);
	out = captured(f);
	fclose(f);
	CHECK(n == 6, "warnings got=%d want=6:\n%s", n, out ? out : "");
#define WANT(line, text) do { \
	snprintf(want, sizeof want, "%s:%d: warning: %s", path, line, text); \
	CHECK(out != NULL && strstr(out, want) != NULL, "want %s in:\n%s", \
	    want, out ? out : ""); \
} while (0)
	WANT(5, "area ST U1: an alert reaches no authority (e.g. form SX, "
	    "adult, sun 06:00");
	WANT(10, "authority pn-sv: rungs 1 and 2 call the same number");
	WANT(11, "authority night: rung 1 is focal point fp1's phone");
	WANT(14, "rule \"hidden\" is hidden by the final rule \"police SV\"");
	free(out);

	f = tmpfile();
	routes_print(cfg, &st, f);
	out = captured(f);
	fclose(f);
	CHECK(out != NULL && strstr(out, "ST U1 adult forms SX,TF\n"
	    "  every day                   00:00-06:00  +0 night/1; +5m "
	    "admin/1\n  every day                   06:00-20:00  NOBODY\n"
	    "  every day                   20:00-24:00  +0 night/1") != NULL,
	    "ST's day split at the rule's hours:\n%s", out ? out : "");
	CHECK(out != NULL && strstr(out, "\nSV ") == NULL, "--area ST only");
	free(out);
	f = tmpfile();
	routes_print(cfg, &at, f);
	out = captured(f);
	fclose(f);
	CHECK(out != NULL && strstr(out, "  tue                         at "
	    "21:30  +0 night/1") != NULL, "--at 21:30 --day tue:\n%s", out ? out : "");
	free(out);
	config_free(cfg);
}

int
main(int argc, char **argv)
{
	REQUIRE(argc == 2, "usage: test_routes farol.conf");
	test_default(argv[1]);
	test_gaps();
	return check_status();
}
