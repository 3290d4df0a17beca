/*
 * test_text_at.c: text is kept whole (issue 17, item 5), through gammu's
 * real AT driver (suite `modem`): the AT modem emulator on a pseudo-
 * terminal, the real farold on the default config, a private PostgreSQL.
 *
 *   - a UCS-2 report with a real U+0000 in its middle is stored whole,
 *     the NUL replaced by U+FFFD, and its alert's text has the words
 *     after it;
 *   - a typed PIN (P4321, fp-sv-01's) is checked, so the alert is not
 *     held, but stored masked (P****): no message, alert or outbox text
 *     holds its digits.
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
#define MARIA "+2389912345"

static struct pgcluster *pg;
static struct atemu *emu;

static void
test_nul_kept_whole(void)
{
	const char *errstr;
	long stored, alert;

	/* "ALERTA SV SX U1 V2 bar\0 MENOR sozinha", as UTF-8 hex. */
	CHECK(atemu_cmd(emu, NULL, 0, &errstr, "sms %s ucs2 %s", MARIA,
	    "414c455254412053562053582055312056322062617200204d454e4f52"
	    "20736f7a696e6861") == 0, "sms: %s", errstr);
	stored = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM message "
	    "WHERE sender = '%s' AND text = 'ALERTA SV SX U1 V2 bar' || "
	    "U&'\\FFFD' || ' MENOR sozinha'", MARIA);
	if (stored != 1)
		fprintf(stderr, "stored: %s\n", stored_qt(pg, "SELECT "
		    "string_agg(text, ' | ') FROM message"));
	CHECK(stored == 1, "the text stored whole, NUL as U+FFFD");
	alert = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert "
	    "WHERE sender = '%s' AND text LIKE '%%MENOR sozinha%%'", MARIA);
	CHECK(alert == 1, "the alert's text goes on after the NUL");
}

static void
test_pin_masked(void)
{
	long stored, alert;

	atemu_sms(emu, "sms", MARIA, "gsm7", "ALERTA SV SX U1 P4321 rua "
	    "escura");
	stored = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM message "
	    "WHERE text = 'ALERTA SV SX U1 P**** rua escura'");
	if (stored != 1)
		fprintf(stderr, "stored: %s\n", stored_qt(pg, "SELECT "
		    "string_agg(text, ' | ') FROM message"));
	CHECK(stored == 1, "the message stored with its PIN masked");
	alert = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert "
	    "WHERE text = 'rua escura' AND held_reason IS NULL");
	CHECK(alert == 1, "the right PIN was checked: the alert is not held");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT least(count(*), 1) FROM "
	    "outbox o JOIN alert a ON a.id = o.alert_id WHERE a.text = "
	    "'rua escura' AND o.purpose = 'forward'") == 1, "forwards queued");
	CHECK(stored_q(pg, "SELECT (SELECT count(*) FROM message WHERE text "
	    "LIKE '%%4321%%') + (SELECT count(*) FROM alert WHERE text LIKE "
	    "'%%4321%%') + (SELECT count(*) FROM outbox WHERE text LIKE "
	    "'%%4321%%')") == 0, "no stored copy holds the PIN");
}

int
main(void)
{
	struct atemu_opts o = { 0 };
	struct gateway_proc g;
	const char *errstr;

	REQUIRE((pg = pgcluster_start("text through the AT driver")) != NULL,
	    "PostgreSQL");
	REQUIRE(atemu_start(&o, &emu, &errstr) == 0, "emulator: %s", errstr);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_use_at_modem(&g, atemu_device(emu)) == 0,
	    "config pointed at the emulator");
	REQUIRE(gateway_proc_edit_config(&g, "area = \"SV\"; lang = \"pt\"; "
	    "pin = \"\";", "area = \"SV\"; lang = \"pt\"; pin = \"4321\";")
	    == 0, "fp-sv-01 needs a PIN");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0 &&
	    console_wait_modem(&g, "cv1", WAIT_MS) == 0,
	    "database and modem ready")) {
		gateway_proc_dump_log(&g);
		return check_status();
	}
	test_nul_kept_whole();
	test_pin_masked();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	atemu_stop(emu);
	pgcluster_destroy(pg);
	return check_status();
}
