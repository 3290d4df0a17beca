/*
 * bench_idle.c: the CPU an idle farold uses (issue 17, item 6: on an
 * island the server may run on a solar battery).
 *
 *   dummy: the real farold on the test config (one modem, gammu's dummy
 *          driver, poll_interval = 1, as tests/integration/gateway_proc.c
 *          writes it), a private PostgreSQL, nothing arriving.
 *   at:    the same with gammu's real AT driver and the AT modem emulator
 *          (tests/emulator), which announces new messages by +CMTI.
 *
 * For each: start, wait until the database and the modem are ready, let
 * it settle for 5 s, then read farold's utime + stime from /proc/PID/stat
 * before and after S seconds (default 30) and print the CPU used as a
 * percentage of one CPU. The emulator's own counters tell how often the
 * SIM was listed (AT+CMGL) in that time.
 *
 * Run on demand (never a timed test):
 *   ninja -C build tests/bench/bench_idle
 *   FAROL_ATEMU=build/tests/emulator/farol-atemu \
 *       build/tests/bench/bench_idle [S]
 * Record results in tests/bench/RESULTS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "atemu_client.h"
#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"

#define WAIT_MS 30000
#define SETTLE_S 5

static struct pgcluster *pg;

static void
sleep_s(int s)
{
	struct timespec ts = { s, 0 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* One run: the CPU percentage, or -1. */
static double
measure(const char *what, struct atemu *emu, int seconds)
{
	struct gateway_proc g;
	long hz = sysconf(_SC_CLK_TCK), t0, t1;
	int cmgl0 = 0, cmgl1 = 0;
	double pct;

	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	if (emu != NULL)
		REQUIRE(gateway_proc_use_at_modem(&g, atemu_device(emu)) == 0,
		    "config pointed at the emulator");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (console_wait_db_ready(&g, WAIT_MS) != 0 ||
	    console_wait_modem(&g, "cv1", WAIT_MS) != 0) {
		gateway_proc_dump_log(&g);
		REQUIRE(0, "farold ready (%s)", what);
	}
	sleep_s(SETTLE_S);
	if (emu != NULL)
		cmgl0 = atemu_stat_int(emu, "cmgl");
	t0 = gateway_proc_cpu_ticks(&g);
	sleep_s(seconds);
	t1 = gateway_proc_cpu_ticks(&g);
	if (emu != NULL)
		cmgl1 = atemu_stat_int(emu, "cmgl");
	pct = t0 < 0 || t1 < 0 ? -1 : 100.0 * (double)(t1 - t0) /
	    (double)(hz * seconds);
	printf("%-6s %5ld ticks in %d s (%ld/s): %6.2f%% of one CPU",
	    what, t1 - t0, seconds, hz, pct);
	if (emu != NULL)
		printf(", SIM listed %d time(s)", cmgl1 - cmgl0);
	printf("\n");
	gateway_proc_finish(&g, WAIT_MS);
	return pct;
}

int
main(int argc, char **argv)
{
	struct atemu_opts o = { 0 };
	struct atemu *emu;
	const char *errstr;
	int seconds = argc > 1 ? atoi(argv[1]) : 30;

	if (seconds < 1)
		seconds = 30;
	REQUIRE((pg = pgcluster_start("bench_idle")) != NULL, "PostgreSQL");
	measure("dummy", NULL, seconds);
	REQUIRE(atemu_start(&o, &emu, &errstr) == 0, "emulator: %s", errstr);
	measure("at", emu, seconds);
	atemu_stop(emu);
	pgcluster_destroy(pg);
	return check_status();
}
