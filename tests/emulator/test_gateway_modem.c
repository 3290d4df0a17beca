/*
 * test_gateway_modem.c: the `modem` suite for gateway/modem.c itself: the
 * real worker thread, libgammu's real AT driver and farol-atemu on a pty.
 * Sending (GSM 7-bit, Portuguese in UCS-2, multipart), +CMS errors,
 * delivery reports, the rate limit, a hung modem, unplug and replug, PIN
 * handling and health.
 *
 *   test-gateway-modem <case>    (one meson test per case; see main())
 *
 * Every wait runs the event loop until a predicate holds or a deadline
 * passes; timeouts are configured short (a hung modem is detected in 2 s).
 * Set ATEMU_VERBOSE=1 for the emulator's AT log.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "../lib/check.h"
#include "../lib/testloop.h"
#include "atemu_client.h"
#include "log.h"
#include "modem.h"
#include "pdu.h"

#define MAX_SENT 64

static struct atemu *emu;
static struct event_base *base;
static struct modem *modem;
static struct modem_config mc;

/* What the callbacks saw. */
static struct {
	struct modem_send_result sent[MAX_SENT];
	long sent_at[MAX_SENT];		/* test_now_ms() of each */
	int n_sent;
	struct modem_delivery delivery[16];
	int n_delivery;
	char received[8][256];
	int n_received;
	int stopped;
} seen;

/* 1: sent() does not say the answers are kept (case wait-kept does). */
static int hold_kept;

static void
receive_cb(struct inbound_sms *sms, void *arg)
{
	(void)arg;
	if (seen.n_received < 8)
		snprintf(seen.received[seen.n_received++], 256, "%s|%s",
		    sms->sender, sms->text);
	modem_release(sms->source, sms->token);
	inbound_sms_free(sms);
}

static void
sent_cb(const struct modem_send_result *r, void *arg)
{
	REQUIRE(seen.n_sent < MAX_SENT, "too many sent() calls");
	seen.sent_at[seen.n_sent] = test_now_ms();
	seen.sent[seen.n_sent++] = *r;
	/* Kept at once, as if durable (arg: the modem). */
	if (r->ok && !hold_kept)
		modem_result_kept(arg, r->id);
}

static void
delivery_cb(const struct modem_delivery *d, void *arg)
{
	(void)arg;
	if (seen.n_delivery < 16)
		seen.delivery[seen.n_delivery++] = *d;
}

static void
stopped_cb(struct modem *m, void *arg)
{
	(void)m;
	(void)arg;
	seen.stopped = 1;
}

/* A configuration with short timeouts; cases change what they need. */
static void
config_default(void)
{
	memset(&mc, 0, sizeof mc);
	snprintf(mc.name, sizeof mc.name, "m1");
	snprintf(mc.device, sizeof mc.device, "%s", atemu_device(emu));
	snprintf(mc.connection, sizeof mc.connection, "at");
	snprintf(mc.model, sizeof mc.model, "at");
	mc.role = MODEM_ROLE_BOTH;
	mc.poll_interval_s = 1;
	mc.send_per_minute = 600;
	mc.timeout_s = 2;
	mc.health_interval_s = 300;
}

static void
emu_start(void)
{
	struct atemu_opts o;
	const char *errstr;

	memset(&o, 0, sizeof o);
	o.verbose = getenv("ATEMU_VERBOSE") != NULL;
	REQUIRE(atemu_start(&o, &emu, &errstr) == 0,
	    "cannot start farol-atemu: %s", errstr);
	config_default();
}

static void
modem_up(void)
{
	char *cause = NULL;

	modem = modem_start(base, &mc, 600, receive_cb, NULL, &cause);
	REQUIRE(modem != NULL, "modem_start: got=%s want=a modem", cause);
	modem_set_send_callbacks(modem, sent_cb, delivery_cb, modem);
}

static int
pred_healthy(void *arg)
{
	struct modem_health h;

	(void)arg;
	modem_get_health(modem, &h);
	return h.healthy;
}

static int
pred_unhealthy(void *arg)
{
	struct modem_health h;

	(void)arg;
	modem_get_health(modem, &h);
	return !h.healthy && h.problem[0] != '\0';
}

static int
pred_sent(void *arg)
{
	return seen.n_sent >= *(int *)arg;
}

static int
pred_delivery(void *arg)
{
	return seen.n_delivery >= *(int *)arg;
}

static int
pred_received(void *arg)
{
	return seen.n_received >= *(int *)arg;
}

static int
pred_stopped(void *arg)
{
	(void)arg;
	return seen.stopped;
}

static void
wait_healthy(int ms)
{
	struct modem_health h;

	if (testloop_run_until(base, ms, pred_healthy, NULL) != 0) {
		modem_get_health(modem, &h);
		REQUIRE(0, "modem not healthy within %d ms: problem=%s", ms,
		    h.problem);
	}
}

static void
wait_sent(int n, int ms)
{
	REQUIRE(testloop_run_until(base, ms, pred_sent, &n) == 0,
	    "sent() calls: got=%d want=%d within %d ms", seen.n_sent, n, ms);
}

static void
send_ok(uint64_t id, const char *number, const char *text)
{
	char *cause = NULL;

	REQUIRE(modem_send(modem, id, number, text, &cause) == 0,
	    "modem_send(%llu): got=-1 (%s) want=0", (unsigned long long)id,
	    cause);
}

/* sent() was called exactly once for each id in ids[0..n). */
static void
check_exactly_once(const uint64_t *ids, int n)
{
	for (int i = 0; i < n; i++) {
		int count = 0;

		for (int j = 0; j < seen.n_sent; j++)
			if (seen.sent[j].id == ids[i])
				count++;
		CHECK(count == 1, "sent() for id %llu: got=%d want=1",
		    (unsigned long long)ids[i], count);
	}
}

/* The PDUs the emulator received, decoded. */
static int
sent_pdus(struct pdu_submit *out, int max, int *refs)
{
	char **lines;
	size_t nl, k;
	const char *errstr;
	int n = 0;

	REQUIRE(atemu_list(emu, "sent", &lines, &nl, &errstr) == 0,
	    "sent: %s", errstr);
	for (k = 0; k < nl && n < max; k++) {
		CHECK(pdu_decode_submit(strchr(lines[k], ' ') + 1, &out[n],
		    &errstr) == 0, "decode %s: %s", lines[k], errstr);
		refs[n++] = atoi(lines[k]);
	}
	atemu_free_lines(lines, nl);
	return n;
}

static void
modem_down(void)
{
	if (modem == NULL)
		return;
	modem_stop(modem, stopped_cb, NULL);
	CHECK(testloop_run_until(base, 30000, pred_stopped, NULL) == 0,
	    "modem did not stop within 30 s");
	modem_free(modem);
	modem = NULL;
}

/* ------------------------------------------------------------------ */

