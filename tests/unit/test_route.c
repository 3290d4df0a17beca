/*
 * test_route.c: table-driven tests of route_decide() on a real config file:
 * areas, forms, urgency, minors, hours across midnight, days, all-matches
 * with deduplication, final, unregistered and inactive senders, ladder
 * times and the U3 digest. Run by `meson test --suite unit`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "report.h"
#include "decide_reply.h"
#include "decide_route.h"

#define P(n, a, l) "{ id = \"" n "\"; name = \"" n "\"; areas = [\"" a \
	"\"]; ladder = ( " l " ); },\n"
#define R(num) "{ number = \"" num "\"; }"

static const char fixture[] =
    "gateway = { name = \"t\"; spool_dir = \"/tmp/s\"; };\n"
    "database = { conninfo = \"dbname=farol\"; };\n"
    "modems = ( { name = \"m1\"; device = \"/tmp/d\"; connection = \"none\"; } );\n"
    "codebook = { country_code = \"238\"; national_length = 7;\n"
    "  areas = ( { code = \"SV\"; name = \"SV\"; }, { code = \"ST\"; name = \"ST\"; } );\n"
    "  forms = ( { code = \"SX\"; name = \"SX\"; }, { code = \"TF\"; name = \"TF\"; } ); };\n"
    "focal_points = (\n"
    "  { id = \"fp1\"; name = \"Maria\"; phone = \"9912345\"; area = \"SV\"; },\n"
    "  { id = \"fp2\"; name = \"Off\"; phone = \"9912346\"; area = \"ST\"; active = false; },\n"
    "  { id = \"fp3\"; name = \"Joao\"; phone = \"9912347\"; area = \"ST\"; lang = \"en\"; } );\n"
    "authorities = (\n"
    P("pn-sv", "SV", R("9910001") "," R("9910002") "," R("9910003"))
    P("pn-st", "ST", R("9920001"))
    P("icca", "*", R("9980001") "," R("9980002"))
    P("desk", "*", R("9990001"))
    P("night", "*", R("9970001"))
    P("weekend", "*", R("9960001"))
    "{ id = \"stop\"; name = \"Autoridade com um nome muito comprido\"; "
    "areas = [\"*\"]; ladder = ( " R("9950001") " ); } );\n"
    "routing = { mode = \"all\"; unregistered = [\"desk\"]; rules = (\n"
    "  { name = \"sv\"; match = { areas = [\"SV\"]; }; notify = [\"pn-sv\"]; },\n"
    "  { name = \"st\"; match = { areas = [\"ST\"]; }; notify = [\"pn-st\"]; },\n"
    "  { name = \"minor\"; match = { minor = true; }; notify = [\"icca\"]; },\n"
    "  { name = \"u1\"; match = { urgency = [1]; }; notify = [\"desk\", \"pn-sv\"]; },\n"
    "  { name = \"night\"; match = { forms = [\"TF\"]; hours = \"18:00-07:00\"; }; notify = [\"night\"]; },\n"
    "  { name = \"wkend\"; match = { urgency = [2]; days = [\"sat\", \"sun\"]; }; notify = [\"weekend\"]; },\n"
    "  { name = \"stop\"; match = { areas = [\"ST\"]; forms = [\"TF\"]; }; notify = [\"stop\"]; final = true; },\n"
    "  { name = \"after\"; match = { areas = [\"ST\"]; }; notify = [\"desk\"]; } ); };\n"
    "escalation = { u1 = { ack_timeout = 300; repeats = 2; };\n"
    "  u2 = { ack_timeout = 1800; }; u3 = { digest_at = \"08:00\"; };\n"
    "  admins = [\"9999001\"]; };\n";

/* Monday 23 November 2026 plus `day` days, at hh:mm:ss UTC. */
static time_t
at(int day, int hh, int mm, int ss)
{
	struct tm tm = { 0 };

	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 23 + day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	return mktime(&tm);	/* TZ is UTC in main() */
}

struct route_case {
	const char *name;
	const char *text;
	const char *sender;
	int day, hh, mm;
	const char *want;	/* authority ids, comma-separated */
	int unverified;
};

