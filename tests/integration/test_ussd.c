/*
 * test_ussd.c: the USSD callback endpoint end to end, with real HTTP
 * requests (ussd_client.c) against the real farold, a private PostgreSQL
 * and gammu's dummy driver (suite `integration`).
 *
 * Cases: a single-shot report as the first text and as a serviceCode
 * becomes an alert of kind 'ussd', forwarded like an SMS alert, without
 * an SMS receipt, and the screen gives its number; the same step sent
 * again creates nothing; an invalid code names what to fix; an
 * unregistered number gets a neutral screen and its report goes to the
 * national desk; the status of an alert by number gives its own focal
 * point what the SMS ESTADO gives (no SMS), and a neutral screen to
 * anyone else, for an unknown number, and to an unregistered phone; a
 * wrong token or address gets 403, a malformed request
 * 400; 200 concurrent sessions, each sent twice, make 200 alerts; with
 * PostgreSQL stopped the report is spooled, the screen says so, and it is
 * stored once when the database is back; the session cap turns a new
 * session away until idle sessions time out; the log holds no phone
 * number and no token.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"
#include "ussd_client.h"

/* ussd.listen as gateway_proc writes it (http.listen is another
 * "listen", also off). */
#define USSD_LISTEN_LINE "ussd = {\n  listen = \"\";"

#define WAIT_MS 30000
#define TOKEN "s3cret-token"
#define HDR "X-Farol-Token: " TOKEN

#define MARIA "+2389912345"	/* fp-sv-01, SV */
#define JOAO "+2389912346"	/* fp-st-01, ST */
#define STRANGER "+2389900000"	/* not in the registry */
#define DESK_1 "+2389990001"	/* national-desk, first rung */

#define CONCURRENT 200

static struct pgcluster *pg;
static struct gateway_proc g;
static int port;
static long first_ref;		/* session s-1's alert */

#define q(...) stored_q(pg, __VA_ARGS__)
#define q_text(...) stored_qt(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)

static int
step(struct ussd_call *c, const char *session, const char *service,
    const char *phone, const char *text)
{
	return ussd_client_step(c, port, HDR, session, service, phone, text);
}

/* The alert number an "END Alerta N ..." screen gives; -1 if none. */
static long
screen_ref(const char *body)
{
	long ref;

	if (sscanf(body, "END Alerta %ld", &ref) != 1)
		return -1;
	return ref;
}

static void
test_single_shot(void)
{
	struct ussd_call c;
	long ref, ref2, n;

	CHECK_INT(step(&c, "s-1", "*384#", MARIA, "7*1*1"), 200);
	first_ref = ref = screen_ref(c.body);
	CHECK(ref > 0, "screen gives the alert number: %s", c.body);
	CHECK_INT(q("SELECT count(*) FROM alert a JOIN message m ON m.id = "
	    "a.message_id WHERE a.ref = %ld AND m.kind = 'ussd' AND "
	    "a.area = 'ST' AND a.urgency = 1 AND a.error IS NULL", ref), 1);
	/* Forwarded like an SMS alert (Policia ST's first rung, ICCA);
	 * no SMS receipt: the screen was the receipt. */
	CHECK(q("SELECT (SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.ref = %ld AND o.purpose = 'forward') + "
	    "(SELECT count(*) FROM alert a, farol_alert_plan_rows(a.rung_plan) "
	    "p WHERE a.ref = %ld AND p.purpose = 'forward')", ref, ref) >= 2,
	    "forwards queued (or planned: the claim writes them)");
	CHECK_INT(q("SELECT count(*) FROM outbox WHERE recipient = '%s' AND "
	    "purpose = 'receipt'", MARIA), 0);

	/* The operator sends the same step again: the same screen, no
	 * second message. */
	n = q("SELECT count(*) FROM message");
	CHECK_INT(step(&c, "s-1", "*384#", MARIA, "7*1*1"), 200);
	CHECK_INT(screen_ref(c.body), ref);
	CHECK_INT(q("SELECT count(*) FROM message"), n);

	/* The whole report in the serviceCode, another session. */
	CHECK_INT(step(&c, "s-2", "*384*2*1*2#", MARIA, ""), 200);
	ref2 = screen_ref(c.body);
	CHECK(ref2 > 0 && ref2 != ref, "second alert: %s", c.body);
	CHECK_INT(q("SELECT count(*) FROM alert WHERE ref = %ld AND area = "
	    "'SV' AND urgency = 2", ref2), 1);
}

