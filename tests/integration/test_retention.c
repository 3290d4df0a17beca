/*
 * test_retention.c: retention, erasure and the audit of reads (suite
 * `integration`; db/retention.md), the real farold and farolctl, a
 * private PostgreSQL and gammu's dummy driver, retention set to 0 days:
 *   - `alert REF --full' without a reason is refused (stdin is no
 *     terminal) and reads nothing; with --reason it shows the free text
 *     and the number, and access_audit records who (the Unix user), the
 *     alert and why; `show audit' lists it; UPDATE, DELETE and TRUNCATE
 *     of access_audit are refused, even to a superuser;
 *   - `purge --dry-run' counts and changes nothing; `purge' leaves no
 *     planted text or number in any table (pg_dump of the data), in the
 *     spool directory (set-aside files planted there) or in farold's
 *     log, but the registry's own numbers in focal_point and
 *     authority_contact; codes, counts and states stay (alert_report);
 *     purge_log records the run;
 *   - `erase-focal-point ID' leaves the focal point's number and name
 *     nowhere, its reports as codes, says the config still names it, and
 *     a reload does not write the number back;
 *   - the janitor purges at farold's start (a new alert, then a
 *     restart);
 *   - farold purges in batches (here of one row per column, through
 *     FAROL_TEST_PURGE_BATCH), one call after the other until done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000

#define MARIA "9912345"		/* fp-sv-01 "Maria", SV: +2389912345 */
#define STRANGER "+2389770011"	/* not registered */
#define PN_SV_1 "9920001"	/* pn-sv's first rung */

static struct pgcluster *pg;
static struct gateway_proc g;
static char me[80];		/* "unix:<name>", as farold records it */

/* Planted words of free text, and the stranger's number (national). */
static const char *const texts[] = { "Calheta", "Furna", "Mindelo",
    "Brumado" };

static long
drop(const char *from, const char *text, long alerts)
{
	CHECK(gateway_proc_drop_sms(&g, from, text, NULL) == 0, "drop %s",
	    text);
	return stored_wait_q(pg, WAIT_MS, alerts, "SELECT count(*) FROM "
	    "alert");
}

/* Close (or, held, dismiss) every alert still open, and wait until no
 * SMS waits: an alert at work keeps its text. */
static void
finish_alerts(void)
{
	char *refs = stored_qt(pg, "SELECT string_agg(ref::text, ' ') FROM "
	    "alert a JOIN alert_state s ON s.state = a.state WHERE NOT "
	    "s.final"), *ref, *save = NULL;

	for (ref = strtok_r(refs, " ", &save); ref != NULL;
	    ref = strtok_r(NULL, " ", &save))
		if (console_run(&g, NULL, "close", ref, NULL) != 0)
			CHECK(console_run(&g, NULL, "dismiss", ref, "--reason",
			    "test", NULL) == 0, "close or dismiss %s", ref);
	free(refs);
	CHECK(stored_wait_q(pg, WAIT_MS, 0, "SELECT count(*) FROM outbox "
	    "WHERE state IN ('queued', 'sending', 'held')") == 0,
	    "no SMS waits");
}

/* A file in the spool directory, changed an hour ago. */
static void
plant_file(const char *sub, const char *name)
{
	char path[600];
	struct timeval tv[2];
	FILE *f;

	snprintf(path, sizeof path, "%s/spool/%s", g.dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/spool/%s/%s", g.dir, sub, name);
	REQUIRE((f = fopen(path, "w")) != NULL, "write %s", path);
	fprintf(f, "F" STRANGER "X bar Calheta casa Furna\n");
	fclose(f);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= 3600;
	tv[1] = tv[0];
	REQUIRE(utimes(path, tv) == 0, "age %s", path);
}

/* Does file path hold needle? */
static int
file_holds(const char *path, const char *needle)
{
	char cmd[1200];

	snprintf(cmd, sizeof cmd, "grep -rqF -- '%s' '%s'", needle, path);
	return system(cmd) == 0;
}

/* The tables whose rows of the data dump hold needle, as "t1 t2 ", but
 * those in allowed (a space-separated list). */
static void
dump_tables(const char *needle, const char *allowed, char *out, size_t size)
{
	char cmd[1200], line[8192], table[128] = "", want[140];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof cmd, "pg_dump --data-only --no-owner -d '%s'",
	    pgcluster_conninfo(pg));
	REQUIRE((p = popen(cmd, "r")) != NULL, "pg_dump");
	while (fgets(line, sizeof line, p) != NULL) {
		if (sscanf(line, "COPY public.%127s", table) == 1)
			continue;
		if (strstr(line, needle) == NULL)
			continue;
		snprintf(want, sizeof want, " %s ", table);
		if (strstr(allowed, want) != NULL || strstr(out, want + 1))
			continue;
		fprintf(stderr, "%s: %s", table, line);
		strncat(out, want + 1, size - strlen(out) - 1);
	}
	CHECK(pclose(p) == 0, "pg_dump ran");
}

