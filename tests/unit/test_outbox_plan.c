/*
 * test_outbox_plan.c: every outgoing SMS of the outbox module's plan
 * (gateway/outbox_plan.c) on the default config: receipt, forwards and
 * rungs of a U1/U2, the administrators' notices, the U3 digest, what goes
 * out at once from the spool, a command's replies, a flood notice, the
 * rungs kept as the alert's plan (escalation.rung_horizon), and the rows
 * as the database takes them. Run by `meson test --suite unit`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "check.h"
#include "config.h"
#include "decide.h"
#include "jsonw.h"
#include "outbox_plan.h"

static struct config *cfg;
static struct outbox_plan plan;
static struct decision d;

#define NOON_UTC 1795867200	/* Mon 30 Nov 2026 12:00 UTC */

static void
decide(const char *from, const char *text, int spooled)
{
	struct decide_params p = { .default_area = -1 };

	p.cfg = cfg;
	p.received_at = NOON_UTC;
	p.spooled = spooled;
	p.ref = spooled ? NULL : OUTBOX_REF_STANDIN;
	decide_message(&cfg->codebook, &cfg->replies, &p, from, text, &d);
}

static int
count(const char *purpose)
{
	int n = 0;

	for (int i = 0; i < plan.n; i++)
		n += strcmp(plan.rows[i].purpose, purpose) == 0;
	return n;
}

static void
test_urgent(void)
{
	const struct outbox_row *r;
	long last = 0;

	decide("9912345", "ALERTA SV SX U1 bar Calheta", 0);
	REQUIRE(d.routed && d.plan.n_authorities > 0, "U1 routed");
	outbox_plan_message(cfg, &d, &plan);
	CHECK(plan.n == 1 + d.plan.n_steps, "rows got=%d want=%d", plan.n,
	    1 + d.plan.n_steps);
	r = &plan.rows[0];
	CHECK(strcmp(r->purpose, "receipt") == 0 &&
	    strcmp(r->recipient, "+2389912345") == 0, "receipt: %s to %s",
	    r->purpose, r->recipient);
	CHECK(count("forward") == d.plan.n_authorities,
	    "forwards got=%d want=%d", count("forward"),
	    d.plan.n_authorities);
	for (int i = 0; i < plan.n; i++) {
		r = &plan.rows[i];
		CHECK(strstr(r->text, OUTBOX_REF_STANDIN) == NULL &&
		    strstr(r->text, "{ref}") != NULL, "row %d text: %s", i,
		    r->text);
		CHECK(r->after_s >= last, "row %d due before row %d", i,
		    i - 1);
		last = r->after_s;
		if (strcmp(r->purpose, "forward") == 0)
			CHECK(r->after_s == 0 && r->rung == 1 &&
			    r->authority != NULL, "forward %d: after %ld rung "
			    "%d", i, r->after_s, r->rung);
	}
	/* Nobody answered: the administrators, last, on no ladder. */
	r = &plan.rows[plan.n - 1];
	CHECK(r->authority == NULL && strcmp(r->purpose, "escalation") == 0 &&
	    strcmp(r->recipient, "+2389999001") == 0 && r->after_s > 0,
	    "admin row: %s to %s after %ld", r->purpose, r->recipient,
	    r->after_s);

	/* From the spool: the first rung of each authority, now. */
	decide("9912345", "ALERTA SV SX U1 bar Calheta", 1);
	outbox_plan_spooled(cfg, &d, &plan);
	CHECK(plan.n == d.plan.n_authorities && count("forward") == plan.n,
	    "spooled rows got=%d want=%d", plan.n, d.plan.n_authorities);
	for (int i = 0; i < plan.n; i++)
		CHECK(plan.rows[i].after_s == 0 &&
		    strstr(plan.rows[i].text, "{ref}") == NULL,
		    "spooled row %d: %s", i, plan.rows[i].text);
}