static void
test_invalid_and_unregistered(void)
{
	struct ussd_call c;
	long before;

	/* Area 12 does not exist: the screen says what to fix, at once, and
	 * the message is still stored. */
	before = q("SELECT count(*) FROM alert");
	CHECK_INT(step(&c, "s-bad", "*384#", MARIA, "12*1*1"), 200);
	CHECK(strncmp(c.body, "END ", 4) == 0 && screen_ref(c.body) < 0,
	    "an error screen: %s", c.body);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM message WHERE text = "
	    "'12*1*1' AND kind = 'ussd'"), 1);
	CHECK_INT(q("SELECT count(*) FROM alert"), before);

	/* Unregistered: a neutral screen (no number, nothing about the
	 * registry); the alert goes to the national desk. */
	CHECK_INT(step(&c, "s-x", "*384#", STRANGER, "2*1*1"), 200);
	CHECK(strncmp(c.body, "END ", 4) == 0 && screen_ref(c.body) < 0 &&
	    strstr(c.body, "regist") == NULL, "neutral screen: %s", c.body);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.sender = '%s' AND o.recipient = '%s'",
	    STRANGER, DESK_1), 1);
}

/* A whole menu session, step by step, as the phone shows it. */
static void
test_menu(void)
{
	static const char *const steps[] = { "", "1", "1*1", "1*1*1",
	    "1*1*1*1", "1*1*1*1*2", "1*1*1*1*2*0", "1*1*1*1*2*3",
	    "1*1*1*1*2*3*1" };
	struct ussd_call c;
	size_t i;
	long ref, n;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		CHECK_INT(step(&c, "m-1", "*384#", MARIA, steps[i]), 200);
		fprintf(stderr, "menu [%s] -> %s\n", steps[i], c.body);
		if (i + 1 < sizeof steps / sizeof steps[0])
			CHECK(strncmp(c.body, "CON ", 4) == 0, "[%s]: %s",
			    steps[i], c.body);
	}
	ref = screen_ref(c.body);
	CHECK(ref > 0, "menu alert: %s", c.body);
	CHECK_INT(q("SELECT count(*) FROM alert a JOIN message m ON m.id = "
	    "a.message_id WHERE a.ref = %ld AND m.kind = 'ussd' AND "
	    "a.area = 'SV' AND a.urgency = 1 AND a.victims = 2 AND "
	    "a.forms = '{SX}'", ref), 1);
	/* The last step again: the same screen, nothing new. */
	n = q("SELECT count(*) FROM message");
	CHECK_INT(step(&c, "m-1", "*384#", MARIA, steps[i - 1]), 200);
	CHECK_INT(screen_ref(c.body), ref);
	CHECK_INT(q("SELECT count(*) FROM message"), n);
	/* A bad input re-prompts; 00 is the main menu. */
	CHECK_INT(step(&c, "m-2", "*384#", MARIA, ""), 200);
	CHECK_INT(step(&c, "m-2", "*384#", MARIA, "1*42"), 200);
	CHECK(strncmp(c.body, "CON ", 4) == 0, "bad area: %s", c.body);
	CHECK_INT(step(&c, "m-2", "*384#", MARIA, "1*42*00"), 200);
	fprintf(stderr, "menu [1*42] then 00 -> %s\n", c.body);
	CHECK_INT(q("SELECT count(*) FROM message"), n);
	/* Unregistered: the same menu, a neutral end; the desk is told. */
	CHECK_INT(step(&c, "m-3", "*384#", STRANGER, ""), 200);
	CHECK_INT(step(&c, "m-3", "*384#", STRANGER, "1*9*2*2*1*3*1"), 200);
	CHECK(strncmp(c.body, "END ", 4) == 0 && screen_ref(c.body) < 0,
	    "neutral: %s", c.body);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM alert WHERE sender = '%s' "
	    "AND area = 'BR'", STRANGER), 1);
}