static void
send_and_check(const char *text, enum pdu_coding coding)
{
	struct pdu_submit sub[4];
	int refs[4], n;

	emu_start();
	modem_up();
	wait_healthy(20000);
	send_ok(7, "+2389912345", text);
	wait_sent(1, 15000);
	CHECK(seen.sent[0].id == 7, "id got=%llu want=7",
	    (unsigned long long)seen.sent[0].id);
	CHECK(seen.sent[0].ok == 1, "ok got=%d want=1 (cause %s)",
	    seen.sent[0].ok, seen.sent[0].cause);
	CHECK(strcmp(seen.sent[0].modem, "m1") == 0, "modem got=%s want=m1",
	    seen.sent[0].modem);
	n = sent_pdus(sub, 4, refs);
	REQUIRE(n == 1, "PDUs sent got=%d want=1", n);
	CHECK(seen.sent[0].message_ref == refs[0], "ref got=%d want=%d",
	    seen.sent[0].message_ref, refs[0]);
	CHECK(strcmp(sub[0].text, text) == 0, "text got=%s want=%s",
	    sub[0].text, text);
	CHECK(sub[0].coding == coding, "coding got=%d want=%d", sub[0].coding,
	    coding);
	CHECK(strcmp(sub[0].recipient, "+2389912345") == 0,
	    "recipient got=%s want=+2389912345", sub[0].recipient);
	CHECK(sub[0].status_report == 1, "TP-SRR got=%d want=1",
	    sub[0].status_report);
	CHECK(sub[0].concat.total == 0, "concat got=%d want=0 (single)",
	    sub[0].concat.total);
}

static void
case_send_gsm7(void)
{
	/* '@', '{' (an escape pair) and '_' exist in GSM 7-bit: no UCS-2. */
	send_and_check("ALERTA 12 Tarrafal {U1} a@b_c 10 euros", PDU_GSM7);
}

static void
case_send_unicode(void)
{
	send_and_check("Alerta: explora\xc3\xa7\xc3\xa3o de menor na pra\xc3\xa7"
	    "a, S\xc3\xa3o Vicente. A\xc3\xa7\xc3\xa3o urgente!", PDU_UCS2);
}

static void
case_multipart(void)
{
	struct pdu_submit sub[4];
	char text[512], joined[1024];
	int refs[4], n, i;

	text[0] = '\0';
	while (strlen(text) < 300)
		strcat(text, "Reuniao de coordenacao amanha as 9h na esquadra. ");
	text[300] = '\0';
	emu_start();
	modem_up();
	wait_healthy(20000);
	send_ok(11, "+2389912345", text);
	wait_sent(1, 20000);
	CHECK(seen.sent[0].ok == 1, "ok got=%d want=1 (%s)", seen.sent[0].ok,
	    seen.sent[0].cause);
	n = sent_pdus(sub, 4, refs);
	REQUIRE(n == 2, "parts got=%d want=2", n);
	joined[0] = '\0';
	for (i = 0; i < n; i++) {
		CHECK(sub[i].coding == PDU_GSM7, "part %d coding got=%d want=%d",
		    i, sub[i].coding, PDU_GSM7);
		CHECK(sub[i].has_udh && sub[i].concat.total == 2,
		    "part %d UDH total got=%d want=2", i, sub[i].concat.total);
		CHECK(sub[i].concat.seq == i + 1, "part %d seq got=%d want=%d",
		    i, sub[i].concat.seq, i + 1);
		CHECK(sub[i].concat.ref == sub[0].concat.ref,
		    "part %d concat ref got=%d want=%d", i, sub[i].concat.ref,
		    sub[0].concat.ref);
		CHECK(sub[i].status_report == 1, "part %d TP-SRR got=%d want=1",
		    i, sub[i].status_report);
		strcat(joined, sub[i].text);
	}
	CHECK(strcmp(joined, text) == 0, "joined got=%s want=%s", joined,
	    text);
	/* The reference returned is the last part's. */
	CHECK(seen.sent[0].message_ref == refs[1], "ref got=%d want=%d",
	    seen.sent[0].message_ref, refs[1]);
}

static void
case_cms_error(void)
{
	struct modem_health h;

	emu_start();
	modem_up();
	wait_healthy(20000);
	atemu_do(emu, "cms-error AT+CMGS 500 1");
	send_ok(1, "+2389912345", "primeiro");
	wait_sent(1, 15000);
	CHECK(seen.sent[0].ok == 0, "ok got=%d want=0", seen.sent[0].ok);
	CHECK(seen.sent[0].message_ref == -1, "ref got=%d want=-1",
	    seen.sent[0].message_ref);
	CHECK(strstr(seen.sent[0].cause, "+CMS ERROR 500") != NULL,
	    "cause got=%s want=...+CMS ERROR 500...", seen.sent[0].cause);
	/* The network refused one message: the modem itself is fine. */
	send_ok(2, "+2389912345", "segundo");
	wait_sent(2, 15000);
	CHECK(seen.sent[1].ok == 1, "second ok got=%d want=1 (%s)",
	    seen.sent[1].ok, seen.sent[1].cause);
	modem_get_health(modem, &h);
	CHECK(h.healthy && h.sent == 1 && h.failed == 1,
	    "health got healthy=%d sent=%lld failed=%lld want 1/1/1",
	    h.healthy, h.sent, h.failed);
}

/* Five refusals in a row: the modem is re-initialised, then used again. */
static void
case_keeps_failing(void)
{
	static const uint64_t ids[] = { 61, 62, 63, 64, 65, 66 };
	int i;

	emu_start();
	modem_up();
	wait_healthy(20000);
	atemu_do(emu, "cms-error AT+CMGS 38 5");
	for (i = 0; i < 5; i++)
		send_ok(ids[i], "+2389912345", "falha");
	wait_sent(5, 30000);
	for (i = 0; i < 5; i++)
		CHECK(seen.sent[i].ok == 0, "message %d ok got=%d want=0", i,
		    seen.sent[i].ok);
	CHECK(testloop_run_until(base, 30000, pred_unhealthy, NULL) == 0 ||
	    atemu_stat_int(emu, "inits") >= 2, "no re-initialisation after 5 "
	    "failures");
	wait_healthy(30000);
	CHECK(atemu_stat_int(emu, "inits") == 2, "inits got=%d want=2",
	    atemu_stat_int(emu, "inits"));
	send_ok(ids[5], "+2389912345", "de novo");
	wait_sent(6, 15000);
	CHECK(seen.sent[5].ok == 1, "after re-init ok got=%d want=1 (%s)",
	    seen.sent[5].ok, seen.sent[5].cause);
	check_exactly_once(ids, 6);
}

