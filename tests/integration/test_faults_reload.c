/*
 * test_faults_reload.c: a storm of config reloads while reports arrive
 * (suites `integration` and `faults`; issue 20). The real farold, a
 * private PostgreSQL and gammu's dummy driver.
 *
 * 160 reports arrive at about 20 a second while the config is replaced and
 * reloaded 80 times, by `farolctl reload' and by SIGHUP, alternately valid
 * (Policia SV's first duty phone changed each time) and invalid (a syntax
 * error; a duty phone of the wrong length): every report is stored once,
 * with one alert and one forward to Policia SV; every invalid config is
 * refused; the modems send nothing twice; and the last valid config is in
 * force afterwards (a report after the storm is forwarded to its number).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define MARIA "+2389912345"	/* fp-sv-01: SV, routed to pn-sv */
#define PN_SV_1 "\"9920001\""	/* pn-sv's first rung in config/farol.conf */

static struct pgcluster *pg;
static struct gateway_proc g;
static char *base;		/* the test's config as gateway_proc made it */

static int
inbox_empty(void *arg)
{
	(void)arg;
	return gateway_proc_inbox_count(&g) == 0;
}

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);

	if (f == NULL || text == NULL)
		exit(1);
	if (fread(text, 1, (1 << 20) - 1, f) == 0)
		exit(1);
	fclose(f);
	return text;
}

/* The base config with pn-sv's first duty phone replaced by number. */
static int
write_config(const char *number, const char *extra)
{
	char *p = strstr(base, PN_SV_1), *text;
	size_t len = strlen(base) + strlen(number) + strlen(extra) + 1;
	int rc;

	if (p == NULL || (text = malloc(len)) == NULL)
		return -1;
	snprintf(text, len, "%.*s%s%s%s", (int)(p - base), base, number,
	    p + strlen(PN_SV_1), extra);
	rc = gateway_proc_write_config(&g, text);
	free(text);
	return rc;
}

static int
valid_config(int k, char *phone, size_t size)
{
	char number[16];

	snprintf(number, sizeof number, "\"99201%02d\"", k % 100);
	snprintf(phone, size, "+23899201%02d", k % 100);
	return write_config(number, "");
}

/* One invalid config of two kinds: libconfig cannot parse it, or a duty
 * phone is too short for the codebook's national_length. */
static int
invalid_config(int k)
{
	return (k / 4) % 2 ? write_config("\"99\"", "") :
	    write_config(PN_SV_1, "\nrouting = {\n");
}

static void
drop_reports(int from, int to)
{
	char text[64];

	for (int i = from; i < to; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U2 recarga %03d", i);
		CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0,
		    "drop %d", i);
	}
}

static void
test_reload_storm(void)
{
	enum { ROUNDS = 80, PER_ROUND = 2, N = ROUNDS * PER_ROUND };
	char phone[20] = "+2389920001", last[20] = "";
	int refused = 0, accepted = 0, hups = 0;
	long t0, stored_ms, forwarded;
	char *out;

	for (int i = 0; i < ROUNDS; i++) {
		drop_reports(i * PER_ROUND, (i + 1) * PER_ROUND);
		switch (i % 4) {
		case 0:		/* valid, farolctl: in force when it answers */
			CHECK(valid_config(i, phone, sizeof phone) == 0,
			    "write");
			out = NULL;
			if (CHECK(console_reload(&g, &out) == 0, "valid config "
			    "%d refused: %s", i, out ? out : ""))
				accepted++;
			free(out);
			break;
		case 1:		/* invalid, farolctl: refused */
			CHECK(invalid_config(i) == 0, "write");
			if (CHECK(console_reload(&g, NULL) != 0, "invalid "
			    "config %d accepted", i))
				refused++;
			break;
		case 2:		/* valid, SIGHUP */
		case 3:		/* invalid, SIGHUP */
			CHECK((i % 4 == 2 ? valid_config(i, phone, sizeof
			    phone) : invalid_config(i)) == 0, "write");
			CHECK(gateway_proc_signal(&g, SIGHUP) == 0, "SIGHUP");
			hups++;
			break;
		}
		test_sleep_ms(50);
	}
	/* The last word: a valid config by farolctl, then an invalid one
	 * by SIGHUP and by farolctl; the valid one must stay in force. */
	CHECK(valid_config(ROUNDS, last, sizeof last) == 0, "write");
	CHECK(console_reload(&g, NULL) == 0, "the last valid config");
	CHECK(invalid_config(ROUNDS) == 0, "write");
	CHECK(gateway_proc_signal(&g, SIGHUP) == 0, "SIGHUP");
	CHECK(console_reload(&g, NULL) != 0, "the last invalid config "
	    "refused");
	printf("reload storm: %d reloads by farolctl accepted, %d refused, "
	    "%d SIGHUPs, %d reports\n", accepted, refused, hups, N);

	t0 = test_now_ms();
	CHECK(stored_wait(pg, N, WAIT_MS) == 0, "stored got=%ld want=%d",
	    stored_count(pg, ""), N);
	stored_ms = test_now_ms() - t0;
	printf("reload storm: every report stored %ld ms after the last "
	    "arrived\n", stored_ms);
	CHECK(stored_ms <= 10000, "stored within got=%ld ms want<=10000",
	    stored_ms);
	CHECK(test_wait_until(WAIT_MS, inbox_empty, NULL) == 0, "inbox "
	    "got=%d want=0", gateway_proc_inbox_count(&g));
	faults_check_reports(pg, "reload storm", "%recarga%", N, 1);
	forwarded = stored_wait_q(pg, WAIT_MS, N, "SELECT count(*) FROM "
	    "outbox WHERE purpose = 'forward' AND authority_id = 'pn-sv' AND "
	    "state = 'submitted'");
	CHECK(forwarded == N && stored_q(pg, "SELECT count(*) FROM (SELECT 1 "
	    "FROM outbox WHERE purpose = 'forward' GROUP BY alert_id HAVING "
	    "count(*) <> 1) x") == 0, "one forward per alert got=%ld want=%d",
	    forwarded, N);

	/* The last valid config is in force. */
	CHECK(gateway_proc_drop_sms(&g, MARIA, "ALERTA SV SX U2 depois",
	    NULL) == 0, "drop");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM outbox o "
	    "JOIN alert a ON a.id = o.alert_id JOIN message m ON m.id = "
	    "a.message_id WHERE m.text LIKE '%%depois' AND o.purpose = "
	    "'forward' AND o.recipient = '%s'", last) == 1, "the report after the storm is forwarded to %s, the "
	    "last valid config's", last);
	faults_check_sms_once(pg, &g, "reload storm", WAIT_MS);
	CHECK(gateway_proc_alive(&g), "farold survived the storm");
}

int
main(void)
{
	REQUIRE((pg = pgcluster_start("faults_reload")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "flood limit");
	REQUIRE(gateway_proc_edit_config(&g, "reply_limit = { max = 20; "
	    "per_s = 3600; };", "reply_limit = { max = 1000; per_s = 1; };")
	    == 0, "reply limit");
	base = read_all(g.conf);
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	test_reload_storm();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	free(base);
	pgcluster_destroy(pg);
	return check_status();
}
