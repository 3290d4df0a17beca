/*
 * test_ingest.c: the real farold, a private PostgreSQL and gammu's dummy
 * driver, end to end (suite `integration`):
 *   - single-part, multipart (parts out of order) and accented messages
 *     are stored once, intact, and deleted from the modem;
 *   - kill -9 with 200 messages waiting, then a restart: each stored once,
 *     the inbox empty;
 *   - a reload (SIGHUP, farolctl) of a broken config keeps the daemon on
 *     the old one, and farolctl shows the problems as file:line; a good
 *     one by SIGHUP reaches the registry in the database;
 *   - SIGTERM stops it with exit status 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000

static struct pgcluster *pg;

static int
wait_inbox_empty(struct gateway_proc *g, int timeout_ms)
{
	return test_wait_until(timeout_ms, gateway_proc_inbox_empty, g);
}

static void
test_receive(void)
{
	static const char accented[] = "A ST TF V12: obra na estrada de São "
	    "Domingos, passaportes retidos. Criança açoitada, ÉÃÕ ç 😢";
	static const char single[] = "ALERTA SV SX U1 V2 MENOR Bar Calheta";
	static const char part1[] = "ALERTA BV CT U2 V6 barco chegou de noite "
	    "a Sal Rei, ";
	static const char part2[] = "homens fechados num armazém";
	struct gateway_proc g;
	char want[512], *got;

	stored_reset(pg);
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	/* Part 2 lands on the SIM before part 1. */
	CHECK(gateway_proc_drop_sms(&g, "+2389956789", part2, "050003C70202")
	    == 0, "drop part 2");
	CHECK(gateway_proc_drop_sms(&g, "+2389912345", single, NULL) == 0,
	    "drop single");
	CHECK(gateway_proc_drop_sms(&g, "9923456", accented, NULL) == 0,
	    "drop accented");
	CHECK(gateway_proc_drop_sms(&g, "+2389956789", part1, "050003C70201")
	    == 0, "drop part 1");
	CHECK(gateway_proc_inbox_count(&g) == 4, "inbox got=%d want=4",
	    gateway_proc_inbox_count(&g));

	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(stored_wait(pg, 3, WAIT_MS) == 0, "rows got=%ld want=3",
	    stored_count(pg, ""));
	CHECK(wait_inbox_empty(&g, WAIT_MS) == 0, "inbox got=%d want=0",
	    gateway_proc_inbox_count(&g));

	got = pgcluster_query_text(pg, "SELECT text FROM message WHERE "
	    "sender = '+2389912345'");
	CHECK(got && strcmp(got, single) == 0, "single got=%s want=%s", got,
	    single);
	free(got);
	got = pgcluster_query_text(pg, "SELECT text FROM message WHERE "
	    "sender = '9923456'");
	CHECK(got && strcmp(got, accented) == 0, "accented got=%s want=%s",
	    got, accented);
	free(got);
	snprintf(want, sizeof want, "%s%s|2", part1, part2);
	got = pgcluster_query_text(pg, "SELECT text || '|' || parts FROM "
	    "message WHERE sender = '+2389956789'");
	CHECK(got && strcmp(got, want) == 0, "multipart got=%s want=%s", got,
	    want);
	free(got);
	CHECK(stored_count(pg, "modem = 'cv1' AND smsc_time IS NOT NULL AND "
	    "received_at IS NOT NULL") == 3, "modem/time columns: got=%ld "
	    "want=3", stored_count(pg, "modem = 'cv1' AND smsc_time IS NOT NULL"));
	CHECK(stored_count(pg, "") == 3, "rows after settling got=%ld want=3",
	    stored_count(pg, ""));

	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "exit status");
	if (check_failures())
		gateway_proc_dump_log(&g);
	gateway_proc_destroy(&g);
}