static void
test_held_digest_invalid(void)
{
	/* Carla must give her PIN: held, the administrators told. */
	decide("9912349", "ALERTA FG SX U1 bar", 0);
	outbox_plan_message(cfg, &d, &plan);
	CHECK(plan.n == 2 && count("receipt") == 1 && count("admin") == 1,
	    "held: rows got=%d", plan.n);
	decide("9912349", "ALERTA FG SX U1 bar", 1);
	outbox_plan_spooled(cfg, &d, &plan);
	CHECK(plan.n == 0, "held, spooled: rows got=%d want=0", plan.n);
	/* What its release would send waits with it: receipt, forwards,
	 * rungs, each row held. */
	{
		struct decide_params p = { .default_area = -1, .released = 1 };

		p.cfg = cfg;
		p.received_at = NOON_UTC;
		p.ref = OUTBOX_REF_STANDIN;
		decide_message(&cfg->codebook, &cfg->replies, &p, "9912349",
		    "ALERTA FG SX U1 bar", &d);
	}
	CHECK(d.held == NULL, "released: still held (%s)", d.held);
	outbox_plan_held(cfg, &d, &plan);
	CHECK(count("receipt") == 1 && count("forward") > 0 &&
	    count("escalation") > 0, "released: receipt=%d forward=%d "
	    "escalation=%d", count("receipt"), count("forward"),
	    count("escalation"));
	for (int i = 0; i < plan.n; i++)
		CHECK(plan.rows[i].state != NULL &&
		    strcmp(plan.rows[i].state, "held") == 0,
		    "row %d not held", i);

	decide("9912345", "ALERTA SV SX U3 bar", 0);
	outbox_plan_message(cfg, &d, &plan);
	CHECK(count("digest") > 0 && count("forward") == 0,
	    "U3: digest=%d forward=%d", count("digest"), count("forward"));
	for (int i = 0; i < plan.n; i++)
		if (strcmp(plan.rows[i].purpose, "digest") == 0)
			CHECK(plan.rows[i].after_s == d.plan.digest_after_s,
			    "digest due after %ld want %ld",
			    plan.rows[i].after_s, d.plan.digest_after_s);
	decide("9912345", "ALERTA SV SX U3 bar", 1);
	outbox_plan_spooled(cfg, &d, &plan);
	CHECK(plan.n == 0, "U3, spooled: rows got=%d want=0", plan.n);

	decide("9912345", "ALERTA XX bar", 0);
	outbox_plan_message(cfg, &d, &plan);
	CHECK(plan.n == 1 && count("reply") == 1, "invalid: rows got=%d",
	    plan.n);
}

/* The candidate of plan for result, to, lang (NULL: any) and state. */
static const struct outbox_row *
candidate(const char *result, const char *to, const char *lang,
    const char *state)
{
	const struct outbox_row *r;

	for (int i = 0; i < plan.n; i++) {
		r = &plan.rows[i];
		if (r->to != NULL && strcmp(r->if_result, result) == 0 &&
		    strcmp(r->to, to) == 0 && (lang == NULL ||
		    (r->lang != NULL && strcmp(r->lang, lang) == 0)) &&
		    (state == NULL || (r->if_state != NULL &&
		    strcmp(r->if_state, state) == 0)))
			return r;
	}
	return NULL;
}

