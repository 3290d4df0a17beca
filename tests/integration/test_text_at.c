/*
 * test_text_at.c: text is kept whole (issue 17, item 5), through gammu's
 * real AT driver (suite `modem`): the AT modem emulator on a pseudo-
 * terminal, the real farold on the default config, a private PostgreSQL.
 *
 *   - a UCS-2 report with a real U+0000 in its middle is stored whole,
 *     the NUL replaced by U+FFFD, and its alert's text has the words
 *     after it.
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
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0 &&
	    console_wait_modem(&g, "cv1", WAIT_MS) == 0,
	    "database and modem ready")) {
		gateway_proc_dump_log(&g);
		return check_status();
	}
	test_nul_kept_whole();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	atemu_stop(emu);
	pgcluster_destroy(pg);
	return check_status();
}