/* Menu 3: the status of an alert by number. */
static void
test_status(void)
{
	struct ussd_call c;
	char text[64], want[160], *sms;
	long n, stranger_ref;

	/* Maria's own alert, closed by her SMS. */
	snprintf(text, sizeof text, "FIM %ld", first_ref);
	CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0, "drop FIM");
	CHECK_INT(wait_q(1, "SELECT count(*) FROM alert WHERE ref = %ld AND "
	    "state = 'closed'", first_ref), 1);
	n = q("SELECT count(*) FROM message");
	CHECK_INT(step(&c, "st-1", "*384#", MARIA, ""), 200);
	CHECK(strstr(c.body, "\n3 ") != NULL, "3 on the menu: %s", c.body);
	CHECK_INT(step(&c, "st-1", "*384#", MARIA, "3"), 200);
	CHECK(strncmp(c.body, "CON ", 4) == 0, "asks the number: %s", c.body);
	/* A bad number re-prompts, nothing stored. */
	CHECK_INT(step(&c, "st-1", "*384#", MARIA, "3*12a"), 200);
	CHECK(strncmp(c.body, "CON ", 4) == 0 && strstr(c.body, "invalido")
	    != NULL, "bad number: %s", c.body);
	CHECK_INT(q("SELECT count(*) FROM message"), n);
	snprintf(text, sizeof text, "3*12a*%ld", first_ref);
	CHECK_INT(step(&c, "st-1", "*384#", MARIA, text), 200);
	fprintf(stderr, "status [%s] -> %s\n", text, c.body);
	/* The same words as the SMS ESTADO's reply, which goes by SMS. */
	snprintf(text, sizeof text, "ESTADO %ld", first_ref);
	CHECK_INT(q("SELECT count(*) FROM message WHERE kind = 'ussd' AND "
	    "text = '%s'", text), 1);
	CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0, "drop ESTADO");
	CHECK_INT(wait_q(1, "SELECT count(*) FROM outbox o JOIN message m ON "
	    "m.id = o.message_id WHERE m.text = '%s' AND m.kind = 'sms' AND "
	    "o.recipient = '%s'", text, MARIA), 1);
	sms = q_text("SELECT o.text FROM outbox o JOIN message m ON m.id = "
	    "o.message_id WHERE m.text = '%s' AND m.kind = 'sms'", text);
	snprintf(want, sizeof want, "END %s", sms != NULL ? sms : "?");
	CHECK_STR(c.body, want);
	CHECK(strstr(c.body, "fechado") != NULL, "closed: %s", c.body);
	free(sms);
	/* The screen was the answer: no SMS for the USSD question. */
	CHECK_INT(q("SELECT count(*) FROM outbox o JOIN message m ON m.id = "
	    "o.message_id WHERE m.kind = 'ussd' AND m.text LIKE 'ESTADO %%'"),
	    0);
	/* The same step again: the same screen, nothing new. */
	n = q("SELECT count(*) FROM message");
	snprintf(text, sizeof text, "3*12a*%ld", first_ref);
	CHECK_INT(step(&c, "st-1", "*384#", MARIA, text), 200);
	CHECK_STR(c.body, want);
	CHECK_INT(q("SELECT count(*) FROM message"), n);

	/* Someone else's alert, an alert that does not exist, an
	 * unregistered phone's own alert: the same neutral screen. */
	snprintf(text, sizeof text, "3*%ld", first_ref);
	CHECK_INT(step(&c, "st-2", "*384#", JOAO, ""), 200);
	CHECK_INT(step(&c, "st-2", "*384#", JOAO, text), 200);
	snprintf(want, sizeof want, "END Alerta %ld: sem informacao para "
	    "este numero.", first_ref);
	CHECK_STR(c.body, want);
	CHECK_INT(step(&c, "st-3", "*384#", MARIA, ""), 200);
	CHECK_INT(step(&c, "st-3", "*384#", MARIA, "3*987654321"), 200);
	CHECK_STR(c.body, "END Alerta 987654321: sem informacao para este "
	    "numero.");
	stranger_ref = q("SELECT max(ref) FROM alert WHERE sender = '%s'",
	    STRANGER);
	CHECK(stranger_ref > 0, "the stranger's alert");
	snprintf(text, sizeof text, "3*%ld", stranger_ref);
	CHECK_INT(step(&c, "st-4", "*384#", STRANGER, ""), 200);
	CHECK_INT(step(&c, "st-4", "*384#", STRANGER, text), 200);
	snprintf(want, sizeof want, "END Alerta %ld: sem informacao para "
	    "este numero.", stranger_ref);
	CHECK_STR(c.body, want);
	/* Each question is stored as its ESTADO, none answered by SMS. */
	CHECK_INT(q("SELECT count(*) FROM message WHERE kind = 'ussd' AND "
	    "text LIKE 'ESTADO %%'"), 4);
	CHECK_INT(q("SELECT count(*) FROM outbox o JOIN message m ON m.id = "
	    "o.message_id WHERE m.kind = 'ussd' AND m.text LIKE 'ESTADO %%'"),
	    0);
}

