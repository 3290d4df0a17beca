/*
 * test_log_private.c: at the default log level farold's log holds no
 * report's free text and no phone number (suite `integration`).
 *
 * The integration suite's kinds of message go through the real farold
 * (the dummy modem, a private PostgreSQL): registered and unregistered
 * reports, accented text, a multipart report, an invalid one, INFO, OK
 * and FIM, each stored and its forwards and replies sent. Then the whole
 * log is searched for every free-text word and every phone number of the
 * config and of the senders. Here reading the log IS the behaviour under
 * test (the project's rule: no secrets, numbers or report text in logs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MAX_NEEDLES 256

#define MARIA "+2389912345"	/* fp-sv-01, SV */
#define PN_SV_1 "+2389920001"
#define STRANGER "9923456"	/* not registered */
#define BOAT "+2389956789"	/* not registered */

static struct pgcluster *pg;
static struct gateway_proc g;
static char *needles[MAX_NEEDLES];
static int n_needles;

/* Words of free text (as the messages carry them) that must not leak. */
static const char *const words[] = {
	"Calheta", "Domingos", "passaportes", "açoitada", "chegou",
	"armazém", "Tarrafal", "fugiram", "Mindelo", "resolvido", "Ribeira",
};

static void
add_needle(const char *s)
{
	if (n_needles < MAX_NEEDLES)
		needles[n_needles++] = strdup(s);
}

/* Every phone number of the config: a quoted run of 7 digits (national)
 * is searched as it is, which also finds it in +238... form. */
static void
numbers_of_config(void)
{
	FILE *f = fopen(g.conf, "r");
	char line[2048], num[16];

	REQUIRE(f != NULL, "read %s", g.conf);
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[strspn(line, " ")] == '#')
			continue;
		for (char *p = line; (p = strchr(p, '"')) != NULL; p++) {
			size_t n = strspn(p + 1, "0123456789");

			if (n == 7 && p[1 + n] == '"') {
				snprintf(num, sizeof num, "%.7s", p + 1);
				add_needle(num);
			}
		}
	}
	fclose(f);
}

static long
drop(const char *from, const char *text, const char *udh, long before)
{
	CHECK(gateway_proc_drop_sms(&g, from, text, udh) == 0, "drop %s",
	    text);
	if (udh != NULL)
		return before;
	return stored_wait_q(pg, WAIT_MS, before + 1, "SELECT count(*) FROM "
	    "message");
}

static void
run_messages(void)
{
	char text[128];
	long n = 0, ref;

	n = drop(MARIA, "ALERTA SV SX U1 V2 MENOR bar Calheta", NULL, n);
	n = drop(STRANGER, "A ST TF V12: obra na estrada de São Domingos, "
	    "passaportes retidos. Criança açoitada", NULL, n);
	drop(BOAT, "homens fechados num armazém", "050003C70202", n);
	n = drop(BOAT, "ALERTA BV CT U2 V6 barco chegou de noite, ",
	    "050003C70201", n);
	n = stored_wait_q(pg, WAIT_MS, n + 1, "SELECT count(*) FROM message");
	n = drop(MARIA, "ALERTA ZZ SX texto errado Tarrafal", NULL, n);
	ref = stored_q(pg, "SELECT min(ref) FROM alert");
	CHECK(ref > 0, "an alert");
	/* Its forwards out before OK: only a holder may acknowledge. */
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT (count(*) > 0)::int "
	    "FROM outbox o JOIN alert a ON a.id = o.alert_id WHERE a.ref = "
	    "%ld AND o.recipient = '" PN_SV_1 "' AND o.state IN "
	    "('submitted', 'delivered')", ref) == 1, "forwarded");
	snprintf(text, sizeof text, "INFO %ld suspeitos fugiram Mindelo", ref);
	n = drop(MARIA, text, NULL, n);
	snprintf(text, sizeof text, "OK %ld", ref);
	n = drop(PN_SV_1, text, NULL, n);
	snprintf(text, sizeof text, "FIM %ld resolvido Ribeira", ref);
	n = drop(MARIA, text, NULL, n);
	CHECK(n == 7, "every message stored: got=%ld want=7", n);
	/* Everything queued went to the modem (and was logged, if at all). */
	CHECK(stored_wait_q(pg, WAIT_MS, 0, "SELECT count(*) FROM outbox "
	    "WHERE state IN ('sending') OR (state = 'queued' AND not_before "
	    "<= now())") == 0, "the outbox sent what was due");
}

static void
search_log(void)
{
	FILE *f = fopen(g.log, "r");
	char line[4096];
	int lines = 0;

	REQUIRE(f != NULL, "read %s", g.log);
	while (fgets(line, sizeof line, f) != NULL) {
		lines++;
		for (int i = 0; i < n_needles; i++)
			CHECK(strstr(line, needles[i]) == NULL, "the log "
			    "holds \"%s\": %s", needles[i], line);
	}
	fclose(f);
	CHECK(lines > 5, "farold logged something (%d lines)", lines);
}

int
main(void)
{
	int ready;

	REQUIRE((pg = pgcluster_start("log_private")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	g.default_log_level = 1;
	numbers_of_config();
	add_needle("9923456");
	add_needle("9956789");
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		add_needle(words[i]);
	CHECK(n_needles > 20, "numbers found in the config: %d",
	    n_needles - 2 - (int)(sizeof words / sizeof *words));
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready");
	run_messages();
	/* Stopped first: its last lines are in the log too. */
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0 &&
	    gateway_proc_wait_exit(&g, WAIT_MS) == 0, "exit status 0");
	search_log();
	gateway_proc_destroy(&g);
	for (int i = 0; i < n_needles; i++)
		free(needles[i]);
	pgcluster_destroy(pg);
	return check_status();
}