static void
check_nowhere(const char *needle, const char *allowed)
{
	char tables[1024], spool[400];

	dump_tables(needle, allowed, tables, sizeof tables);
	CHECK(tables[0] == '\0', "\"%s\" left in table(s) %s", needle,
	    tables);
	snprintf(spool, sizeof spool, "%s/spool", g.dir);
	CHECK(!file_holds(spool, needle), "\"%s\" left in the spool",
	    needle);
	CHECK(!file_holds(g.log, needle), "\"%s\" in farold's log", needle);
}

static void
test_audit(long ref)
{
	char r[24], *out = NULL;

	snprintf(r, sizeof r, "%ld", ref);
	CHECK(console_run(&g, &out, "alert", r, "--full", NULL) == 2,
	    "--full without a reason is refused");
	free(out);
	out = NULL;
	CHECK(stored_q(pg, "SELECT count(*) FROM access_audit") == 0,
	    "nothing read, nothing recorded");
	CHECK(console_run(&g, &out, "alert", r, NULL) == 0 && out != NULL &&
	    strstr(out, "Calheta") == NULL && strstr(out, MARIA) == NULL,
	    "alert REF: codes only");
	free(out);
	out = NULL;
	CHECK(stored_q(pg, "SELECT count(*) FROM access_audit") == 0,
	    "codes only: nothing recorded");
	CHECK(console_run(&g, &out, "alert", r, "--full", "--reason",
	    "case review 7", NULL) == 0 && out != NULL &&
	    strstr(out, "bar Calheta") != NULL && strstr(out, MARIA) != NULL,
	    "alert REF --full --reason: the text and the number: %s", out);
	free(out);
	out = NULL;
	CHECK(stored_q(pg, "SELECT count(*) FROM access_audit WHERE who = "
	    "'%s' AND channel = 'console' AND alert_ref = %ld AND reason = "
	    "'case review 7' AND at > now() - interval '1 minute'", me,
	    ref) == 1, "the read is recorded: who, which alert, why");
	CHECK(console_run(&g, &out, "alert", r, "--json", "--full",
	    "--reason", "second look", NULL) == 0 && out != NULL &&
	    strstr(out, "Calheta") != NULL, "--json --full");
	free(out);
	out = NULL;
	CHECK(stored_q(pg, "SELECT count(*) FROM access_audit") == 2,
	    "each read is recorded");
	CHECK(console_run(&g, &out, "show", "audit", NULL) == 0 &&
	    out != NULL && strstr(out, "case review 7") != NULL &&
	    strstr(out, "second look") != NULL, "show audit lists them");
	free(out);
	CHECK(pgcluster_exec(pg, "UPDATE access_audit SET reason = 'x'") != 0,
	    "UPDATE of the audit refused");
	CHECK(pgcluster_exec(pg, "DELETE FROM access_audit") != 0,
	    "DELETE from the audit refused");
	CHECK(pgcluster_exec(pg, "TRUNCATE access_audit") != 0,
	    "TRUNCATE of the audit refused");
	CHECK(stored_q(pg, "SELECT count(*) FROM access_audit") == 2,
	    "the audit is whole");
}

static void
test_purge(void)
{
	char *out = NULL;

	plant_file("corrupt", "00000000000000000042.msg");
	plant_file("results", "00000000000000000007.res.bad");
	plant_file("forwards", "00000000000000000042.fwd.bad");
	CHECK(console_run(&g, &out, "purge", "--dry-run", NULL) == 0 &&
	    out != NULL && strstr(out, "alert.text") != NULL, "purge "
	    "--dry-run: %s", out);
	free(out);
	out = NULL;
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE text LIKE "
	    "'%%Calheta%%'") == 1, "a dry run changes nothing");
	CHECK(stored_q(pg, "SELECT count(*) FROM purge_log") == 0,
	    "a dry run records nothing");
	CHECK(console_run(&g, &out, "purge", NULL) == 0, "purge: %s", out);
	free(out);

	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		check_nowhere(texts[i], "");
	check_nowhere("9770011", "");
	check_nowhere(MARIA, " focal_point ");
	check_nowhere(PN_SV_1, " authority_contact ");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert_report WHERE area IS "
	    "NOT NULL AND forms <> '{}' AND victims > 0") == 3, "alert_report "
	    "keeps the codes and counts");
	/* Batches of one row (FAROL_TEST_PURGE_BATCH): one row each. */
	CHECK(stored_q(pg, "SELECT sum(rows) FROM purge_log WHERE by = '%s' "
	    "AND what = 'alert.text'", me) == 3 && stored_q(pg, "SELECT "
	    "count(*) FROM purge_log WHERE what = 'alert.text'") == 3,
	    "purge_log records the run, batch by batch");
	CHECK(stored_q(pg, "SELECT count(*) FROM purge_log WHERE what = "
	    "'spool files' AND rows = 3") == 1, "the spool files counted");
}