static int
raw(const char *src, const char *target, const char *type,
    const char *header, const char *body)
{
	struct ussd_call c;

	if (ussd_client_send(&c, port, src, target, type, header, body,
	    strlen(body)) != 0 || ussd_client_recv(&c, 5000) != 0)
		return -1;
	return c.status;
}

static void
test_refused(void)
{
	char form[512], big[4096];
	long n = q("SELECT count(*) FROM message");

	ussd_client_form(form, sizeof form, "s-r", "*384#", MARIA, "7*1*1");
	/* Token: none, wrong, in the query. */
	CHECK_INT(raw(NULL, "/ussd", NULL, NULL, form), 403);
	CHECK_INT(raw(NULL, "/ussd", NULL, "X-Farol-Token: nope", form), 403);
	CHECK_INT(raw(NULL, "/ussd?token=nope", NULL, NULL, form), 403);
	/* An address not in ussd.allow (loopback answers all of 127/8). */
	CHECK_INT(raw("127.0.0.2", "/ussd", NULL, HDR, form), 403);
	/* Malformed: a field missing, a bad escape, invalid UTF-8, a field
	 * twice, an oversized body, not a form, not a POST's path. */
	CHECK_INT(raw(NULL, "/ussd", NULL, HDR, "sessionId=a&serviceCode=1"
	    "&phoneNumber=1"), 400);
	CHECK_INT(raw(NULL, "/ussd", NULL, HDR, "sessionId=a&serviceCode=1"
	    "&phoneNumber=1&text=%zz"), 400);
	CHECK_INT(raw(NULL, "/ussd", NULL, HDR, "sessionId=a&serviceCode=1"
	    "&phoneNumber=1&text=%C3%28"), 400);
	CHECK_INT(raw(NULL, "/ussd", NULL, HDR, "sessionId=a&sessionId=b&"
	    "serviceCode=1&phoneNumber=1&text="), 400);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "text=", 5);
	CHECK_INT(raw(NULL, "/ussd", NULL, HDR, big), 400);
	CHECK_INT(raw(NULL, "/ussd", "text/plain", HDR, form), 400);
	CHECK_INT(raw(NULL, "/other?token=" TOKEN, NULL, NULL, form), 404);
	/* The token in the query is accepted too; and the process is up. */
	CHECK_INT(raw(NULL, "/ussd?token=" TOKEN, NULL, NULL, form), 200);
	CHECK_INT(wait_q(n + 1, "SELECT count(*) FROM message"), n + 1);
}

/* 200 sessions in flight at once, each step sent twice. */
static void
test_concurrent(void)
{
	static struct ussd_call c[2 * CONCURRENT];
	char form[512], session[32];
	long before = q("SELECT count(*) FROM alert WHERE sender = '%s'",
	    MARIA);
	int i, ok = 0, sent = 0;

	for (i = 0; i < 2 * CONCURRENT; i++) {
		snprintf(session, sizeof session, "conc-%d", i % CONCURRENT);
		ussd_client_form(form, sizeof form, session, "*384#", MARIA,
		    "2*1*1");
		if (ussd_client_send(&c[i], port, NULL, "/ussd", NULL, HDR,
		    form, strlen(form)) == 0)
			sent++;
	}
	CHECK_INT(sent, 2 * CONCURRENT);
	for (i = 0; i < 2 * CONCURRENT; i++)
		if (ussd_client_recv(&c[i], 10000) == 0 && c[i].status == 200 &&
		    strncmp(c[i].body, "END ", 4) == 0)
			ok++;
	CHECK_INT(ok, 2 * CONCURRENT);
	/* Each session's two answers agree. */
	for (i = 0, ok = 0; i < CONCURRENT; i++)
		ok += strcmp(c[i].body, c[i + CONCURRENT].body) == 0;
	CHECK_INT(ok, CONCURRENT);
	CHECK_INT(wait_q(before + CONCURRENT, "SELECT count(*) FROM alert "
	    "WHERE sender = '%s'", MARIA), before + CONCURRENT);
	CHECK_INT(q("SELECT count(*) FROM message WHERE kind = 'ussd' AND "
	    "text = '2*1*1' AND sender = '%s'", MARIA), CONCURRENT);
}

