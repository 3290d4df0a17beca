/*
 * test_faults_spool_full.c: the spool's disk full while PostgreSQL is
 * down (suites `integration` and `faults`; issue 20). The real farold, a
 * private PostgreSQL and gammu's dummy driver; farold's spool is a 256 KiB
 * tmpfs in the test's own mount namespace (root only: the test is skipped
 * otherwise), so the full disk is a real ENOSPC from the kernel.
 *
 * With the database down and the tmpfs filled but for a few pages, 30
 * reports arrive (U1 and U2): the first ones that fit are spooled, the
 * rest stay on the SIM. At every moment each report is on the SIM or in
 * the spool: nothing is deleted from the SIM that is not durable. The
 * database returns, then the disk is freed: every report is stored once,
 * with one alert, and no SMS goes twice; all within 40 s (an inbox retry
 * backs off up to 30 s, the outage is kept short).
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <signal.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 60000
#define PAGE 4096

enum { N = 30 };

static struct pgcluster *pg;
static struct gateway_proc g;
static char spool[320], filler[340];
static int pg_up = 1;

/* The test's own mount namespace, the spool a small tmpfs in it: the
 * mount goes with the test and its children (farold, PostgreSQL). */
static int
spool_on_tmpfs(void)
{
	snprintf(spool, sizeof spool, "%s/spool", g.dir);
	snprintf(filler, sizeof filler, "%s/filler", spool);
	if (mkdir(spool, 0700) != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("farol-spool", spool, "tmpfs", MS_NOSUID | MS_NODEV,
	    "size=256k,mode=0700") != 0) {
		printf("SKIP: a tmpfs spool needs root (unshare, mount): %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Fill the tmpfs, then free `room' pages of it. */
static int
fill(int room)
{
	static char page[PAGE];
	off_t size = 0;
	int fd;

	if ((fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	while (write(fd, page, sizeof page) == (ssize_t)sizeof page)
		size += PAGE;
	if (errno != ENOSPC && errno != 0)
		return -1;
	if (ftruncate(fd, size > room * PAGE ? size - room * PAGE : 0) != 0)
		return -1;
	return close(fd);
}

/* Nothing left the SIM that is not in the spool or stored: counted in
 * the order a report moves (SIM, spool, database), a report in flight is
 * counted twice, never missed. */
struct somewhere {
	long worst;
	int samples;
};

static void
sample(struct somewhere *s)
{
	long held = gateway_proc_inbox_count(&g), stored;

	held += gateway_proc_spool_count(&g);
	/* None was stored before the outage: 0 while the database is down. */
	stored = !pg_up ? 0 : stored_q(pg, "SELECT count(DISTINCT text) FROM message "
	    "WHERE text LIKE '%%cheio%%'");
	held += stored > 0 ? stored : 0;
	if (s->samples++ == 0 || held < s->worst)
		s->worst = held;
}

static int
numbers_reserved(void *arg)
{
	(void)arg;
	return console_value(&g, "spool", "numbers_reserved", NULL, NULL) >=
	    1000;
}

static int
all_stored(void *arg)
{
	struct somewhere *s = arg;

	sample(s);
	return stored_q(pg, "SELECT count(*) FROM message WHERE text LIKE "
	    "'%%cheio%%'") >= N && gateway_proc_inbox_count(&g) == 0 &&
	    gateway_proc_spool_count(&g) == 0;
}

static void
test_spool_full_database_down(void)
{
	struct somewhere s = { 0, 0 };
	char text[64];
	long t0, ms;
	int spooled;

	CHECK(test_wait_until(WAIT_MS, numbers_reserved, NULL) == 0,
	    "alert numbers reserved for an outage");
	pg_up = 0;
	CHECK(pgcluster_stop(pg, 1) == 0, "pg_ctl stop -m immediate");
	REQUIRE(fill(3) == 0, "fill the spool's disk");
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U%d disco cheio %02d",
		    i % 3 == 0 ? 1 : 2, i);
		CHECK(gateway_proc_drop_sms(&g, i % 2 ? "+2389912345" :
		    "+2389912346", text, NULL) == 0, "drop %d", i);
	}
	for (int i = 0; i < 30; i++) {		/* 3 s of the outage */
		sample(&s);
		test_sleep_ms(100);
	}
	spooled = gateway_proc_spool_count(&g);
	printf("spool full: %d of %d reports spooled, %d still on the SIM\n",
	    spooled, N, gateway_proc_inbox_count(&g));
	CHECK(spooled < N && gateway_proc_inbox_count(&g) > 0, "the disk "
	    "filled part-way: spooled got=%d, on the SIM got=%d", spooled,
	    gateway_proc_inbox_count(&g));
	CHECK(gateway_proc_alive(&g), "farold survives a full spool");

	CHECK(pgcluster_restart(pg) == 0, "start PostgreSQL");
	pg_up = 1;
	t0 = test_now_ms();
	test_sleep_ms(1000);
	sample(&s);
	CHECK(unlink(filler) == 0, "free the disk");
	CHECK(test_wait_until(WAIT_MS, all_stored, &s) == 0, "stored got=%ld "
	    "want=%d, SIM got=%d, spool got=%d", stored_q(pg, "SELECT "
	    "count(*) FROM message WHERE text LIKE '%%cheio%%'"), N,
	    gateway_proc_inbox_count(&g), gateway_proc_spool_count(&g));
	ms = test_now_ms() - t0;
	printf("spool full: every report stored %ld ms after the database "
	    "returned; %d samples\n", ms, s.samples);
	CHECK(ms <= 40000, "recovered within got=%ld ms want<=40000", ms);
	/* Each report was on the SIM or in the spool until it was stored. */
	CHECK(s.worst >= N, "reports on the SIM, spooled or stored at worst "
	    "got=%ld want=%d: a report left the SIM before it was durable",
	    s.worst, N);
	faults_check_reports(pg, "spool full", "%cheio%", N, 1);
	faults_check_sms_once(pg, &g, "spool full", WAIT_MS);
}

int
main(void)
{
	int status;

	REQUIRE((pg = pgcluster_start("faults_spool_full")) != NULL,
	    "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	if (spool_on_tmpfs() != 0) {
		gateway_proc_destroy(&g);
		pgcluster_destroy(pg);
		return 77;
	}
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(&g) == 0, "flood limit");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "database ready");
	test_spool_full_database_down();
	CHECK(gateway_proc_signal(&g, SIGTERM) == 0, "SIGTERM");
	status = gateway_proc_wait_exit(&g, WAIT_MS);
	CHECK(status == 0, "exit status got=%d want=0", status);
	if (check_status() != 0)
		gateway_proc_dump_log(&g);
	umount2(spool, MNT_DETACH);
	gateway_proc_destroy(&g);
	pgcluster_destroy(pg);
	return check_status();
}