static void
case_delivery(void)
{
	int ref, want;

	emu_start();
	modem_up();
	wait_healthy(20000);
	send_ok(5, "+2389912345", "teste de entrega");
	wait_sent(1, 15000);
	REQUIRE(seen.sent[0].ok == 1, "ok got=%d want=1 (%s)",
	    seen.sent[0].ok, seen.sent[0].cause);
	ref = seen.sent[0].message_ref;
	/* A temporary status is not final: no callback for it. Then the
	 * final one, delivered. */
	atemu_do(emu, "cds %d +2389912345 0x20", ref);
	atemu_do(emu, "cds %d +2389912345 0", ref);
	want = 1;
	REQUIRE(testloop_run_until(base, 10000, pred_delivery, &want) == 0,
	    "delivery reports got=%d want=1", seen.n_delivery);
	CHECK(strcmp(seen.delivery[0].modem, "m1") == 0, "modem got=%s",
	    seen.delivery[0].modem);
	CHECK(strcmp(seen.delivery[0].recipient, "+2389912345") == 0,
	    "recipient got=%s want=+2389912345", seen.delivery[0].recipient);
	CHECK(seen.delivery[0].message_ref == ref, "ref got=%d want=%d",
	    seen.delivery[0].message_ref, ref);
	CHECK(seen.delivery[0].delivered == 1, "delivered got=%d want=1",
	    seen.delivery[0].delivered);
	/* A permanent failure. */
	atemu_do(emu, "cds %d +2389954321 0x41", ref);
	want = 2;
	REQUIRE(testloop_run_until(base, 10000, pred_delivery, &want) == 0,
	    "delivery reports got=%d want=2", seen.n_delivery);
	CHECK(seen.delivery[1].delivered == 0, "delivered got=%d want=0",
	    seen.delivery[1].delivered);
	CHECK(strcmp(seen.delivery[1].recipient, "+2389954321") == 0,
	    "recipient got=%s want=+2389954321", seen.delivery[1].recipient);
	CHECK(seen.n_received == 0, "status reports in the inbox got=%d "
	    "want=0", seen.n_received);
}

static void
case_rate(void)
{
	static const uint64_t ids[] = { 1, 2, 3 };
	long gap;
	int i;

	emu_start();
	mc.send_per_minute = 30;	/* one part every 2 s */
	modem_up();
	wait_healthy(20000);
	for (i = 0; i < 3; i++)
		send_ok(ids[i], "+2389912345", "mensagem");
	wait_sent(3, 20000);
	for (i = 0; i < 3; i++)
		CHECK(seen.sent[i].ok == 1 && seen.sent[i].id == ids[i],
		    "message %d got id=%llu ok=%d want id=%llu ok=1", i,
		    (unsigned long long)seen.sent[i].id, seen.sent[i].ok,
		    (unsigned long long)ids[i]);
	for (i = 1; i < 3; i++) {
		gap = seen.sent_at[i] - seen.sent_at[i - 1];
		CHECK(gap >= 1900, "gap %d got=%ld ms want>=2000 (30/min)", i,
		    gap);
	}
	check_exactly_once(ids, 3);
	CHECK(atemu_stat_int(emu, "sent") == 3, "PDUs got=%d want=3",
	    atemu_stat_int(emu, "sent"));
}

/* After an ok answer the worker submits nothing more until the loop says
 * that answer is kept (a kill -9 then doubles at most one SMS per modem):
 * three queued at 600 a minute, the second waits until the first is
 * kept, however long, then goes at once. */
static void
case_wait_kept(void)
{
	static const uint64_t ids[] = { 31, 32, 33 };
	int two = 2;
	long kept_at;

	emu_start();
	modem_up();
	wait_healthy(20000);
	hold_kept = 1;
	for (int i = 0; i < 3; i++)
		send_ok(ids[i], "+2389912345", "mensagem");
	wait_sent(1, 10000);
	testloop_run_until(base, 1500, pred_sent, &two);
	CHECK(seen.n_sent == 1 && atemu_stat_int(emu, "sent") == 1,
	    "1.5 s after the first answer, not kept: sent() got=%d PDUs "
	    "got=%d want=1 (15 times the rate limit's gap)", seen.n_sent,
	    atemu_stat_int(emu, "sent"));
	modem_result_kept(modem, ids[1]);	/* not the one it waits for */
	testloop_run_until(base, 500, pred_sent, &two);
	CHECK(seen.n_sent == 1, "kept for another id: sent() got=%d want=1",
	    seen.n_sent);
	kept_at = test_now_ms();
	modem_result_kept(modem, ids[0]);
	wait_sent(2, 5000);
	CHECK(seen.sent_at[1] - kept_at < 1000, "the second went got=%ld ms "
	    "after the first was kept want<1000",
	    seen.sent_at[1] - kept_at);
	hold_kept = 0;
	modem_result_kept(modem, ids[1]);
	wait_sent(3, 5000);
	check_exactly_once(ids, 3);
	CHECK(atemu_stat_int(emu, "sent") == 3, "PDUs got=%d want=3",
	    atemu_stat_int(emu, "sent"));
}

static void
case_hang(void)
{
	static const uint64_t ids[] = { 21, 22, 23 };
	struct modem_health h;
	int want;

	emu_start();
	modem_up();
	wait_healthy(20000);
	atemu_do(emu, "hang forever");
	send_ok(ids[0], "+2389912345", "um");
	send_ok(ids[1], "+2389912345", "dois");
	/* Both answered ok=0 within the timeout (2 s) and some slack. */
	wait_sent(2, 15000);
	CHECK(seen.sent[0].ok == 0 && seen.sent[1].ok == 0,
	    "ok got=%d,%d want=0,0", seen.sent[0].ok, seen.sent[1].ok);
	CHECK(strstr(seen.sent[0].cause, "not answering") != NULL,
	    "cause got=%s want=...not answering...", seen.sent[0].cause);
	CHECK(testloop_run_until(base, 10000, pred_unhealthy, NULL) == 0,
	    "health shows no problem");
	modem_get_health(modem, &h);
	CHECK(!h.healthy && strstr(h.problem, "not answering") != NULL,
	    "problem got=\"%s\" want=\"not answering ...\"", h.problem);
	fprintf(stderr, "observed: sent cause \"%s\", health problem "
	    "\"%s\"\n", seen.sent[0].cause, h.problem);

	/* The modem answers again: re-initialised, sends and receives. */
	atemu_do(emu, "resume");
	wait_healthy(40000);
	send_ok(ids[2], "+2389912345", "tres");
	wait_sent(3, 15000);
	CHECK(seen.sent[2].ok == 1, "after resume ok got=%d want=1 (%s)",
	    seen.sent[2].ok, seen.sent[2].cause);
	/* "depois" */
	atemu_do(emu, "sms +2389954321 gsm7 %s", "6465706f6973");
	want = 1;
	CHECK(testloop_run_until(base, 10000, pred_received, &want) == 0,
	    "received after resume got=%d want=1", seen.n_received);
	CHECK(seen.n_received == 0 || strcmp(seen.received[0],
	    "+2389954321|depois") == 0, "received got=%s",
	    seen.received[0]);
	check_exactly_once(ids, 3);
	CHECK(atemu_stat_int(emu, "inits") >= 2, "inits got=%d want>=2",
	    atemu_stat_int(emu, "inits"));
}