/* PostgreSQL stopped in the middle of a session: spooled, said so, and
 * stored once when it is back. */
static void
test_database_down(void)
{
	struct ussd_call c;

	long sent, now = 0;
	int t;

	/* What earlier cases queued has gone out: the count below moves
	 * only for this alert. */
	CHECK_INT(wait_q(0, "SELECT count(*) FROM outbox WHERE state IN "
	    "('queued', 'sending') AND not_before <= now()"), 0);
	for (t = 0; t < 300 && console_sum(&g, "modems", "send_queue", NULL,
	    NULL) != 0; t++)
		usleep(100000);
	sent = console_sum(&g, "modems", "sent", NULL, NULL);

	CHECK(pgcluster_stop(pg, 1) == 0, "stop PostgreSQL");
	CHECK_INT(step(&c, "s-down", "*384#", MARIA, "8*2*1"), 200);
	CHECK(strncmp(c.body, "END ", 4) == 0 && screen_ref(c.body) < 0,
	    "spooled screen: %s", c.body);
	CHECK_INT(gateway_proc_spool_count(&g), 1);
	/* A U1 alert is forwarded from the spool at once, as an SMS one
	 * (Policia FG's first rung, and ICCA). */
	for (t = 0; t < 300 && (now = console_sum(&g, "modems", "sent",
	    NULL, NULL)) < sent + 1; t++)
		usleep(100000);
	CHECK(now >= sent + 1, "forwarded from the spool: sent %ld, was %ld",
	    now, sent);
	/* The operator's retry while it is down: nothing more spooled. */
	CHECK_INT(step(&c, "s-down", "*384#", MARIA, "8*2*1"), 200);
	CHECK_INT(gateway_proc_spool_count(&g), 1);
	CHECK(pgcluster_restart(pg) == 0, "restart PostgreSQL");
	CHECK_INT(wait_q(1, "SELECT count(*) FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.kind = 'ussd' AND a.area = 'FG'"),
	    1);
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready again");
	/* A replay after the restart still makes nothing new: the key holds
	 * the session. */
	CHECK_INT(step(&c, "s-down", "*384#", MARIA, "8*2*1"), 200);
	sleep(1);
	CHECK_INT(q("SELECT count(*) FROM message WHERE text = '8*2*1'"), 1);
}

/* max_sessions and session_timeout, through a reload. */
/* A menu session goes on across a restart of farold (its state is its
 * text, its id remembered in the spool directory): its next step is a
 * menu step, not the single-shot report "1*1*1" (area 1, form 1, U1). */
static void
test_restart(void)
{
	static const char *const before[] = { "", "1", "1*1" };
	static const char *const after[] = { "1*1*1", "1*1*1*1",
	    "1*1*1*1*2", "1*1*1*1*2*3" };
	struct ussd_call c;
	long n, ref;
	size_t i;

	for (i = 0; i < sizeof before / sizeof before[0]; i++)
		CHECK_INT(step(&c, "r-1", "*384#", MARIA, before[i]), 200);
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "stop");
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "stopped");
	CHECK(gateway_proc_start(&g) == 0, "start again");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready again");
	n = q("SELECT count(*) FROM message");
	for (i = 0; i < sizeof after / sizeof after[0]; i++) {
		CHECK_INT(step(&c, "r-1", "*384#", MARIA, after[i]), 200);
		CHECK(strncmp(c.body, "CON ", 4) == 0, "[%s] after the "
		    "restart: %s", after[i], c.body);
	}
	fprintf(stderr, "restart [%s] -> %s\n", after[i - 1], c.body);
	CHECK_INT(q("SELECT count(*) FROM message"), n);
	CHECK_INT(step(&c, "r-1", "*384#", MARIA, "1*1*1*1*2*3*1"), 200);
	ref = screen_ref(c.body);
	CHECK(ref > 0, "confirmed: %s", c.body);
	CHECK_INT(q("SELECT count(*) FROM alert WHERE ref = %ld AND area = "
	    "'SV' AND urgency = 1 AND victims = 2 AND forms = '{SX}'", ref),
	    1);
	/* A new session's first step is still a whole report. */
	CHECK_INT(step(&c, "r-2", "*384#", MARIA, "1*1*1"), 200);
	CHECK(screen_ref(c.body) > 0 && screen_ref(c.body) != ref,
	    "single-shot after the restart: %s", c.body);
	CHECK_INT(q("SELECT count(*) FROM alert a JOIN message m ON m.id = "
	    "a.message_id WHERE m.text = '1*1*1' AND a.area = 'SA'"), 1);
}