static void
test_commands(void)
{
	struct outbox_command c = {
		.cmd = REPORT_CMD_OK, .ref = 100, .sender = "+2389920001",
		.lang = REPLY_PT,
	};
	const struct outbox_row *r;

	/* Every outcome's replies, rendered before the outcome is known. */
	outbox_plan_command(cfg, &c, &plan);
	r = candidate("ok", "focal", "pt", NULL);
	CHECK(r != NULL && strcmp(r->purpose, "ack_notice") == 0 &&
	    strstr(r->text, "100") != NULL &&
	    strstr(r->text, "{authority}") != NULL && r->named,
	    "OK ack_notice: %s", r != NULL ? r->text : "(none)");
	CHECK(candidate("ok", "focal", "en", NULL) != NULL,
	    "OK: no English ack_notice");
	r = candidate("ok", "others", "pt", NULL);
	CHECK(r != NULL && strcmp(r->purpose, "taken_notice") == 0 &&
	    strcmp(r->but, "+2389920001") == 0 &&
	    strstr(r->text, "{authority}") != NULL,
	    "OK taken_notice: %s", r != NULL ? r->text : "(none)");
	r = candidate("ok", "sender", NULL, NULL);
	CHECK(r != NULL && strcmp(r->recipient, "+2389920001") == 0 &&
	    strcmp(r->purpose, "reply") == 0, "OK: no receipt");
	r = candidate("already", "sender", NULL, NULL);
	CHECK(r != NULL && strstr(r->text, "{authority}") != NULL,
	    "OK already: %s", r != NULL ? r->text : "(none)");
	CHECK(candidate("already", "others", NULL, NULL) == NULL,
	    "OK already: nobody else is told");
	CHECK(candidate("not_allowed", "sender", NULL, NULL) != NULL &&
	    candidate("unknown_ref", "sender", NULL, NULL) != NULL,
	    "OK: no refusal");

	c.cmd = REPORT_CMD_ANULAR;
	c.sender = "+2389912345";
	outbox_plan_command(cfg, &c, &plan);
	r = candidate("ok", "holders", "pt", NULL);
	CHECK(r != NULL && strcmp(r->purpose, "cancel_notice") == 0,
	    "ANULAR: no cancel_notice");
	CHECK(candidate("not_allowed", "holders", NULL, NULL) == NULL,
	    "ANULAR refused: holders told");

	c.cmd = REPORT_CMD_ESTADO;
	outbox_plan_command(cfg, &c, &plan);
	r = candidate("ok", "sender", NULL, "acknowledged");
	CHECK(r != NULL && strstr(r->text, "assumido") != NULL,
	    "ESTADO: %s", r != NULL ? r->text : "(none)");
	r = candidate("ok", "sender", NULL, "expired");
	CHECK(r != NULL && strstr(r->text, "expirado") != NULL,
	    "ESTADO expired: %s", r != NULL ? r->text : "(none)");

	c.sender = "";
	outbox_plan_command(cfg, &c, &plan);
	CHECK(plan.n == 0, "no number: rows got=%d want=0", plan.n);

	outbox_plan_flood(cfg, "+2389912345", &plan);
	CHECK(plan.n == cfg->n_admins && count("admin") == plan.n,
	    "flood: rows got=%d want=%d", plan.n, cfg->n_admins);
}

static void
test_json(void)
{
	struct evbuffer *buf = evbuffer_new();
	struct jsonw w;
	const char *s;

	REQUIRE(buf != NULL, "evbuffer");
	outbox_plan_flood(cfg, "+2389912345", &plan);
	jsonw_init(&w, buf);
	jsonw_array(&w, NULL);
	outbox_plan_json(&w, &plan, "7", "9");
	jsonw_end(&w, ']');
	s = jsonw_text(&w);
	CHECK(strstr(s, "\"recipient\":\"+2389999001\"") != NULL &&
	    strstr(s, "\"purpose\":\"admin\"") != NULL &&
	    strstr(s, "\"alert_id\":7") != NULL &&
	    strstr(s, "\"message_id\":9") != NULL, "json: %s", s);
	evbuffer_free(buf);
}

/* 14 alerts for pn-sv: numbered SMS, each within 160, every alert once. */
static void
test_digest(void)
{
	struct outbox_digest_alert a[14];
	char want[64], line[64];
	int listed, found;

	for (int i = 0; i < 14; i++) {
		a[i].ref = 100000 + i;
		a[i].area = "SV";
		a[i].forms = i % 2 ? "SX+TF" : "DM";
		a[i].victims = i % 3 ? i : -1;
	}
	plan.n = 0;
	listed = outbox_plan_digest(cfg, "pn-sv", "+2389920001", a, 14, &plan);
	CHECK(listed == 14, "listed %d of 14", listed);
	CHECK(plan.n >= 2, "split into %d SMS", plan.n);
	for (int i = 0; i < plan.n; i++) {
		snprintf(want, sizeof want, "FAROL resumo U3 %d/%d: ", i + 1,
		    plan.n);
		CHECK(strncmp(plan.rows[i].text, want, strlen(want)) == 0 &&
		    strlen(plan.rows[i].text) <= 160 &&
		    strcmp(plan.rows[i].purpose, "digest") == 0 &&
		    strcmp(plan.rows[i].recipient, "+2389920001") == 0,
		    "part %d: %s", i + 1, plan.rows[i].text);
	}
	for (int k = 0; k < 14; k++) {
		snprintf(line, sizeof line, "%ld SV %s", a[k].ref, a[k].forms);
		found = 0;
		for (int i = 0; i < plan.n; i++)
			found += strstr(plan.rows[i].text, line) != NULL;
		CHECK(found == 1, "alert %ld in %d SMS", a[k].ref, found);
	}
	CHECK(strstr(plan.rows[0].text, "100001 SV SX+TF V1") != NULL &&
	    strstr(plan.rows[0].text, "100000 SV DM;") != NULL,
	    "victims, or none when not given: %s", plan.rows[0].text);

	/* Nothing to list: no SMS. */
	plan.n = 0;
	CHECK(outbox_plan_digest(cfg, "pn-sv", "+2389920001", a, 0, &plan)
	    == 0 && plan.n == 0, "empty digest: %d SMS", plan.n);
}

