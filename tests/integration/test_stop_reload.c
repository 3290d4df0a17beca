/*
 * test_stop_reload.c: shutdown and reload tell the truth (issue 17, item
 * 7), against the real farold, a private PostgreSQL and gammu's dummy
 * driver (suite `integration`):
 *   - `farolctl reload' lists each changed setting that only takes effect
 *     at the next restart (admin_socket, connect_timeout,
 *     multipart_timeout), and none when only a live setting changed;
 *   - when gateway.stop_deadline passes with a report still being stored
 *     (its table locked by another session), farold exits 4, not 0, and
 *     the report is still on the SIM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"

static struct pgcluster *pg;
static struct gateway_proc g;

static void
test_reload_names_restart_keys(void)
{
	char *out = NULL;

	REQUIRE(gateway_proc_edit_config(&g, "farold.sock\"",
	    "farold-new.sock\"") == 0, "admin_socket in the config");
	REQUIRE(gateway_proc_edit_config(&g, "connect_timeout = 5;",
	    "connect_timeout = 7;") == 0, "connect_timeout in the config");
	REQUIRE(gateway_proc_edit_config(&g, "multipart_timeout = 600;",
	    "multipart_timeout = 900;") == 0, "multipart_timeout");
	CHECK(console_reload(&g, &out) == 0, "reload accepted: %s",
	    out ? out : "(no answer)");
	for (const char *const *k = (const char *const[]){
	    "gateway.admin_socket", "database.connect_timeout",
	    "gateway.multipart_timeout", NULL }; *k != NULL; k++) {
		char want[80];

		snprintf(want, sizeof want, "restart needed: %s\n", *k);
		CHECK(out != NULL && strstr(out, want) != NULL,
		    "reload's answer names %s:\n%s", *k, out ? out : "");
	}
	free(out);
	out = NULL;

	/* Only a setting that applies at once: no restart needed. */
	REQUIRE(gateway_proc_edit_config(&g, "log_level = \"info\";",
	    "log_level = \"warning\";") == 0, "log_level in the config");
	CHECK(console_reload(&g, &out) == 0, "second reload accepted");
	CHECK(out != NULL && strstr(out, "restart needed") == NULL,
	    "nothing new needs a restart:\n%s", out ? out : "");
	free(out);
}

/* Hold an exclusive lock on the message table for a while (a child). */
static pid_t
lock_messages(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(pgcluster_exec(pg, "BEGIN; LOCK TABLE message IN ACCESS "
		    "EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT") == 0 ?
		    0 : 1);
	return pid;
}

static void
test_forced_stop_exits_4(void)
{
	long storing;
	pid_t locker;
	int status;

	REQUIRE((locker = lock_messages()) > 0, "fork");
	REQUIRE(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM pg_locks "
	    "WHERE relation = 'message'::regclass AND mode = "
	    "'AccessExclusiveLock' AND granted") == 1, "message locked");
	REQUIRE(gateway_proc_drop_sms(&g, MARIA, "U1 SV MENOR teste", NULL)
	    == 0, "drop an SMS");
	storing = console_wait(&g, WAIT_MS, 1, "inbox", "storing", NULL,
	    NULL);
	CHECK(storing == 1, "one report being stored (got %ld)", storing);
	REQUIRE(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	status = gateway_proc_wait_exit(&g, WAIT_MS);
	CHECK_INT(status, 4, "exit status when stop_deadline forces the exit");
	CHECK_INT(gateway_proc_inbox_count(&g), 1, "the report is still on "
	    "the SIM");
	kill(locker, SIGKILL);
	waitpid(locker, NULL, 0);
}

int
main(void)
{
	int ready;

	REQUIRE((pg = pgcluster_start("stop_reload")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_edit_config(&g, "stop_deadline = 20;",
	    "stop_deadline = 2;") == 0, "stop_deadline in the config");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready");
	test_reload_names_restart_keys();
	test_forced_stop_exits_4();
	if (check_status() != 0)
		gateway_proc_dump_log(&g);
	gateway_proc_destroy(&g);
	pgcluster_destroy(pg);
	return check_status();
}