static void
test_cap_and_timeout(void)
{
	struct ussd_call c;
	long n;

	CHECK(gateway_proc_edit_config(&g, "session_timeout = 180;",
	    "session_timeout = 5;") == 0 && gateway_proc_edit_config(&g,
	    "max_sessions = 2000;", "max_sessions = 2;") == 0, "edit");
	CHECK(console_reload(&g, NULL) == 0, "reload");
	/* Two sessions open (the menu: nothing stored): a third is turned
	 * away, nothing stored. */
	CHECK_INT(step(&c, "s-open-1", "*384#", MARIA, ""), 200);
	CHECK_INT(step(&c, "s-open-2", "*384#", MARIA, ""), 200);
	n = q("SELECT count(*) FROM message");
	CHECK_INT(step(&c, "s-cap", "*384#", MARIA, "3*1*1"), 200);
	CHECK(strncmp(c.body, "END ", 4) == 0 && screen_ref(c.body) < 0,
	    "busy screen: %s", c.body);
	sleep(1);
	CHECK_INT(q("SELECT count(*) FROM message"), n);
	/* Idle for session_timeout: dropped; the next one is served. */
	sleep(7);
	/* s-1 sent again once farold forgot it: the database knows it by
	 * its deduplication key (session and text), the same alert. */
	n = q("SELECT count(*) FROM message");
	CHECK_INT(step(&c, "s-1", "*384#", MARIA, "7*1*1"), 200);
	CHECK_INT(screen_ref(c.body), first_ref);
	CHECK_INT(q("SELECT count(*) FROM message"), n);
	CHECK_INT(step(&c, "s-cap", "*384#", MARIA, "3*1*1"), 200);
	CHECK(screen_ref(c.body) > 0, "served after the timeout: %s", c.body);
}

int
main(void)
{
	char listen[80];

	if ((pg = pgcluster_start("ussd end to end")) == NULL) {
		fprintf(stderr, "FAIL: cannot start PostgreSQL\n");
		return 1;
	}
	port = 20000 + getpid() % 20000;
	snprintf(listen, sizeof listen, "ussd = {\n  listen = "
	    "\"127.0.0.1:%d\";", port);
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	CHECK(gateway_proc_edit_config(&g, USSD_LISTEN_LINE, listen) == 0 &&
	    gateway_proc_edit_config(&g, "token = \"\";",
	    "token = \"" TOKEN "\";") == 0 &&
	    GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "config");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready")) {
		gateway_proc_dump_log(&g);
		gateway_proc_destroy(&g);
		pgcluster_destroy(pg);
		return check_status();
	}
	test_single_shot();
	test_database_down();
	test_invalid_and_unregistered();
	test_menu();
	test_status();
	test_refused();
	test_concurrent();
	test_restart();
	test_cap_and_timeout();
	CHECK(gateway_proc_alive(&g), "farold still runs");
	/* Reading the log is the behaviour here (as test_log_private): no
	 * phone number, no token, in any line the endpoint wrote. */
	CHECK_INT(gateway_proc_log_count(&g, "9912345"), 0);
	CHECK_INT(gateway_proc_log_count(&g, "9900000"), 0);
	CHECK_INT(gateway_proc_log_count(&g, TOKEN), 0);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