static const struct route_case cases[] = {
	{ "area rule", "ALERTA SV SX U2", "+2389912345", 0, 12, 0, "pn-sv", 0 },
	{ "U1 adds the desk, pn-sv once", "ALERTA SV SX U1", "+2389912345",
	  0, 12, 0, "pn-sv,desk", 0 },
	{ "minor", "ALERTA SV SX U2 MENOR", "+2389912345", 0, 12, 0,
	  "pn-sv,icca", 0 },
	{ "default area from the registry", "ALERTA SX U2", "+2389912345",
	  0, 12, 0, "pn-sv", 0 },
	{ "night window, evening", "ALERTA SV TF U2", "+2389912345", 0, 23, 30,
	  "pn-sv,night", 0 },
	{ "night window, after midnight", "ALERTA SV TF U2", "+2389912345",
	  1, 6, 59, "pn-sv,night", 0 },
	{ "night window ends at 07:00", "ALERTA SV TF U2", "+2389912345",
	  1, 7, 0, "pn-sv", 0 },
	{ "night window starts at 18:00", "ALERTA SV TF U2", "+2389912345",
	  0, 18, 0, "pn-sv,night", 0 },
	{ "night rule needs its form", "ALERTA SV SX U2", "+2389912345",
	  0, 23, 0, "pn-sv", 0 },
	{ "weekend, saturday", "ALERTA SV SX U2", "+2389912345", 5, 12, 0,
	  "pn-sv,weekend", 0 },
	{ "weekend, sunday", "ALERTA SV SX U2", "+2389912345", 6, 12, 0,
	  "pn-sv,weekend", 0 },
	{ "weekend rule is U2 only", "ALERTA SV SX U1", "+2389912345", 5, 12, 0,
	  "pn-sv,desk", 0 },
	{ "final stops later rules", "ALERTA ST TF U2", "+2389912347", 0, 12, 0,
	  "pn-st,stop", 0 },
	{ "without final, later rules apply", "ALERTA ST SX U2", "+2389912347",
	  0, 12, 0, "pn-st,desk", 0 },
	{ "any of several forms", "ALERTA ST SX TF U2", "+2389912347", 0, 12, 0,
	  "pn-st,stop", 0 },
	{ "unregistered", "ALERTA SV SX U1 MENOR", "+2389900000", 0, 12, 0,
	  "desk", 1 },
	{ "inactive focal point", "ALERTA ST SX U1", "+2389912346", 0, 12, 0,
	  "desk", 1 },
	{ "no sender", "ALERTA SV SX U2", NULL, 0, 12, 0, "desk", 1 },
};

static struct config *cfg;

static int
decide(const char *text, const char *sender, time_t t, struct route_plan *p)
{
	struct parse_options opt = { -1 };
	const struct focal_point *fp;
	struct report r;
	char *cause = NULL;

	if (sender != NULL && (fp = config_find_focal(cfg, sender)) != NULL)
		opt.default_area = fp->area;
	if (report_parse(&cfg->codebook, &opt, text, strlen(text), &r) != 0 ||
	    r.err != REPORT_ERR_NONE) {
		(void)CHECK(0, "parse %s: err=%s", text, report_err_name(r.err));
		return -1;
	}
	if (route_decide(cfg, &r, sender, t, p, &cause) != 0) {
		(void)CHECK(0, "route %s: %s", text, cause);
		free(cause);
		return -1;
	}
	return 0;
}

static void
ids(const struct route_plan *p, char *out, size_t sz)
{
	out[0] = '\0';
	for (int i = 0; i < p->n_authorities; i++) {
		if (i > 0)
			strncat(out, ",", sz - strlen(out) - 1);
		strncat(out, cfg->authorities[p->authorities[i]].id,
		    sz - strlen(out) - 1);
	}
}

static void
steps(const struct route_plan *p, char *out, size_t sz)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < p->n_steps && n < sz; i++)
		n += (size_t)snprintf(out + n, sz - n, "%s%s@%ld",
		    i ? " " : "", p->steps[i].number, p->steps[i].after_s);
}

static void
test_cases(void)
{
	struct route_plan p;
	char got[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct route_case *c = &cases[i];

		if (decide(c->text, c->sender, at(c->day, c->hh, c->mm, 0),
		    &p) != 0)
			continue;
		ids(&p, got, sizeof got);
		CHECK(strcmp(got, c->want) == 0, "%s: got=%s want=%s",
		    c->name, got, c->want);
		CHECK(p.unverified == c->unverified, "%s: unverified got=%d "
		    "want=%d", c->name, p.unverified, c->unverified);
		CHECK((p.fp == NULL) == c->unverified, "%s: fp got=%s",
		    c->name, p.fp ? p.fp->id : "NULL");
	}
}

static void
test_ladders(void)
{
	static const struct {
		const char *text, *sender, *want;
	} t[] = {
		{ "ALERTA SV SX U1 MENOR", "+2389912345",
		  "+2389910001@0 +2389980001@0 +2389990001@0 "
		  "+2389910001@300 +2389980001@300 +2389990001@300 "
		  "+2389910002@600 +2389980002@600 "
		  "+2389910002@900 +2389980002@900 "
		  "+2389910003@1200 +2389910003@1500 +2389999001@1800" },
		{ "ALERTA ST SX U2", "+2389912347",
		  "+2389920001@0 +2389990001@0 +2389999001@1800" },
	};
	struct route_plan p;
	char got[1024];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (decide(t[i].text, t[i].sender, at(0, 12, 0, 0), &p) != 0)
			continue;
		steps(&p, got, sizeof got);
		CHECK(strcmp(got, t[i].want) == 0, "%s:\n got=%s\nwant=%s",
		    t[i].text, got, t[i].want);
		CHECK(!p.digest_only, "%s: digest_only", t[i].text);
	}
}

