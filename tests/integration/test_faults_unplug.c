/*
 * test_faults_unplug.c: a modem unplugged in the middle of a send (suites
 * `integration` and `faults`; issue 20). The real farold, a private
 * PostgreSQL and two modems: cv1, gammu's real AT driver on the modem
 * emulator (tests/emulator), and cv2, gammu's dummy driver.
 *
 * cv2 is paused, so a U1 report's receipt and two forwards all go to cv1;
 * cv1 is unplugged the moment gammu sends AT+CMGS for the first of them
 * (the emulator's `unplug-on': the pty closed, the device vanishes,
 * gammu's calls fail), and cv2 is resumed.
 * Each SMS goes out once, on cv2: the emulator took none, cv2 took each
 * once, the outbox records each once with cv2 as its modem, and the
 * report is stored once with one alert. All of it within 15 s of the
 * unplug (the outbox retries a failed send after 10 s), though the modem's
 * call timeout is 60 s: farold notices the device vanished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atemu_client.h"
#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01: SV, routed to pn-sv */

static struct pgcluster *pg;
static struct atemu *emu;
static struct gateway_proc g;

/* cv1 on the emulator's device, sending only (so nothing but the send
 * talks to it), with the default call timeout (60 s: the unplug must be
 * noticed long before it); the dummy modem is cv2. */
static int
two_modems(void)
{
	char cv1[1024];

	snprintf(cv1, sizeof cv1, "modems = (\n  { name = \"cv1\"; device = "
	    "\"%s\"; connection = \"at\"; model = \"at\"; pin = \"\"; role = "
	    "\"send\"; poll_interval = 1; send_per_minute = 600; timeout = "
	    "60; health_interval = 300; balance_ussd = \"\"; balance_warn = "
	    "0; },", atemu_device(emu));
	if (gateway_proc_edit_config(&g, "name = \"cv1\";", "name = \"cv2\";")
	    != 0)
		return -1;
	return gateway_proc_edit_config(&g, "modems = (", cv1);
}

static int
cv1_unplugged(void *arg)
{
	(void)arg;
	return atemu_stat_int(emu, "plugged") == 0;
}

static void
test_unplug_mid_send(void)
{
	char *problem;
	long t0, ms, rows;
	int emu_sent;

	CHECK(console_run(&g, NULL, "pause", "cv2", NULL) == 0, "pause cv2");
	atemu_do(emu, "unplug-on AT+CMGS");
	CHECK(gateway_proc_drop_sms(&g, MARIA, "ALERTA SV SX U1 tirado",
	    NULL) == 0, "drop the report");
	/* Mid-send: gammu has sent AT+CMGS and waits for the prompt. */
	CHECK(test_wait_until(WAIT_MS, cv1_unplugged, NULL) == 0, "cv1 "
	    "unplugged at AT+CMGS");
	t0 = test_now_ms();
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE state = "
	    "'sending'") == 3, "the receipt and two forwards being sent "
	    "got=%ld want=3", stored_q(pg, "SELECT count(*) FROM outbox WHERE "
	    "state = 'sending'"));
	CHECK(console_run(&g, NULL, "resume", "cv2", NULL) == 0, "resume "
	    "cv2");
	CHECK(stored_wait_q(pg, WAIT_MS, 3, "SELECT count(*) FROM outbox "
	    "WHERE state = 'submitted' AND modem = 'cv2'") == 3, "receipt "
	    "and forwards submitted on cv2");
	ms = test_now_ms() - t0;
	printf("unplug: every SMS out on the other modem %ld ms after the "
	    "unplug\n", ms);
	/* The unplug noticed at once, then the outbox's retry (10 s). */
	CHECK(ms <= 15000, "recovered within got=%ld ms want<=15000", ms);

	emu_sent = atemu_stat_int(emu, "sent");
	CHECK(emu_sent == 0, "the unplugged modem sent got=%d want=0",
	    emu_sent);
	rows = stored_q(pg, "SELECT count(*) FROM outbox WHERE state <> "
	    "'queued'");
	CHECK(rows == 3 && stored_q(pg, "SELECT count(*) FROM outbox WHERE "
	    "purpose = 'forward'") == 2, "outbox rows got=%ld want=3 (a "
	    "receipt, two forwards)", rows);
	CHECK(console_value(&g, "modems", "sent", "name", "cv2") == 3 &&
	    console_value(&g, "modems", "sent", "name", "cv1") == 0,
	    "show modems: sent cv1 got=%ld want=0, cv2 got=%ld want=3",
	    console_value(&g, "modems", "sent", "name", "cv1"),
	    console_value(&g, "modems", "sent", "name", "cv2"));
	problem = console_text(&g, "modems", "connected", "name", "cv1");
	CHECK(problem != NULL && strcmp(problem, "no") == 0, "cv1 connected "
	    "got=%s want=no", problem ? problem : "(none)");
	free(problem);
	faults_check_reports(pg, "unplug", "%tirado", 1, 1);
	faults_check_sms_once(pg, &g, "unplug", WAIT_MS);
}

int
main(void)
{
	struct atemu_opts o = { 0 };
	const char *errstr;

	REQUIRE((pg = pgcluster_start("faults_unplug")) != NULL,
	    "PostgreSQL");
	REQUIRE(atemu_start(&o, &emu, &errstr) == 0, "emulator: %s", errstr);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(two_modems() == 0, "two modems in the config");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0 &&
	    console_wait_modem(&g, "cv1", WAIT_MS) == 0 &&
	    console_wait_modem(&g, "cv2", WAIT_MS) == 0, "database and both "
	    "modems ready");
	test_unplug_mid_send();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	atemu_stop(emu);
	pgcluster_destroy(pg);
	return check_status();
}
