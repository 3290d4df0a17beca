/*
 * test_faults_clock.c: the wall clock stepped an hour forward and back, as
 * NTP does on a server that was off (suites `integration` and `faults`;
 * issue 20). The real farold, a private PostgreSQL and gammu's dummy
 * driver. The machine's clock cannot be stepped in CI: farold's is, by
 * the test-only offset file FAROL_TEST_CLOCK_OFFSET names
 * (gateway/wallclock.h), read at each use of the wall clock.
 *
 * A U1 alert's rungs are due 30 s and 60 s after it by the database's
 * clock (ack_timeout = 30); a U3 alert waits for the digest. Then:
 *   - the clock steps an hour forward, 10 s before digest_at: the digest
 *     goes when the wall clock reaches digest_at, not before, and not an
 *     hour later (the timer runs on the monotonic clock);
 *   - a second U3 alert; digest_at set 15 s ahead of that clock, which
 *     then steps an hour back: 20 s pass and no digest goes (by the wall
 *     clock it is an hour away); the clock steps forward again, past
 *     digest_at: the digest goes, with the second alert only;
 *   - meanwhile rung 2 fell due: it went at its time, not early, not
 *     late; rung 3 keeps its due time (60 s after the alert).
 * And as in every fault test: each report stored once, one alert each,
 * each digest item in one digest, no SMS twice.
 */
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
#define HOUR 3600

static struct pgcluster *pg;
static struct gateway_proc g;
static char offset_file[320];
static long offset;			/* what farold's clock is ahead */
static char digest_at[32] = "\"08:00\"";	/* as in the config */

/* Step farold's wall clock: it reads the file at each use. */
static void
set_offset(long s)
{
	char tmp[340];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.new", offset_file);
	REQUIRE((f = fopen(tmp, "w")) != NULL, "%s", tmp);
	fprintf(f, "%ld\n", s);
	REQUIRE(fclose(f) == 0 && rename(tmp, offset_file) == 0, "offset");
	offset = s;
}

/* escalation.u3.digest_at at farold's wall clock + ahead_s (TZ=UTC). */
static void
set_digest_at(long ahead_s)
{
	time_t at = time(NULL) + offset + ahead_s;
	char new[32];
	struct tm tm;

	gmtime_r(&at, &tm);
	strftime(new, sizeof new, "\"%H:%M:%S\"", &tm);
	REQUIRE(gateway_proc_edit_config(&g, digest_at, new) == 0,
	    "digest_at %s", new);
	snprintf(digest_at, sizeof digest_at, "%s", new);
	REQUIRE(console_reload(&g, NULL) == 0, "reload");
}

static long
digests(void)
{
	return stored_q(pg, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'digest'");
}

static void
drop(const char *text)
{
	CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0, "drop %s",
	    text);
}

static void
test_clock_steps(void)
{
	long t_step, ms, first, before;

	drop("ALERTA SV SX U1 relogio");
	drop("ALERTA SV SX U3 relogio um");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM alert WHERE "
	    "urgency = 1 AND state = 'forwarded'") == 1, "U1 forwarded");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM digest_item "
	    "WHERE done_at IS NULL") == 1, "the U3 alert waits for the digest");

	/* An hour forward, 10 s before digest_at. */
	set_digest_at(HOUR + 10);
	set_offset(HOUR);
	t_step = test_now_ms();
	test_sleep_ms(5000);
	CHECK(digests() == 0, "no digest before digest_at got=%ld", digests());
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM outbox "
	    "WHERE purpose = 'digest'") == 1, "the digest, an hour forward");
	ms = test_now_ms() - t_step;
	printf("clock: the digest went %ld ms after the step forward (due "
	    "10 s after it)\n", ms);
	CHECK(ms >= 8000 && ms <= 25000, "the digest went got=%ld ms after "
	    "the step want 8000..25000: at digest_at by the wall clock", ms);

	/* An hour back, with digest_at 15 s ahead of the clock it left. */
	drop("ALERTA SV SX U3 relogio dois");
	CHECK(stored_wait_q(pg, WAIT_MS, 1, "SELECT count(*) FROM digest_item "
	    "WHERE done_at IS NULL") == 1, "the second U3 alert waits");
	before = digests();
	set_digest_at(15);
	set_offset(0);
	test_sleep_ms(20000);
	CHECK(digests() == before, "no digest an hour early got=%ld want=%ld",
	    digests(), before);

	/* Forward again, past digest_at: the second digest goes. */
	set_offset(HOUR);
	first = stored_q(pg, "SELECT min(id) FROM outbox WHERE purpose = "
	    "'digest'");
	CHECK(stored_wait_q(pg, WAIT_MS, 2, "SELECT count(*) FROM outbox "
	    "WHERE purpose = 'digest'") == 2 && before == 1, "the second "
	    "digest");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'digest' AND id > %ld AND text LIKE '%%relogio um%%'", first) ==
	    0, "the second digest does not list the first alert again");
	CHECK(stored_q(pg, "SELECT count(*) FROM digest_item WHERE done_at "
	    "IS NULL") == 0 && stored_q(pg, "SELECT count(*) FROM digest_item")
	    == 2, "each digest item in one digest");

	/* Rung 2 (Policia SV's and the national desk's) went at its time
	 * by the database's clock; rung 3 keeps its own. */
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'escalation' AND rung = 2 AND state = 'submitted' AND "
	    "submitted_at >= not_before AND submitted_at < not_before + "
	    "interval '10 seconds' AND not_before - created_at BETWEEN "
	    "interval '29 seconds' AND interval '31 seconds'") == 2, "rung 2 "
	    "sent at its time, 30 s after the alert");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'escalation' AND (submitted_at < not_before OR (state = 'queued' "
	    "AND not_before < now() - interval '10 seconds'))") == 0,
	    "no rung early, none late");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox WHERE purpose = "
	    "'escalation' AND rung = 3 AND not_before - created_at BETWEEN "
	    "interval '59 seconds' AND interval '61 seconds'") == 1, "rung 3 "
	    "due 60 s after the alert");

	faults_check_reports(pg, "clock", "%relogio%", 3, 1);
	faults_check_sms_once(pg, &g, "clock", WAIT_MS);
}

int
main(void)
{
	setenv("TZ", "UTC0", 1);	/* digest_at is local time */
	REQUIRE((pg = pgcluster_start("faults_clock")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	snprintf(offset_file, sizeof offset_file, "%s/clock_offset", g.dir);
	set_offset(0);
	setenv("FAROL_TEST_CLOCK_OFFSET", offset_file, 1);
	REQUIRE(gateway_proc_edit_config(&g, "u1 = { ack_timeout = 300;",
	    "u1 = { ack_timeout = 30;") == 0, "ack_timeout");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	test_clock_steps();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