static void
test_digest(void)
{
	static const struct {
		int hh, mm, ss;
		long want;
	} t[] = {
		{ 12, 0, 0, 20 * 3600 },
		{ 7, 59, 30, 30 },
		{ 8, 0, 0, 86400 },
		{ 0, 0, 0, 8 * 3600 },
	};
	struct route_plan p;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (decide("ALERTA SV SX U3 MENOR", "+2389912345",
		    at(0, t[i].hh, t[i].mm, t[i].ss), &p) != 0)
			continue;
		CHECK(p.digest_only && p.n_steps == 0, "U3 %02d:%02d: "
		    "digest_only=%d steps=%d want=1,0", t[i].hh, t[i].mm,
		    p.digest_only, p.n_steps);
		CHECK(p.digest_after_s == t[i].want, "U3 %02d:%02d:%02d: "
		    "got=%ld want=%ld", t[i].hh, t[i].mm, t[i].ss,
		    p.digest_after_s, t[i].want);
	}
}

static void
test_notified(void)
{
	static const struct {
		const char *text, *sender;
		enum reply_lang lang;
		const char *want;
	} t[] = {
		{ "ALERTA SV SX U2", "+2389912345", REPLY_PT, "pn-sv avisada" },
		{ "ALERTA SV SX U2", "+2389912345", REPLY_EN, "pn-sv notified" },
		{ "ALERTA SV SX U1", "+2389912345", REPLY_PT,
		  "pn-sv +1 avisadas" },
		{ "ALERTA ST TF U2", "+2389912347", REPLY_PT,
		  "pn-st +1 avisadas" },
		{ "ALERTA SV SX U3", "+2389912345", REPLY_PT,
		  "Para o Observatorio" },
	};
	struct route_plan p;
	char got[64];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (decide(t[i].text, t[i].sender, at(0, 12, 0, 0), &p) != 0)
			continue;
		decide_reply_notified(cfg, &p, t[i].lang, got, sizeof got);
		CHECK(strcmp(got, t[i].want) == 0, "%s: got=%s want=%s",
		    t[i].text, got, t[i].want);
	}
	/* A long name is cut to the 32-character budget. */
	p.n_authorities = 1;
	p.digest_only = 0;
	for (int a = 0; a < cfg->n_authorities; a++)
		if (strcmp(cfg->authorities[a].id, "stop") == 0)
			p.authorities[0] = a;
	decide_reply_notified(cfg, &p, REPLY_PT, got, sizeof got);
	CHECK(strlen(got) <= 32 && strstr(got, " avisada") != NULL,
	    "long name: got=%s (%zu) want <= 32 ending avisada", got,
	    strlen(got));
}

/* The words come from reply templates, so a config's override reaches
 * them: who was notified, an unverified sender, a state. */
static void
test_words(void)
{
	struct route_plan p;
	char got[REPLY_MAX_BYTES];

	decide_reply_unverified(cfg, REPLY_EN, got, sizeof got);
	CHECK(strcmp(got, "UNVERIFIED") == 0, "unverified: got=%s", got);
	decide_reply_state(cfg, "acknowledged", REPLY_PT, got, sizeof got);
	CHECK(strcmp(got, "assumido") == 0, "state: got=%s", got);
	decide_reply_state(cfg, "nonesuch", REPLY_PT, got, sizeof got);
	CHECK(strcmp(got, "nonesuch") == 0, "unknown state: got=%s", got);

	cfg->replies.text[REPLY_PT][REPLY_NOTIFIED_ONE] =
	    strdup("{notified} foi avisada");
	cfg->replies.text[REPLY_PT][REPLY_STATE_ACKNOWLEDGED] =
	    strdup("com dono");
	if (decide("ALERTA SV SX U2", "+2389912345", at(0, 12, 0, 0),
	    &p) == 0) {
		decide_reply_notified(cfg, &p, REPLY_PT, got, sizeof got);
		CHECK(strcmp(got, "pn-sv foi avisada") == 0,
		    "overridden notified_one: got=%s", got);
	}
	decide_reply_state(cfg, "acknowledged", REPLY_PT, got, sizeof got);
	CHECK(strcmp(got, "com dono") == 0, "overridden state: got=%s", got);
}

int
main(void)
{
	char dir[] = "/tmp/farol-test-route-XXXXXX", path[512];
	char *problems = NULL;
	FILE *f;

	setenv("TZ", "UTC", 1);
	tzset();
	REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/route.conf", dir);
	REQUIRE((f = fopen(path, "w")) != NULL, "open %s", path);
	fputs(fixture, f);
	fclose(f);
	cfg = config_load(path, &problems);
	unlink(path);
	rmdir(dir);
	REQUIRE(cfg != NULL, "fixture: got=%s want=loads", problems);
	test_cases();
	test_ladders();
	test_digest();
	test_notified();
	test_words();
	config_free(cfg);
	return check_status();
}