/* Receipts and replies carry the reply limit to the database; forwards
 * do not. */
static void
test_reply_limit(void)
{
	struct evbuffer *buf = evbuffer_new();
	struct jsonw w;
	const char *json;

	REQUIRE(buf != NULL, "evbuffer");
	decide("9912345", "ALERTA SV SX U1 bar", 0);
	/* Every row written now (the forwards too). */
	cfg->rung_horizon_s = 0;
	outbox_plan_message(cfg, &d, &plan);
	cfg->rung_horizon_s = 60;
	jsonw_init(&w, buf);
	jsonw_array(&w, NULL);
	outbox_plan_json(&w, &plan, NULL, NULL);
	jsonw_end(&w, ']');
	json = jsonw_text(&w);
	CHECK(strstr(json, "\"purpose\":\"receipt\",\"after_s\":0,"
	    "\"limit_max\":20,\"limit_per_s\":3600") != NULL,
	    "the receipt carries the limit: %s", json);
	CHECK(strstr(strstr(json, "\"forward\""), "limit_max") == NULL,
	    "forwards are never limited: %s", json);
	evbuffer_free(buf);
}

/* escalation.rung_horizon: the rows due after it, and the forwards (due
 * at once, written by the claim), are the alert's plan (marked later,
 * left out of the rows written now, written apart with the first one's
 * delay, 0); the receipt is a row now; a held alert's rows and a
 * horizon of 0 keep every row for now. */
static void
test_rung_horizon(void)
{
	struct evbuffer *buf = evbuffer_new(), *later = evbuffer_new();
	struct jsonw w, wl;
	int n_later = 0, saved = cfg->rung_horizon_s;
	long first = -1;

	REQUIRE(buf != NULL && later != NULL, "evbuffer");
	CHECK(cfg->rung_horizon_s == 60, "default horizon got=%d",
	    cfg->rung_horizon_s);
	decide("9912345", "ALERTA SV SX U1 bar Calheta", 0);
	outbox_plan_message(cfg, &d, &plan);
	for (int i = 0; i < plan.n; i++) {
		const struct outbox_row *r = &plan.rows[i];

		CHECK(r->later == (r->after_s > 60 ||
		    strcmp(r->purpose, "forward") == 0), "row %d (%s after "
		    "%ld): later=%d", i, r->purpose, r->after_s, r->later);
		if (r->later && (first < 0 || r->after_s < first))
			first = r->after_s;
		n_later += r->later;
	}
	CHECK(count("forward") > 0 && n_later == count("escalation") +
	    count("forward"), "later rows got=%d want=%d", n_later,
	    count("escalation") + count("forward"));
	CHECK(outbox_plan_later_first(&plan) == first && first == 0,
	    "first later got=%ld want=%ld", outbox_plan_later_first(&plan),
	    first);
	jsonw_init(&w, buf);
	jsonw_array(&w, NULL);
	outbox_plan_json(&w, &plan, NULL, NULL);
	jsonw_end(&w, ']');
	jsonw_init(&wl, later);
	jsonw_object(&wl, NULL);
	outbox_plan_json_later(&wl, "rung_plan", &plan);
	jsonw_end(&wl, '}');
	CHECK(strstr(jsonw_text(&w), "\"escalation\"") == NULL &&
	    strstr(jsonw_text(&w), "\"forward\"") == NULL &&
	    strstr(jsonw_text(&w), "\"receipt\"") != NULL,
	    "now: %s", jsonw_text(&w));
	CHECK(strstr(jsonw_text(&wl), "\"escalation\"") != NULL &&
	    strstr(jsonw_text(&wl), "\"forward\"") != NULL &&
	    strstr(jsonw_text(&wl), "\"receipt\"") == NULL,
	    "later: %s", jsonw_text(&wl));
	/* The plan names each text once, however many rows send it. */
	for (int i = 0; i < plan.n; i++) {
		const char *at = jsonw_text(&wl);
		int seen = 0, rows = 0;

		if (!plan.rows[i].later)
			continue;
		for (int j = 0; j < plan.n; j++)
			rows += plan.rows[j].later &&
			    strcmp(plan.rows[j].text, plan.rows[i].text) == 0;
		while ((at = strstr(at, plan.rows[i].text)) != NULL) {
			seen++;
			at++;
		}
		CHECK(seen == 1 && rows > 1, "row %d: its text %d times in the "
		    "plan, sent by %d rows: %s", i, seen, rows,
		    jsonw_text(&wl));
		break;
	}

	cfg->rung_horizon_s = 0;
	outbox_plan_message(cfg, &d, &plan);
	CHECK(outbox_plan_later_first(&plan) == -1, "horizon 0: a row later");
	cfg->rung_horizon_s = saved;
	{
		struct decide_params p = { .default_area = -1, .released = 1 };

		p.cfg = cfg;
		p.received_at = NOON_UTC;
		p.ref = OUTBOX_REF_STANDIN;
		decide_message(&cfg->codebook, &cfg->replies, &p, "9912349",
		    "ALERTA FG SX U1 bar", &d);
	}
	outbox_plan_held(cfg, &d, &plan);
	CHECK(count("escalation") > 0 && outbox_plan_later_first(&plan) ==
	    -1, "held: a row later");
	evbuffer_free(buf);
	evbuffer_free(later);
}