static void
test_erase(void)
{
	char *out = NULL;
	long synced;

	REQUIRE(drop("+238" MARIA, "ALERTA SV TF U2 V3 casa Brumado", 4) ==
	    4, "a fourth alert");
	CHECK(console_run(&g, NULL, "erase-focal-point", "fp-sv-01", NULL)
	    == 1, "refused while her alert is at work");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE text LIKE "
	    "'%%Brumado%%'") == 1, "a refusal changes nothing");
	finish_alerts();
	CHECK(console_run(&g, &out, "erase-focal-point", "fp-sv-01", NULL)
	    == 0 && out != NULL && strstr(out, "still names") != NULL,
	    "erase-focal-point, and the config still names her: %s", out);
	free(out);
	check_nowhere(MARIA, "");
	check_nowhere("Maria", "");
	check_nowhere("Brumado", "");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE focal_point = "
	    "'fp-sv-01' AND area = 'SV' AND victims > 0 AND forms <> '{}'")
	    == 3, "her reports stay as codes");
	CHECK(console_run(&g, NULL, "erase-focal-point", "nobody", NULL) == 1,
	    "an unknown focal point");
	/* A row unlike the config: the reload's mirror writes it back
	 * (an unchanged row it leaves alone). */
	synced = stored_q(pg, "WITH u AS (UPDATE focal_point SET name = "
	    "'drifted' WHERE id = 'fp-st-01' RETURNING 1) SELECT count(*) "
	    "FROM u");
	CHECK(console_reload(&g, NULL) == 0, "reload");
	CHECK(stored_wait_q(pg, WAIT_MS, 0, "SELECT count(*) FROM focal_point "
	    "WHERE id = 'fp-st-01' AND name = 'drifted'") == 0 && synced == 1,
	    "the registry is mirrored again");
	CHECK(stored_q(pg, "SELECT count(*) FROM focal_point WHERE id = "
	    "'fp-sv-01' AND number LIKE 'erased:%%' AND name = ''") == 1,
	    "a reload does not write the number back");
}

static void
test_janitor(void)
{
	REQUIRE(drop(STRANGER, "ALERTA SL TF U2 V2 porto Mindelo", 5) == 5,
	    "a fifth alert");
	finish_alerts();
	gateway_proc_signal(&g, SIGTERM);
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "farold stops");
	REQUIRE(gateway_proc_start(&g) == 0, "farold starts again");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM purge_log "
	    "WHERE by = 'janitor' AND what = 'alert.text'") == 1,
	    "the janitor purged at start");
	check_nowhere("Mindelo", "");
}

int
main(void)
{
	struct passwd *pw = getpwuid(getuid());
	long ref;
	int ready;

	REQUIRE(pw != NULL, "my user");
	snprintf(me, sizeof me, "unix:%s", pw->pw_name);
	/* farolctl asks for a reason on a terminal: this test has none. */
	REQUIRE(freopen("/dev/null", "r", stdin) != NULL, "stdin");
	REQUIRE((pg = pgcluster_start("retention")) != NULL, "PostgreSQL");
	/* One row per column and call: the batches must chain. */
	setenv("FAROL_TEST_PURGE_BATCH", "1", 1);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_edit_config(&g, "retain_text_days = 180;",
	    "retain_text_days = 0;") == 0 && gateway_proc_edit_config(&g,
	    "retain_numbers_days = 90;", "retain_numbers_days = 0;") == 0,
	    "retention 0 days");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready");

	REQUIRE(drop("+238" MARIA, "ALERTA SV SX U1 V2 bar Calheta", 1) == 1,
	    "an alert");
	ref = stored_q(pg, "SELECT max(ref) FROM alert");
	REQUIRE(drop(STRANGER, "ALERTA BR TF U2 V1 casa Furna", 2) == 2,
	    "a stranger's alert");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT (count(*) > 0)::int "
	    "FROM outbox o JOIN alert a ON a.id = o.alert_id WHERE a.ref = "
	    "%ld AND o.state IN ('submitted', 'delivered')", ref) == 1,
	    "forwarded");
	REQUIRE(drop("+238" MARIA, "ALERTA SV CT U2 V4 porto Mindelo", 3) == 3,
	    "a third alert");
	{
		char info[80];

		snprintf(info, sizeof info, "INFO %ld fugiram para Mindelo",
		    ref);
		CHECK(gateway_proc_drop_sms(&g, "+238" MARIA, info, NULL) == 0,
		    "INFO");
		CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM "
		    "alert_event WHERE note LIKE '%%Mindelo%%'") == 1,
		    "the INFO is an event");
	}
	test_audit(ref);
	finish_alerts();
	test_purge();
	test_erase();
	test_janitor();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
