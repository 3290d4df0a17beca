/*
 * test_pin_spooled.c: a typed PIN is not kept in clear in the spool
 * either (issue 17, item 5). The real farold on the default config with
 * the dummy modem, fp-sv-01 given the PIN 4321, a private PostgreSQL
 * stopped while two U1 reports arrive, one with the right PIN, one with a
 * wrong one:
 *   - both are spooled, and no byte of the spool directory (messages,
 *     forwards) holds either PIN's digits;
 *   - while the database is down, only the right one is forwarded (the
 *     verdict taken at spool time);
 *   - when the database returns, both are stored masked, the right one
 *     routed, the wrong one held for its PIN, as if it had never waited.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"

/* How many files under path (recursively) hold needle in their bytes. */
static int
files_holding(const char *path, const char *needle)
{
	char sub[1024], *buf;
	struct dirent *de;
	struct stat st;
	size_t n;
	FILE *f;
	DIR *d;
	int hits = 0;

	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (lstat(sub, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			hits += files_holding(sub, needle);
			continue;
		}
		if (!S_ISREG(st.st_mode) || (f = fopen(sub, "rb")) == NULL)
			continue;
		if ((buf = calloc(1, st.st_size + 1)) != NULL) {
			n = fread(buf, 1, st.st_size, f);
			if (memmem(buf, n, needle, strlen(needle)) != NULL) {
				fprintf(stderr, "%s holds %s\n", sub, needle);
				hits++;
			}
			free(buf);
		}
		fclose(f);
	}
	closedir(d);
	return hits;
}

static int
spooled_two(void *arg)
{
	return gateway_proc_inbox_count(arg) == 0 &&
	    gateway_proc_spool_count(arg) == 2;
}

int
main(void)
{
	struct pgcluster *pg;
	struct gateway_proc g;
	char spool[400];

	REQUIRE((pg = pgcluster_start("a PIN kept out of the spool")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_edit_config(&g, "area = \"SV\"; lang = \"pt\"; "
	    "pin = \"\";", "area = \"SV\"; lang = \"pt\"; pin = \"4321\";")
	    == 0, "fp-sv-01 needs a PIN");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!CHECK(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready")) {
		gateway_proc_dump_log(&g);
		return check_status();
	}

	CHECK(pgcluster_stop(pg, 0) == 0, "stop PostgreSQL");
	gateway_proc_drop_sms(&g, MARIA, "ALERTA SV SX U1 P4321 rua escura",
	    NULL);
	gateway_proc_drop_sms(&g, MARIA, "ALERTA SV SX U1 P9876 porta verde",
	    NULL);
	CHECK(test_wait_until(WAIT_MS, spooled_two, &g) == 0,
	    "inbox got=%d spool got=%d want 0 and 2",
	    gateway_proc_inbox_count(&g), gateway_proc_spool_count(&g));
	snprintf(spool, sizeof spool, "%s/spool", g.dir);
	CHECK(files_holding(spool, "4321") == 0, "no spool file holds the "
	    "right PIN");
	CHECK(files_holding(spool, "9876") == 0, "no spool file holds the "
	    "wrong PIN");
	/* The right PIN's forwards (Policia SV and the national desk) go
	 * at once; the wrong one waits for review. */
	CHECK(console_wait(&g, WAIT_MS, 2, "spool", "forwarded", NULL, NULL)
	    == 2, "forwards while the database is down got=%ld want=2",
	    console_value(&g, "spool", "forwarded", NULL, NULL));

	CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
	CHECK(stored_wait(pg, 2, WAIT_MS) == 0, "rows got=%ld want=2",
	    stored_count(pg, ""));
	CHECK(test_wait_until(WAIT_MS, gateway_proc_spool_empty, &g) == 0,
	    "spool empty");
	CHECK(stored_q(pg, "SELECT count(*) FROM message WHERE text IN "
	    "('ALERTA SV SX U1 P**** rua escura', 'ALERTA SV SX U1 P**** "
	    "porta verde')") == 2, "both stored, masked");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE text = "
	    "'rua escura' AND held_reason IS NULL AND state <> 'held'") == 1,
	    "the right PIN: routed (%s)", stored_qt(pg, "SELECT "
	    "string_agg(text || ' ' || state || ' ' || coalesce(held_reason, "
	    "'-'), ' | ') FROM alert"));
	CHECK(stored_q(pg, "SELECT count(*) FROM alert WHERE text = "
	    "'porta verde' AND held_reason = 'pin'") == 1,
	    "the wrong PIN: held for review");
	CHECK(stored_q(pg, "SELECT (SELECT count(*) FROM message WHERE text "
	    "~ '4321|9876') + (SELECT count(*) FROM alert WHERE text ~ "
	    "'4321|9876') + (SELECT count(*) FROM outbox WHERE text ~ "
	    "'4321|9876')") == 0, "no stored copy holds a PIN");
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