static void
case_unplug(void)
{
	struct modem_health h;

	emu_start();
	modem_up();
	wait_healthy(20000);
	atemu_do(emu, "unplug");
	/* The next poll (1 s) fails at once: the modem is lost. */
	CHECK(testloop_run_until(base, 10000, pred_unhealthy, NULL) == 0,
	    "unplugged modem still healthy");
	modem_get_health(modem, &h);
	CHECK(!h.connected, "connected got=%d want=0 (problem %s)",
	    h.connected, h.problem);
	atemu_do(emu, "replug");
	wait_healthy(40000);
	send_ok(31, "+2389912345", "de volta");
	wait_sent(1, 15000);
	CHECK(seen.sent[0].ok == 1, "after replug ok got=%d want=1 (%s)",
	    seen.sent[0].ok, seen.sent[0].cause);
	CHECK(atemu_stat_int(emu, "inits") >= 1, "inits got=%d want>=1",
	    atemu_stat_int(emu, "inits"));
}

static int
pred_pin_tried_twice(void *arg)
{
	(void)arg;
	return atemu_stat_int(emu, "pin_attempts") > 1;
}

static void
case_pin_wrong(void)
{
	struct modem_health h;
	char *cause = NULL;

	emu_start();
	atemu_do(emu, "pin 1234");
	snprintf(mc.pin, sizeof mc.pin, "0000");
	modem_up();
	CHECK(testloop_run_until(base, 20000, pred_unhealthy, NULL) == 0,
	    "wrong PIN not reported");
	modem_get_health(modem, &h);
	CHECK(strstr(h.problem, "refused the configured PIN") != NULL,
	    "problem got=\"%s\" want=\"...refused the configured PIN...\"",
	    h.problem);
	CHECK_INT(atemu_stat_int(emu, "pin_attempts"), 1, "PIN attempts");
	CHECK(modem_send(modem, 1, "+2389912345", "x", &cause) == -1,
	    "send on a stopped modem got=0 want=-1");
	free(cause);
	/* Never retried: well past the reconnect backoff, still 1. */
	CHECK(testloop_run_until(base, 4000, pred_pin_tried_twice, NULL) != 0,
	    "PIN attempts got=%d want=1", atemu_stat_int(emu, "pin_attempts"));
	CHECK_INT(atemu_stat_int(emu, "inits"), 1, "inits (no reconnect)");
}

static void
case_pin_right(void)
{
	int want = 1;

	emu_start();
	atemu_do(emu, "pin 1234");
	/* "ola" */
	atemu_do(emu, "sms-quiet +2389912345 gsm7 %s", "6f6c61");
	snprintf(mc.pin, sizeof mc.pin, "1234");
	modem_up();
	wait_healthy(20000);
	CHECK(testloop_run_until(base, 10000, pred_received, &want) == 0,
	    "received got=%d want=1", seen.n_received);
	/* The emulator counts wrong PINs only. */
	CHECK_INT(atemu_stat_int(emu, "pin_attempts"), 0, "wrong PINs");
}

static int
pred_health_full(void *arg)
{
	struct modem_health h;

	(void)arg;
	modem_get_health(modem, &h);
	return h.healthy && h.balance[0] != '\0';
}

static void
case_health(void)
{
	struct modem_health h;

	emu_start();
	atemu_do(emu, "sms-quiet +2389912345 gsm7 %s", "6f6c61");
	mc.role = MODEM_ROLE_SEND;	/* leaves the SMS on the SIM */
	snprintf(mc.balance_ussd, sizeof mc.balance_ussd, "*111#");
	mc.balance_warn = 200;
	modem_up();
	CHECK(testloop_run_until(base, 30000, pred_health_full, NULL) == 0,
	    "no healthy report with a balance");
	modem_get_health(modem, &h);
	CHECK(strcmp(h.name, "m1") == 0, "name got=%s", h.name);
	CHECK(h.connected == 1, "connected got=%d", h.connected);
	CHECK(h.can_send == 1 && h.can_receive == 0,
	    "roles got send=%d receive=%d want 1/0", h.can_send,
	    h.can_receive);
	CHECK(h.signal_percent > 0 && h.signal_percent <= 100,
	    "signal got=%d want 1..100", h.signal_percent);
	CHECK(strstr(h.network, "CVMOVEL") != NULL, "network got=%s "
	    "want=...CVMOVEL", h.network);
	CHECK(h.sim_used == 1 && h.sim_total == 30, "SIM got=%d/%d want=1/30",
	    h.sim_used, h.sim_total);
	CHECK(strcmp(h.balance, "Saldo: 123.45 CVE") == 0,
	    "balance got=%s want=Saldo: 123.45 CVE", h.balance);
	CHECK(h.problem[0] == '\0', "problem got=%s want=", h.problem);
	fprintf(stderr, "observed: health network=\"%s\" signal=%d%%\n",
	    h.network, h.signal_percent);
}

static void
case_stop(void)
{
	static const uint64_t ids[] = { 41, 42, 43 };
	int i;

	emu_start();
	mc.send_per_minute = 1;		/* the second waits a minute */
	modem_up();
	wait_healthy(20000);
	for (i = 0; i < 3; i++)
		send_ok(ids[i], "+2389912345", "parar");
	wait_sent(1, 15000);
	CHECK(seen.sent[0].ok == 1, "first ok got=%d want=1 (%s)",
	    seen.sent[0].ok, seen.sent[0].cause);
	modem_down();
	CHECK(seen.n_sent == 3, "sent() calls got=%d want=3", seen.n_sent);
	for (i = 1; i < seen.n_sent; i++)
		CHECK(seen.sent[i].ok == 0 && strstr(seen.sent[i].cause,
		    "stopped") != NULL, "message %d got ok=%d cause=%s want "
		    "ok=0 cause=...stopped", i, seen.sent[i].ok,
		    seen.sent[i].cause);
	check_exactly_once(ids, 3);
}

/* A message delivered directly (+CMT) reaches the loop, text intact. */
static void
case_cmt(void)
{
	static const char *text = "Socorro: explora\xc3\xa7\xc3\xa3o em "
	    "Santa Catarina, n\xc3\xa3o h\xc3\xa1 pol\xc3\xad" "cia";
	char hex[512], want[256];
	int n = 1;

	emu_start();
	modem_up();
	wait_healthy(20000);
	REQUIRE(atemu_hex(text, hex, sizeof hex) == 0, "hex");
	atemu_do(emu, "cmt +2389912345 ucs2 %s", hex);
	CHECK(testloop_run_until(base, 10000, pred_received, &n) == 0,
	    "received got=%d want=1", seen.n_received);
	snprintf(want, sizeof want, "+2389912345|%s", text);
	CHECK(strcmp(seen.received[0], want) == 0, "got=%s want=%s",
	    seen.received[0], want);
}