static void
test_kill9_restart(void)
{
	enum { N = 200 };
	struct gateway_proc g;
	char text[128];
	long stored_at_kill;

	stored_reset(pg);
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U2 relato numero %03d",
		    i);
		if (!CHECK(gateway_proc_drop_sms(&g, "+2389912345", text,
		    NULL) == 0, "drop %d", i))
			break;
	}
	CHECK(gateway_proc_inbox_count(&g) == N, "inbox got=%d want=%d",
	    gateway_proc_inbox_count(&g), N);

	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(stored_wait(pg, 1, WAIT_MS) == 0, "first row");
	CHECK(gateway_proc_signal(&g, SIGKILL) == 0, "kill -9");
	stored_at_kill = stored_count(pg, "");
	printf("kill -9 with %ld of %d stored, %d on the modem\n",
	    stored_at_kill, N, gateway_proc_inbox_count(&g));
	CHECK(gateway_proc_inbox_count(&g) >= N - stored_at_kill,
	    "nothing deleted before it was stored: inbox=%d stored=%ld",
	    gateway_proc_inbox_count(&g), stored_at_kill);

	CHECK(gateway_proc_start(&g) == 0, "restart farold");
	CHECK(stored_wait(pg, N, WAIT_MS * 2) == 0, "rows got=%ld want=%d",
	    stored_count(pg, ""), N);
	CHECK(wait_inbox_empty(&g, WAIT_MS) == 0, "inbox got=%d want=0",
	    gateway_proc_inbox_count(&g));
	CHECK(stored_count(pg, "") == N, "rows got=%ld want=%d", stored_count(pg, ""), N);
	CHECK(pgcluster_query_long(pg, "SELECT count(DISTINCT text) FROM "
	    "message") == N, "distinct texts want=%d", N);

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
}

static void
test_reload(void)
{
	struct gateway_proc g;
	char *good = NULL, *out = NULL;
	size_t len = 0;
	FILE *f;

	stored_reset(pg);
	CHECK(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	if ((f = fopen(g.conf, "r")) != NULL) {
		good = calloc(1, 1 << 16);
		len = fread(good, 1, (1 << 16) - 1, f);
		fclose(f);
	}
	CHECK(good != NULL && len > 0, "read config");
	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "db ready");

	/* A broken file: refused with file:line, the daemon keeps going,
	 * whether the reload comes from SIGHUP or from farolctl (both run
	 * farold_reload; only farolctl gets an answer to check). */
	CHECK(gateway_proc_write_config(&g, "gateway = { name = \"x\"; };\n"
	    "database = { conninfo = 5; };\n") == 0, "write broken config");
	CHECK(gateway_proc_signal(&g, SIGHUP) == 0, "SIGHUP");
	CHECK(console_reload(&g, &out) == 1 && out != NULL &&
	    strstr(out, "farol.conf:2: database.conninfo must be a string")
	    != NULL, "reload refused with file:line: %s", out);
	free(out);
	CHECK(gateway_proc_alive(&g), "still running after a bad reload");
	CHECK(gateway_proc_drop_sms(&g, "+2389912345", "ALERTA SV SX depois",
	    NULL) == 0, "drop");
	CHECK(stored_wait(pg, 1, WAIT_MS) == 0, "still storing after a bad reload");

	/* The good file again, giving Maria a PIN, by SIGHUP: accepted, and
	 * the registry mirrored to the database says so. */
	CHECK(good && gateway_proc_write_config(&g, good) == 0 &&
	    gateway_proc_edit_config(&g, "phone = \"9912345\"; area = "
	    "\"SV\"; lang = \"pt\"; pin = \"\"", "phone = \"9912345\"; "
	    "area = \"SV\"; lang = \"pt\"; pin = \"4321\"") == 0,
	    "restore, with a PIN for fp-sv-01");
	CHECK(stored_q(pg, "SELECT count(*) FROM focal_point WHERE id = "
	    "'fp-sv-01' AND has_pin") == 0, "no PIN before the reload");
	CHECK(gateway_proc_signal(&g, SIGHUP) == 0, "SIGHUP");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM focal_point "
	    "WHERE id = 'fp-sv-01' AND has_pin") == 1, "reloaded: the PIN "
	    "reached the registry");
	CHECK(console_reload(&g, NULL) == 0, "farolctl reload accepts it");

	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	CHECK(gateway_proc_wait_exit(&g, WAIT_MS) == 0, "exit status 0");
	if (check_failures())
		gateway_proc_dump_log(&g);
	free(good);
	gateway_proc_destroy(&g);
}

int
main(void)
{
	pg = pgcluster_start("integration");
	if (pg == NULL) {
		fprintf(stderr, "cannot start a private PostgreSQL\n");
		return 1;
	}
	test_receive();
	test_kill9_restart();
	test_reload();
	pgcluster_destroy(pg);
	return check_status();
}
