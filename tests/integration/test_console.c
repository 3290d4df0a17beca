/*
 * test_console.c: `farolctl show ...' against the real farold, a private
 * PostgreSQL and gammu's dummy driver (suite `integration`):
 *   - each table's text header is exactly its documented columns, and
 *     its --json is an array whose objects have those keys (PostgreSQL's
 *     jsonb parses it);
 *   - the tables follow what happens: a report counted in `show inbox',
 *     its alert and forwards in `show alerts' and `show outbox', the
 *     modem's sends in `show modems';
 *   - with the database down, outbox and alerts say so at once (no hang)
 *     while modems, inbox and spool still answer;
 *   - no table carries a phone number or report text.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
/* The database-down answer must come at once, not after a timeout. */
#define DOWN_ANSWER_MS 2000

static struct pgcluster *pg;
static struct gateway_proc g;

static const struct {
	const char *what;
	const char *columns;	/* farolctl.8, in order */
} tables[] = {
	{ "modems", "name connected healthy role signal network sim_used "
	    "sim_total send_queue sent failed received problem paused" },
	{ "inbox", "pending storing waiting stored already spooled" },
	{ "spool", "database waiting oldest_age_s replay replay_calls "
	    "forwarded forward_failed forwards_queued forwards_sending "
	    "numbers_reserved results_kept" },
	{ "outbox", "purpose state rows next_due_s" },
	{ "alerts", "ref area forms urgency minor verified state held rung "
	    "forwarded waiting age_s" },
};

/* The header line of out with tabs as spaces (caller frees). */
static char *
header_of(const char *out)
{
	size_t n = strcspn(out, "\n");
	char *h = strndup(out, n);

	for (char *p = h; p != NULL && *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	return h;
}

/* The sorted keys of every object of a JSON array, as PostgreSQL reads
 * them: "" when an object lacks one of want's keys or has another. */
static char *
json_keys(const char *json, const char *want)
{
	char *sql, *got;

	if (asprintf(&sql, "SELECT CASE WHEN jsonb_typeof(j) = 'array' AND "
	    "NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j) o WHERE "
	    "(SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(o) k) <> "
	    "(SELECT array_agg(k ORDER BY k) FROM unnest(string_to_array("
	    "$w$%s$w$, ' ')) k)) THEN 'ok ' || jsonb_array_length(j) ELSE "
	    "'bad' END FROM (SELECT $j$%s$j$::jsonb AS j) x", want,
	    json) < 0)
		return NULL;
	got = pgcluster_query_text(pg, sql);
	free(sql);
	return got;
}

static void
test_columns_text_and_json(void)
{
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *out = NULL, *h, *k;
		int rc = console_show(&g, tables[i].what, 0, &out);

		h = out ? header_of(out) : NULL;
		CHECK(rc == 0 && h != NULL && strcmp(h, tables[i].columns) == 0,
		    "show %s: rc=%d header got=%s want=%s", tables[i].what, rc,
		    h, tables[i].columns);
		free(h);
		free(out);
		out = NULL;
		rc = console_show(&g, tables[i].what, 1, &out);
		k = rc == 0 && out ? json_keys(out, tables[i].columns) : NULL;
		CHECK(k != NULL && strncmp(k, "ok ", 3) == 0,
		    "show --json %s: rc=%d keys %s json=%s", tables[i].what, rc,
		    k, out);
		free(k);
		free(out);
	}
}

/* No number and no report text in any table. */
static void
check_nothing_private(void)
{
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *out = NULL;

		console_show(&g, tables[i].what, 1, &out);
		CHECK(out != NULL && strstr(out, "9912345") == NULL &&
		    strstr(out, "9920001") == NULL &&
		    strstr(out, "Calheta") == NULL, "show %s leaks: %s",
		    tables[i].what, out);
		free(out);
	}
}