static void
case_receive_only(void)
{
	char *cause = NULL;

	emu_start();
	mc.role = MODEM_ROLE_RECEIVE;
	modem_up();
	CHECK(modem_send(modem, 1, "+2389912345", "x", &cause) == -1 &&
	    cause != NULL && strstr(cause, "only receives") != NULL,
	    "send on a receive-only modem got cause=%s want=...only receives",
	    cause ? cause : "(none)");
	free(cause);
}

static int
pred_both_healthy(void *arg)
{
	struct modem **two = arg;
	struct modem_health a, b;

	modem_get_health(two[0], &a);
	modem_get_health(two[1], &b);
	return a.healthy && b.healthy;
}

/*
 * Two modems in one process, one hung: the other keeps sending (libgammu
 * calls are serialised, so it waits at most the hung one's timeout), and
 * what failed on the hung one goes out on the other, exactly once.
 */
static void
case_two_modems(void)
{
	static const uint64_t ids[] = { 51, 52, 53 };
	struct atemu *emu1, *emu2;
	struct modem *two[2];
	struct modem_config mc1, mc2;
	char *cause = NULL;
	int i, ok_on_m2 = 0;
	long t0;

	emu_start();
	emu1 = emu;
	mc1 = mc;
	emu_start();
	emu2 = emu;
	mc2 = mc;
	snprintf(mc2.name, sizeof mc2.name, "m2");
	two[0] = modem_start(base, &mc1, 600, receive_cb, NULL, &cause);
	two[1] = modem_start(base, &mc2, 600, receive_cb, NULL, &cause);
	REQUIRE(two[0] != NULL && two[1] != NULL, "modem_start: %s", cause);
	for (i = 0; i < 2; i++)
		modem_set_send_callbacks(two[i], sent_cb, delivery_cb,
		    two[i]);
	REQUIRE(testloop_run_until(base, 30000, pred_both_healthy, two) == 0,
	    "two modems not healthy");

	emu = emu1;
	atemu_do(emu, "hang forever");
	REQUIRE(modem_send(two[0], ids[0], "+2389912345", "um", &cause) == 0,
	    "send on m1: %s", cause);
	REQUIRE(modem_send(two[1], ids[1], "+2389912345", "dois", &cause) ==
	    0, "send on m2: %s", cause);
	wait_sent(2, 20000);
	for (i = 0; i < 2; i++) {
		if (seen.sent[i].id == ids[0])
			CHECK(seen.sent[i].ok == 0 && strcmp(seen.sent[i].modem,
			    "m1") == 0, "on hung m1 got ok=%d modem=%s want 0/m1",
			    seen.sent[i].ok, seen.sent[i].modem);
		else
			CHECK(seen.sent[i].ok == 1 && strcmp(seen.sent[i].modem,
			    "m2") == 0, "on m2 got ok=%d modem=%s (%s) want 1/m2",
			    seen.sent[i].ok, seen.sent[i].modem,
			    seen.sent[i].cause);
	}
	/* The dispatcher's move: the failed one goes out on m2, while m1
	 * keeps trying to reconnect to its hung modem. That must not hold
	 * m2 up for long (libgammu calls are serialised). */
	t0 = test_now_ms();
	REQUIRE(modem_send(two[1], ids[2], "+2389912345", "um", &cause) == 0,
	    "resend on m2: %s", cause);
	wait_sent(3, 20000);
	CHECK(seen.sent[2].ok == 1, "resend got ok=%d (%s) want=1",
	    seen.sent[2].ok, seen.sent[2].cause);
	CHECK(seen.sent_at[2] - t0 < 4000, "resend on m2 took got=%ld ms "
	    "want<4000 (m1's reconnects must not block it)",
	    seen.sent_at[2] - t0);
	check_exactly_once(ids, 3);
	emu = emu2;
	ok_on_m2 = atemu_stat_int(emu, "sent");
	CHECK(ok_on_m2 == 2, "PDUs on m2 got=%d want=2", ok_on_m2);
	emu = emu1;
	CHECK(atemu_stat_int(emu, "sent") == 0, "PDUs on m1 got=%d want=0",
	    atemu_stat_int(emu, "sent"));
	atemu_do(emu, "resume");

	for (i = 0; i < 2; i++) {
		seen.stopped = 0;
		modem_stop(two[i], stopped_cb, NULL);
		CHECK(testloop_run_until(base, 30000, pred_stopped, NULL) == 0,
		    "modem %d did not stop", i);
		modem_free(two[i]);
	}
	atemu_stop(emu2);
	emu = emu1;	/* stopped by main() */
}

/* --- more messages than the worker may have in flight (dummy driver) */

#define BACKLOG_SINGLES 1297

static struct {
	char dir[64];
	int got[BACKLOG_SINGLES + 1];	/* times each single arrived */
	int joined;			/* the 3-part set, joined */
	int bad;			/* anything unexpected */
	int total;
	struct { struct modem *m; uint64_t token; } held[2048];
	int n_held;
	int release;			/* the test lets the loop release */
} bk;

static void
backlog_file(int location, const char *text, const char *udh)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/sms/1/%d", bk.dir, location);
	REQUIRE((f = fopen(path, "w")) != NULL, "write %s", path);
	fprintf(f, "[SMSBackup000]\nPDU = Deliver\nSMSC = \"+2389900000\"\n"
	    "Number = \"+2389912345\"\nDateTime = 20261122T140236\n"
	    "State = UnRead\nCoding = Default_No_Compression\nFolder = 1\n"
	    "Class = -1\n");
	if (udh != NULL)
		fprintf(f, "UDH = %s\n", udh);
	fprintf(f, "Text00 = ");
	for (const char *c = text; *c != '\0'; c++)
		fprintf(f, "00%02X", (unsigned char)*c);
	fprintf(f, "\n");
	REQUIRE(fclose(f) == 0, "close %s", path);
}

static int
backlog_left(void)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof path, "%s/sms/1", bk.dir);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static void
backlog_receive(struct inbound_sms *sms, void *arg)
{
	int k;

	(void)arg;
	bk.total++;
	if (strcmp(sms->text, "AAAAABBBBBCCCCC") == 0 && sms->parts == 3)
		bk.joined++;
	else if (sscanf(sms->text, "msg %d", &k) == 1 && k >= 1 &&
	    k <= BACKLOG_SINGLES)
		bk.got[k]++;
	else
		bk.bad++;
	REQUIRE(bk.n_held < 2048, "held");
	bk.held[bk.n_held].m = sms->source;
	bk.held[bk.n_held++].token = sms->token;
	inbound_sms_free(sms);
}

static int
pred_backlog(void *arg)
{
	int want = *(int *)arg;

	if (bk.release) {
		for (int i = 0; i < bk.n_held; i++)
			modem_release(bk.held[i].m, bk.held[i].token);
		bk.n_held = 0;
	}
	return bk.total >= want && (!bk.release || backlog_left() == 0);
}