/*
 * Words rendered once and shared (decide.c, outbox_plan.c): each
 * authority still gets its forward in its own language, and every
 * administrator the notice.
 */
static void
test_words_shared(void)
{
	struct authority *icca = NULL;
	const struct outbox_row *r;
	int admins = 0, en = 0, pt = 0;

	for (int a = 0; a < cfg->n_authorities; a++)
		if (strcmp(cfg->authorities[a].id, "icca") == 0)
			icca = &cfg->authorities[a];
	REQUIRE(icca != NULL && icca->lang == REPLY_PT && cfg->n_admins == 1,
	    "the default config's icca and administrator");
	icca->lang = REPLY_EN;
	snprintf(cfg->admins[1], sizeof cfg->admins[1], "+2389999002");
	cfg->n_admins = 2;
	decide("9912345", "ALERTA SV SX U1 V2 MENOR bar Calheta", 0);
	REQUIRE(d.plan.n_authorities == 3, "police, icca and the desk");
	outbox_plan_message(cfg, &d, &plan);
	for (int i = 0; i < plan.n; i++) {
		r = &plan.rows[i];
		if (strcmp(r->purpose, "forward") == 0 &&
		    strcmp(r->authority, "icca") == 0) {
			CHECK(strstr(r->text, "Reply OK") != NULL, "icca's "
			    "forward in English: %s", r->text);
			en++;
		} else if (strcmp(r->purpose, "forward") == 0) {
			CHECK(strstr(r->text, "Responda OK") != NULL, "%s's "
			    "forward in Portuguese: %s", r->authority,
			    r->text);
			pt++;
		} else if (r->authority == NULL &&
		    strcmp(r->purpose, "escalation") == 0) {
			CHECK(strstr(r->text, "SEM RESPOSTA") != NULL &&
			    strcmp(r->text, plan.rows[plan.n - 1].text) == 0,
			    "administrator's notice: %s", r->text);
			admins++;
		}
	}
	CHECK(en == 1 && pt == 2 && admins == 2, "forwards en=%d pt=%d, "
	    "notices %d", en, pt, admins);
	icca->lang = REPLY_PT;
	cfg->n_admins = 1;
}

int
main(int argc, char **argv)
{
	char *problems = NULL;

	REQUIRE(argc == 2, "usage: test_outbox_plan farol.conf");
	setenv("TZ", "UTC", 1);
	tzset();
	cfg = config_load(argv[1], &problems);
	REQUIRE(cfg != NULL, "config: %s", problems);
	test_urgent();
	test_words_shared();
	test_held_digest_invalid();
	test_commands();
	test_json();
	test_digest();
	test_reply_limit();
	test_rung_horizon();
	config_free(cfg);
	return check_status();
}
