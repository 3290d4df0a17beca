/*
 * test_ussd_at.c: network-initiated USSD on a modem (issue 18, item 4),
 * through gammu's real AT driver (suite `modem`): the AT modem emulator
 * on a pseudo-terminal sends unsolicited +CUSD lines (its `cusd`
 * command), the real farold on the default config, a private PostgreSQL.
 *
 *   - a payload in the single-shot form after the sender's number
 *     ("+2389912345*7*1*1") becomes an alert from that number, kind
 *     'ussd', on modem cv1, forwarded like an SMS alert; with no screen
 *     to read, the focal point gets the SMS receipt an SMS report gets;
 *   - the same payload delivered again by the modem makes no second
 *     message;
 *   - a +CUSD that is no report (the operator's "Saldo: ...", a report
 *     without a number) is stored nowhere;
 *   - an invalid report is stored and answered with what to fix;
 *   - an unregistered number's report goes to the national desk, and
 *     that number gets no SMS;
 *   - the log holds no phone number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atemu_client.h"
#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01 */
#define STRANGER "+2389900000"	/* not in the registry */
#define DESK_1 "+2389990001"	/* national-desk, first rung */

static struct pgcluster *pg;
static struct atemu *emu;

#define q(...) stored_q(pg, __VA_ARGS__)
#define wait_q(want, ...) stored_wait_q(pg, WAIT_MS, want, __VA_ARGS__)

static void
test_report(void)
{
	long n;

	atemu_do(emu, "cusd %s*7*1*1", MARIA);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.kind = 'ussd' AND m.modem = 'cv1' "
	    "AND m.sender = '%s' AND m.text = '7*1*1' AND a.area = 'ST' AND "
	    "a.urgency = 1 AND a.error IS NULL AND a.verified", MARIA), 1);
	CHECK(wait_q(1, "SELECT least(count(*), 1) FROM outbox o JOIN alert "
	    "a ON a.id = o.alert_id WHERE a.text = '' AND a.area = 'ST' AND "
	    "o.purpose = 'forward'") == 1, "forwarded");
	/* No screen: the SMS receipt, as for an SMS report. */
	CHECK_INT(wait_q(1, "SELECT count(*) FROM outbox WHERE recipient = "
	    "'%s' AND purpose = 'receipt'", MARIA), 1);

	/* The modem delivers it again: nothing new. A different report
	 * after it shows the repeat was read (and dropped) first. */
	n = q("SELECT count(*) FROM message");
	atemu_do(emu, "cusd %s*7*1*1", MARIA);
	atemu_do(emu, "cusd %s *384*2*1*2#", MARIA);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM alert a JOIN message m ON "
	    "m.id = a.message_id WHERE m.kind = 'ussd' AND m.text = "
	    "'*384*2*1*2#' AND a.area = 'SV' AND a.urgency = 2"), 1);
	CHECK_INT(q("SELECT count(*) FROM message"), n + 1);
	CHECK_INT(q("SELECT count(*) FROM message WHERE text = '7*1*1'"), 1);
}

static void
test_not_reports(void)
{
	long n = q("SELECT count(*) FROM message");

	atemu_do(emu, "cusd Saldo: 123.45 CVE");
	atemu_do(emu, "cusd *384*7*1*1#");		/* no number */
	atemu_do(emu, "cusd %s", MARIA);		/* no report */
	atemu_do(emu, "cusd %s ALERTA SV SX U1", MARIA); /* not USSD */
	/* Then one that is: the ones before it were read and dropped. */
	atemu_do(emu, "cusd %s*12*1*1", MARIA);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM message WHERE kind = "
	    "'ussd' AND text = '12*1*1' AND sender = '%s'", MARIA), 1);
	CHECK_INT(q("SELECT count(*) FROM message"), n + 1);
	/* Invalid (area 12): stored, answered with what to fix. */
	CHECK(wait_q(1, "SELECT least(count(*), 1) FROM outbox o JOIN "
	    "message m ON m.id = o.message_id WHERE m.text = '12*1*1' AND "
	    "o.recipient = '%s'", MARIA) == 1, "what to fix, by SMS");
}

static void
test_unregistered(void)
{
	atemu_do(emu, "cusd %s*2*1*1", STRANGER);
	CHECK_INT(wait_q(1, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.sender = '%s' AND o.recipient = '%s'",
	    STRANGER, DESK_1), 1);
	CHECK_INT(q("SELECT count(*) FROM outbox WHERE recipient = '%s'",
	    STRANGER), 0);
}

int
main(void)
{
	struct atemu_opts o = { 0 };
	struct gateway_proc g;
	const char *errstr;

	REQUIRE((pg = pgcluster_start("ussd through the AT driver")) != NULL,
	    "PostgreSQL");
	REQUIRE(atemu_start(&o, &emu, &errstr) == 0, "emulator: %s", errstr);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_use_at_modem(&g, atemu_device(emu)) == 0,
	    "config pointed at the emulator");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0 &&
	    console_wait_modem(&g, "cv1", WAIT_MS) == 0,
	    "database and modem ready")) {
		gateway_proc_dump_log(&g);
		return check_status();
	}
	test_report();
	test_not_reports();
	test_unregistered();
	CHECK(gateway_proc_alive(&g), "farold still runs");
	/* Reading the log is the behaviour here (as test_log_private). */
	CHECK_INT(gateway_proc_log_count(&g, "9912345"), 0);
	CHECK_INT(gateway_proc_log_count(&g, "9900000"), 0);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	atemu_stop(emu);
	pgcluster_destroy(pg);
	return check_status();
}