/* A gammu dummy-driver SIM in a new /tmp/farol-<tag>-XXXXXX (bk.dir),
 * its inbox folder made. */
static void
dummy_sim_dir(const char *tag)
{
	char path[128];

	snprintf(bk.dir, sizeof bk.dir, "/tmp/farol-%s-XXXXXX", tag);
	REQUIRE(mkdtemp(bk.dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/sms", bk.dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sms/1", bk.dir);
	mkdir(path, 0700);
}

/* The configuration of a modem on that dummy SIM. */
static void
config_dummy(enum modem_role role)
{
	memset(&mc, 0, sizeof mc);
	snprintf(mc.name, sizeof mc.name, "dummy");
	snprintf(mc.device, sizeof mc.device, "%s", bk.dir);
	snprintf(mc.connection, sizeof mc.connection, "none");
	snprintf(mc.model, sizeof mc.model, "dummy");
	mc.role = role;
	mc.poll_interval_s = 1;
	mc.send_per_minute = 10;
	mc.timeout_s = 10;
	mc.health_interval_s = 300;
}

static void
case_backlog(void)
{
	char *cause = NULL;
	char path[128];
	int i, loc = 0, want, once = 0;

	dummy_sim_dir("backlog");
	for (i = 1; i <= BACKLOG_SINGLES; i++) {
		char text[32];

		snprintf(text, sizeof text, "msg %d", i);
		backlog_file(++loc, text, NULL);
		if (i == 1100) {	/* a set, parts out of order */
			backlog_file(++loc, "CCCCC", "050003A70303");
			backlog_file(++loc, "AAAAA", "050003A70301");
			backlog_file(++loc, "BBBBB", "050003A70302");
		}
	}
	config_dummy(MODEM_ROLE_RECEIVE);
	modem = modem_start(base, &mc, 600, backlog_receive, NULL, &cause);
	REQUIRE(modem != NULL, "modem_start: %s", cause);

	/* Nothing released: the worker stops at its cap (256). */
	want = 256;
	CHECK(testloop_run_until(base, 20000, pred_backlog, &want) == 0,
	    "in flight got=%d want=256", bk.total);
	CHECK(bk.total == 256, "in flight got=%d want=256 (the cap)",
	    bk.total);
	/* Released: the rest follows without duplicates. */
	bk.release = 1;
	want = BACKLOG_SINGLES + 1;
	CHECK(testloop_run_until(base, 30000, pred_backlog, &want) == 0,
	    "got=%d want=%d, left on the SIM %d", bk.total, want,
	    backlog_left());
	for (i = 1; i <= BACKLOG_SINGLES; i++)
		if (bk.got[i] == 1)
			once++;
		else if (!CHECK(bk.got[i] == 1, "message %d got=%d times "
		    "want=1", i, bk.got[i]))
			break;
	CHECK(once == BACKLOG_SINGLES, "once got=%d want=%d", once,
	    BACKLOG_SINGLES);
	CHECK(bk.joined == 1, "multipart got=%d want=1", bk.joined);
	CHECK(bk.bad == 0, "unexpected messages got=%d want=0", bk.bad);
	CHECK(backlog_left() == 0, "left on the SIM got=%d want=0",
	    backlog_left());
	modem_down();
	snprintf(path, sizeof path, "rm -rf '%s'", bk.dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", bk.dir);
}

/* A status report stored on the SIM: to the delivery callback, deleted,
 * never to the inbox (dummy driver: it reads gammu's backup format). */
static void
case_sim_status_report(void)
{
	char *cause = NULL;
	char path[128];
	int want = 1, n = 1;
	FILE *f;

	dummy_sim_dir("sr");
	backlog_file(1, "msg 7", NULL);
	snprintf(path, sizeof path, "%s/sms/1/2", bk.dir);
	REQUIRE((f = fopen(path, "w")) != NULL, "write %s", path);
	fprintf(f, "[SMSBackup000]\nPDU = Status_Report\n"
	    "SMSC = \"+2389900000\"\nNumber = \"+2389954321\"\n"
	    "DateTime = 20261122T140236\nState = UnRead\n"
	    "Coding = Default_No_Compression\nFolder = 1\nClass = -1\n"
	    "MessageReference = 42\n");
	REQUIRE(fclose(f) == 0, "close");
	config_dummy(MODEM_ROLE_BOTH);
	bk.release = 1;
	modem = modem_start(base, &mc, 600, backlog_receive, NULL, &cause);
	REQUIRE(modem != NULL, "modem_start: %s", cause);
	modem_set_send_callbacks(modem, sent_cb, delivery_cb, modem);
	CHECK(testloop_run_until(base, 10000, pred_delivery, &n) == 0,
	    "delivery reports got=%d want=1", seen.n_delivery);
	CHECK(testloop_run_until(base, 10000, pred_backlog, &want) == 0,
	    "inbox got=%d want=1, left on the SIM %d", bk.total,
	    backlog_left());
	CHECK(seen.n_delivery == 1 && seen.delivery[0].message_ref == 42 &&
	    seen.delivery[0].delivered == 1 &&
	    strcmp(seen.delivery[0].recipient, "+2389954321") == 0 &&
	    strcmp(seen.delivery[0].modem, "dummy") == 0,
	    "delivery got n=%d ref=%d delivered=%d recipient=%s want "
	    "1/42/1/+2389954321", seen.n_delivery,
	    seen.delivery[0].message_ref, seen.delivery[0].delivered,
	    seen.delivery[0].recipient);
	CHECK(bk.total == 1 && bk.got[7] == 1 && bk.bad == 0,
	    "inbox got total=%d want=1 (the status report is not a message)",
	    bk.total);
	CHECK(backlog_left() == 0, "left on the SIM got=%d want=0",
	    backlog_left());
	modem_down();
	snprintf(path, sizeof path, "rm -rf '%s'", bk.dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", bk.dir);
}

/*
 * A read of the SIM skips the messages handed over and not yet released
 * (they are still on the SIM), whatever their slot, and takes the new
 * ones: each arrives once. The poll comes back every second; messages 1-5
 * are held, then 1-3 released (deleted) while 4-6 stay held.
 */
static int
pred_wait(void *arg)
{
	(void)arg;
	return 0;	/* run the loop until the deadline */
}

static int
pending_seen_each_once(int last)
{
	for (int k = 1; k <= last; k++)
		if (!CHECK(bk.got[k] == 1, "message %d got=%d times want=1",
		    k, bk.got[k]))
			return 0;
	return 1;
}

static void
case_pending_reread(void)
{
	char *cause = NULL;
	char path[128];
	int want;

	dummy_sim_dir("reread");
	for (int k = 1; k <= 5; k++) {
		char text[32];

		snprintf(text, sizeof text, "msg %d", k);
		backlog_file(k, text, NULL);
	}
	config_dummy(MODEM_ROLE_RECEIVE);
	modem = modem_start(base, &mc, 600, backlog_receive, NULL, &cause);
	REQUIRE(modem != NULL, "modem_start: %s", cause);
	want = 5;
	CHECK(testloop_run_until(base, 10000, pred_backlog, &want) == 0,
	    "first read got=%d want=5", bk.total);

	/* A new message after the held ones: only it is handed over, by
	 * the next poll and none after it. */
	backlog_file(6, "msg 6", NULL);
	want = 6;
	CHECK(testloop_run_until(base, 10000, pred_backlog, &want) == 0,
	    "second read got=%d want=6", bk.total);
	testloop_run_until(base, 1500, pred_wait, NULL);
	CHECK(bk.total == 6, "held messages read again: got=%d want=6",
	    bk.total);
	pending_seen_each_once(6);

	/* Messages 1-3 released (deleted); 4-6 held, a new one in slot 2. */
	REQUIRE(bk.n_held == 6, "held %d want 6", bk.n_held);
	for (int i = 0; i < 3; i++)
		modem_release(bk.held[i].m, bk.held[i].token);
	memmove(bk.held, bk.held + 3, 3 * sizeof bk.held[0]);
	bk.n_held = 3;
	testloop_run_until(base, 500, pred_wait, NULL);
	CHECK(backlog_left() == 3, "on the SIM got=%d want=3 (4-6)",
	    backlog_left());
	backlog_file(2, "msg 7", NULL);
	want = 7;
	CHECK(testloop_run_until(base, 10000, pred_backlog, &want) == 0,
	    "third read got=%d want=7", bk.total);
	testloop_run_until(base, 1500, pred_wait, NULL);
	CHECK(bk.total == 7, "held messages read again: got=%d want=7",
	    bk.total);
	pending_seen_each_once(7);
	CHECK(bk.bad == 0, "unexpected messages got=%d want=0", bk.bad);

	bk.release = 1;
	want = 7;
	CHECK(testloop_run_until(base, 10000, pred_backlog, &want) == 0,
	    "left on the SIM got=%d want=0", backlog_left());
	modem_down();
	snprintf(path, sizeof path, "rm -rf '%s'", bk.dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", bk.dir);
}

/*
 * A release the worker's socket cannot take at once is kept and passed on
 * later, never dropped: the message still leaves the SIM. The worker is
 * held inside its read of the SIM (blocked handing messages to a loop that
 * does not run, or still reading) while the loop fills the socket with
 * releases of tokens nobody holds; then the first message is released.
 */
#define RELEASE_FULL_MESSAGES 1000	/* under the in-flight cap */
#define RELEASE_FULL_UNKNOWN 200000	/* far more than the socket holds */

static void
case_release_full(void)
{
	char *cause = NULL;
	struct modem *held_m;
	uint64_t held_token;
	char path[128];
	int i, want = 1;

	dummy_sim_dir("release");
	for (i = 1; i <= RELEASE_FULL_MESSAGES; i++) {
		char text[32];

		snprintf(text, sizeof text, "msg %d", i);
		backlog_file(i, text, NULL);
	}
	config_dummy(MODEM_ROLE_RECEIVE);
	modem = modem_start(base, &mc, 600, backlog_receive, NULL, &cause);
	REQUIRE(modem != NULL, "modem_start: %s", cause);
	REQUIRE(testloop_run_until(base, 10000, pred_backlog, &want) == 0,
	    "received got=%d want=1", bk.total);
	/* The first message is released below, and only there. */
	held_m = bk.held[0].m;
	held_token = bk.held[0].token;
	bk.held[0] = bk.held[--bk.n_held];
	/* The loop stops reading: the worker blocks on its full socket. */
	usleep(1000 * 1000);
	for (i = 0; i < RELEASE_FULL_UNKNOWN; i++)
		modem_release(modem, UINT64_MAX - (uint64_t)i);
	modem_release(held_m, held_token);
	bk.release = 1;
	want = RELEASE_FULL_MESSAGES;
	CHECK(testloop_run_until(base, 30000, pred_backlog, &want) == 0,
	    "received got=%d want=%d, left on the SIM got=%d want=0",
	    bk.total, want, backlog_left());
	CHECK(bk.total == RELEASE_FULL_MESSAGES && bk.bad == 0,
	    "received got=%d (unexpected %d) want=%d", bk.total, bk.bad,
	    RELEASE_FULL_MESSAGES);
	modem_down();
	snprintf(path, sizeof path, "rm -rf '%s'", bk.dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", bk.dir);
}

/* --- multipart sets joined by part number (dummy driver) ----------- */

static struct {
	char text[8][512];
	int parts[8], expected[8];
	int n;
} mp;

static void
parts_receive(struct inbound_sms *sms, void *arg)
{
	(void)arg;
	REQUIRE(mp.n < 8, "more messages than expected");
	snprintf(mp.text[mp.n], sizeof mp.text[mp.n], "%s", sms->text);
	mp.parts[mp.n] = sms->parts;
	mp.expected[mp.n++] = sms->parts_expected;
	modem_release(sms->source, sms->token);
	inbound_sms_free(sms);
}

static int
pred_parts(void *arg)
{
	return mp.n >= *(int *)arg;
}

/* Part `part` of `total` of set `ref` (8-bit reference) in SIM slot loc. */
static void
part_file(int loc, int ref, int part, int total, const char *text)
{
	char udh[16];

	snprintf(udh, sizeof udh, "050003%02X%02X%02X", ref, total, part);
	backlog_file(loc, text, udh);
}

/* The message whose text starts with prefix, or -1. */
static int
parts_find(const char *prefix)
{
	for (int i = 0; i < mp.n; i++)
		if (strncmp(mp.text[i], prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

static void
parts_start(int multipart_timeout_s)
{
	char *cause = NULL;

	config_dummy(MODEM_ROLE_RECEIVE);
	modem = modem_start(base, &mc, multipart_timeout_s, parts_receive,
	    NULL, &cause);
	REQUIRE(modem != NULL, "modem_start: %s", cause);
}

static void
parts_end(void)
{
	char cmd[128];

	modem_down();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", bk.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", bk.dir);
}

/*
 * A retransmitted part 1 does not complete a 2-part set (the child-
 * protection word is in part 2); the set waits for part 2 and is joined
 * once, the copy deleted. A set read out of order is joined in order, and
 * a 60-part set (over the old cap of 50) is joined whole.
 */
static void
case_multipart_repeat(void)
{
	char want[512], part[8];
	long end;
	int i, k, loc = 0, want_n = 2;

	dummy_sim_dir("repeat");
	part_file(++loc, 0xA1, 1, 2, "ALERTA 3 Tarrafal ");
	part_file(++loc, 0xA1, 1, 2, "ALERTA 3 Tarrafal ");
	part_file(++loc, 0xB2, 3, 3, "tres");
	part_file(++loc, 0xB2, 1, 3, "um ");
	part_file(++loc, 0xB2, 2, 3, "dois ");
	want[0] = '\0';
	for (i = 60; i >= 1; i--) {
		snprintf(part, sizeof part, "p%02d ", i);
		part_file(++loc, 0xC3, i, 60, part);
	}
	for (i = 1; i <= 60; i++) {
		snprintf(part, sizeof part, "p%02d ", i);
		strcat(want, part);
	}
	parts_start(600);
	CHECK(testloop_run_until(base, 10000, pred_parts, &want_n) == 0,
	    "messages got=%d want=2 (the 3-part and 60-part sets)", mp.n);
	/* Three more polls: part 1 twice is still not a whole set. */
	end = test_now_ms() + 3000;
	want_n = 3;
	testloop_run_until(base, (int)(end - test_now_ms()), pred_parts,
	    &want_n);
	CHECK(mp.n == 2 && parts_find("ALERTA") < 0, "before part 2: "
	    "messages got=%d want=2, set A1 handed over got=%s want=no",
	    mp.n, parts_find("ALERTA") < 0 ? "no" : "yes");
	part_file(++loc, 0xA1, 2, 2, "MENOR em perigo");
	CHECK(testloop_run_until(base, 10000, pred_parts, &want_n) == 0,
	    "messages got=%d want=3", mp.n);
	k = parts_find("ALERTA");
	CHECK(k >= 0 && strcmp(mp.text[k], "ALERTA 3 Tarrafal MENOR em "
	    "perigo") == 0 && mp.parts[k] == 2 && mp.expected[k] == 2,
	    "set A1 got=%s parts=%d/%d want=ALERTA 3 Tarrafal MENOR em perigo "
	    "2/2", k >= 0 ? mp.text[k] : "(none)", k >= 0 ? mp.parts[k] : 0,
	    k >= 0 ? mp.expected[k] : 0);
	k = parts_find("um");
	CHECK(k >= 0 && strcmp(mp.text[k], "um dois tres") == 0 &&
	    mp.parts[k] == 3 && mp.expected[k] == 3,
	    "set B2 got=%s parts=%d want=um dois tres 3",
	    k >= 0 ? mp.text[k] : "(none)", k >= 0 ? mp.parts[k] : 0);
	k = parts_find("p01");
	CHECK(k >= 0 && strcmp(mp.text[k], want) == 0 && mp.parts[k] == 60 &&
	    mp.expected[k] == 60, "set C3 got parts=%d/%d text=%s want 60/60 "
	    "text=%s", k >= 0 ? mp.parts[k] : 0, k >= 0 ? mp.expected[k] : 0,
	    k >= 0 ? mp.text[k] : "(none)", want);
	end = test_now_ms() + 2000;	/* nothing else, the copy included */
	want_n = 4;
	testloop_run_until(base, (int)(end - test_now_ms()), pred_parts,
	    &want_n);
	CHECK(mp.n == 3, "messages got=%d want=3", mp.n);
	CHECK(backlog_left() == 0, "left on the SIM got=%d want=0",
	    backlog_left());
	parts_end();
}

/* A set missing a part, its last part received twice, is stored
 * incomplete after the timeout, each part once. */
static void
case_multipart_missing(void)
{
	long end;
	int want_n = 1;

	dummy_sim_dir("missing");
	part_file(1, 0xD4, 3, 3, "fim");
	part_file(2, 0xD4, 1, 3, "inicio ");
	part_file(3, 0xD4, 3, 3, "fim");
	parts_start(2);
	CHECK(testloop_run_until(base, 10000, pred_parts, &want_n) == 0,
	    "messages got=%d want=1", mp.n);
	CHECK(strcmp(mp.text[0], "inicio fim") == 0 && mp.parts[0] == 2 &&
	    mp.expected[0] == 3, "got=%s parts=%d/%d want=inicio fim 2/3",
	    mp.text[0], mp.parts[0], mp.expected[0]);
	end = test_now_ms() + 3000;
	want_n = 2;
	testloop_run_until(base, (int)(end - test_now_ms()), pred_parts,
	    &want_n);
	CHECK(mp.n == 1, "messages got=%d want=1", mp.n);
	CHECK(backlog_left() == 0, "left on the SIM got=%d want=0",
	    backlog_left());
	parts_end();
}

/* A modem left waiting for the PDU of an interrupted AT+CMGS (farold
 * killed, or aborted mid-send) is still brought up. */
static void
case_pending_prompt(void)
{
	char buf[64];
	size_t len = 0;
	ssize_t n;
	long end;
	int fd;

	emu_start();
	REQUIRE((fd = open(atemu_device(emu), O_RDWR | O_NOCTTY |
	    O_NONBLOCK)) >= 0, "open %s", atemu_device(emu));
	REQUIRE(write(fd, "AT+CMGS=20\r", 11) == 11, "write");
	end = test_now_ms() + 5000;
	while (test_now_ms() < end && (len < 2 || memchr(buf, '>', len) ==
	    NULL)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0 && (n = read(fd, buf + len,
		    sizeof buf - 1 - len)) > 0)
			len += (size_t)n;
	}
	close(fd);
	REQUIRE(len > 0 && memchr(buf, '>', len) != NULL,
	    "no prompt from the emulator");
	modem_up();
	wait_healthy(20000);
	send_ok(71, "+2389912345", "depois do prompt");
	wait_sent(1, 15000);
	CHECK(seen.sent[0].ok == 1, "ok got=%d want=1 (%s)", seen.sent[0].ok,
	    seen.sent[0].cause);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "send-gsm7", case_send_gsm7 },
	{ "send-unicode", case_send_unicode },
	{ "multipart", case_multipart },
	{ "cms-error", case_cms_error },
	{ "delivery", case_delivery },
	{ "rate", case_rate },
	{ "wait-kept", case_wait_kept },
	{ "hang", case_hang },
	{ "unplug", case_unplug },
	{ "pin-wrong", case_pin_wrong },
	{ "pin-right", case_pin_right },
	{ "health", case_health },
	{ "stop", case_stop },
	{ "receive-only", case_receive_only },
	{ "cmt", case_cmt },
	{ "two-modems", case_two_modems },
	{ "keeps-failing", case_keeps_failing },
	{ "backlog", case_backlog },
	{ "sim-status-report", case_sim_status_report },
	{ "pending-reread", case_pending_reread },
	{ "pending-prompt", case_pending_prompt },
	{ "release-full", case_release_full },
	{ "multipart-repeat", case_multipart_repeat },
	{ "multipart-missing", case_multipart_missing },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: test-gateway-modem CASE\n");
		return 2;
	}
	log_init("test-gateway-modem", getenv("FAROL_DEBUG") != NULL ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	modem_global_init();
	REQUIRE((base = event_base_new()) != NULL, "event_base_new");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (strcmp(argv[1], cases[i].name) == 0)
			break;
	REQUIRE(i < sizeof cases / sizeof cases[0], "unknown case %s",
	    argv[1]);
	cases[i].fn();
	modem_down();
	if (emu != NULL)
		atemu_stop(emu);
	event_base_free(base);
	return check_status();
}