static void
test_tables_follow_a_report(void)
{
	long ref, sent, rows;
	char *v;

	CHECK(console_value(&g, "inbox", "stored", NULL, NULL) == 0,
	    "nothing stored yet");
	CHECK(gateway_proc_drop_sms(&g, "+2389912345", "ALERTA SV SX U1 V2 "
	    "MENOR bar Calheta", NULL) == 0, "drop");
	CHECK(console_wait(&g, WAIT_MS, 1, "inbox", "stored", NULL, NULL) ==
	    1, "show inbox: stored");
	CHECK(console_value(&g, "inbox", "spooled", NULL, NULL) == 0,
	    "show inbox: nothing spooled");
	ref = stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert") == 1
	    ? stored_q(pg, "SELECT ref FROM alert") : -1;
	CHECK(ref > 0, "alert made");
	{
		char key[32];

		/* Three forwards for U1 in SV (pn-sv, icca, the desk). */
		snprintf(key, sizeof key, "%ld", ref);
		CHECK(console_wait(&g, WAIT_MS, 3, "alerts", "forwarded",
		    "ref", key) == 3, "show alerts: forwarded got=%ld",
		    console_value(&g, "alerts", "forwarded", "ref", key));
		CHECK(console_sum(&g, "outbox", "rows", "purpose", "forward")
		    == 3, "show outbox: forwards got=%ld", console_sum(&g,
		    "outbox", "rows", "purpose", "forward"));
		CHECK(console_value(&g, "outbox", "rows", "state",
		    "submitted") > 0, "show outbox: submitted rows");
		v = console_text(&g, "alerts", "area", "ref", key);
		CHECK(v != NULL && strcmp(v, "SV") == 0, "area got=%s", v);
		free(v);
		v = console_text(&g, "alerts", "minor", "ref", key);
		CHECK(v != NULL && strcmp(v, "yes") == 0, "minor got=%s", v);
		free(v);
	}
	/* The modem submitted what the outbox says was submitted (once
	 * each result is recorded: the receipt may still be on its way). */
	CHECK(console_wait_sent_matches_outbox(&g, pg, WAIT_MS, &sent,
	    &rows) == 0 && sent >= 3, "show modems: sent got=%ld, outbox "
	    "rows sent want=%ld", sent, rows);
	v = console_text(&g, "modems", "connected", "name", "cv1");
	CHECK(v != NULL && strcmp(v, "yes") == 0, "cv1 connected got=%s", v);
	free(v);
	check_nothing_private();
}

/* The engine notices a lost connection at its next call: each poll
 * makes one (show outbox), then asks whether it is still connected. */
static int
database_lost(void *arg)
{
	char *db;
	int lost;

	console_show(&g, "outbox", 0, NULL);
	db = console_text(&g, "spool", "database", NULL, NULL);
	lost = db != NULL && strcmp(db, "ready") != 0;
	free(db);
	return lost;
}

static void
test_database_down(void)
{
	long t0, took;
	char *out = NULL;
	int rc;

	CHECK(pgcluster_stop(pg, 1) == 0, "stop PostgreSQL");
	CHECK(test_wait_until(WAIT_MS, database_lost, NULL) == 0,
	    "show spool: the database is not ready");
	t0 = test_now_ms();
	rc = console_show(&g, "alerts", 0, &out);
	took = test_now_ms() - t0;
	CHECK(rc == 1 && took < DOWN_ANSWER_MS, "show alerts with the "
	    "database down: rc=%d want=1 in %ld ms", rc, took);
	free(out);
	out = NULL;
	CHECK(console_show(&g, "outbox", 1, &out) == 1, "show outbox fails");
	free(out);
	CHECK(console_show(&g, "modems", 0, NULL) == 0 &&
	    console_show(&g, "inbox", 0, NULL) == 0, "memory tables answer");
	out = console_text(&g, "spool", "database", NULL, NULL);
	CHECK(out != NULL && strcmp(out, "ready") != 0, "show spool answers: "
	    "database got=%s", out);
	free(out);

	CHECK(pgcluster_restart(pg) == 0, "restart PostgreSQL");
	CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "ready again");
	CHECK(console_show(&g, "alerts", 0, NULL) == 0, "show alerts again");
}

int
main(void)
{
	int ready;

	/* A failed REQUIRE exits; farold and the cluster are removed at
	 * exit. */
	REQUIRE((pg = pgcluster_start("console")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready");
	test_columns_text_and_json();
	test_tables_follow_a_report();
	test_database_down();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
