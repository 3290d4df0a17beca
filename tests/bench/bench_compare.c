/*
 * bench_compare.c: farol next to gammu-smsd and to libgammu alone, on the
 * same load (N one-part messages waiting in gammu's dummy driver when the
 * system starts) and the same private PostgreSQL, in one run. Driven by
 * tests/bench/compare, which installs gammu-smsd first.
 *
 *   raw:    this program again (`bench_compare raw DIR N`), a fresh
 *           process: GSM_GetNextSMS over the SIM, then GSM_DeleteSMS each
 *           (libgammu alone, nothing stored: the limit).
 *   gammu:  gammu-smsd 1.42, Service = sql, Driver = native_pgsql, its
 *           schema from the Debian package's examples/pgsql.sql, in a
 *           database of its own: one inbox row per message.
 *   farol:  farold, the full path: every message a valid U1 report from
 *           one of 40 registered focal points (so no flood quarantine):
 *           message, alert, events, receipt, forwards and rungs.
 *
 * The systems alternate (the order rotates with each N), so each sees the
 * same machine. Figures, for each system and N:
 *   drain/s    N over the time from the process started to the last row
 *              stored (raw: over its read + delete);
 *   first row  from the process started to the first row stored (raw:
 *              to the first message read); for farol also from its log's
 *              "modem connected" (the 50 ms target);
 *   VmHWM      the process's peak resident memory, read from
 *              /proc/PID/status once the last row is stored;
 *   CPU s      the process's user + system time, same moment; "pg CPU s"
 *              what the PostgreSQL server's processes used meanwhile.
 * Rows are timed by PostgreSQL itself: the bench adds a column
 * bench_stored_at timestamptz DEFAULT clock_timestamp() to the table
 * each system inserts a message into (gammu's inbox, farol's message),
 * so nothing polls the database at a rate that would slow it.
 * Then the idle latency: with each daemon running and nothing queued,
 * P messages one at a time, from the file landing in the modem's
 * directory to its row stored (both poll the modem every second:
 * farol's poll_interval = 1, gammu-smsd's ReceiveFrequency = 1).
 *
 *   build/tests/bench/bench_compare [P N...]    (default 20 1000 5000 10000)
 *
 * BENCH_ONLY=raw|gammu|farol runs that system only (P = 0: no idle
 * phase), to profile one.
 * BENCH_PG_STATS=1 prints, after each farol run, PostgreSQL's heaviest
 * statements (pg_stat_statements, nested ones too) and the rows per report.
 * BENCH_FAROL_BUILD=DIR runs DIR/gateway/farold (and farolctl) instead of
 * this build's: another version, for a before and after in one run.
 * BENCH_INGEST_CONNECTIONS=N sets database.ingest_connections (the
 * ingest lanes; config/farol.conf leaves the default, 2).
 * BENCH_THREADS=1 prints, to stderr, the CPU time of each of farold's
 * threads when the last row is stored, and how many times each was
 * scheduled in (/proc/PID/task/TID/schedstat: nanoseconds, not clock
 * ticks).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gammu.h>
#include <libpq-fe.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "testproc.h"

#define FOCAL_POINTS	40
#define GAMMU_SQL	"/usr/share/doc/gammu-smsd/examples/pgsql.sql"
#define MAX_N		20

enum system { SYS_RAW, SYS_GAMMU, SYS_FAROL, SYS_COUNT };
static const char *sys_name[SYS_COUNT] = { "raw libgammu", "gammu-smsd",
    "farol" };
static const char *sys_tag[SYS_COUNT] = { "raw", "gammu", "farol" };

struct figures {
	double rate, first_s, connected_first_s, hwm_mb, cpu_s, pg_cpu_s;
	int ran;
};

struct idle {
	double p50_ms, max_ms;
	int n;
};

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmHWM of pid, in MB; -1 if unreadable. */
static double
proc_hwm_mb(pid_t pid)
{
	long kb = testproc_hwm_kb(pid);

	return kb < 0 ? -1 : kb / 1024.0;
}

/* utime + stime of pid in seconds, and its parent; -1 if unreadable. */
static double
proc_cpu_s(pid_t pid, pid_t *ppid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	int pp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command's closing parenthesis: state ppid ... field 14
	 * utime, 15 stime. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &pp, &ut,
	    &st) != 3)
		return -1;
	if (ppid != NULL)
		*ppid = pp;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* With BENCH_THREADS: each thread's CPU seconds so far and times it was
 * scheduled in (schedstat's first and third fields). */
static void
print_threads(pid_t pid)
{
	char path[300], comm[64];
	struct dirent *de;
	unsigned long long ns, wait, slices;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return;
	fprintf(stderr, "farold threads:");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat",
		    (int)pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu %llu %llu", &ns, &wait, &slices) != 3)
			ns = slices = 0;
		fclose(f);
		snprintf(path, sizeof path, "/proc/%d/task/%s/comm", (int)pid,
		    de->d_name);
		comm[0] = '\0';
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(comm, sizeof comm, f) == NULL)
				comm[0] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		fprintf(stderr, " %s%s/%s %.3f s %llu in;", atoi(de->d_name) ==
		    (int)pid ? "main:" : "", comm, de->d_name, ns / 1e9,
		    slices);
	}
	closedir(d);
	fprintf(stderr, "\n");
}

/* CPU seconds of the private cluster's postmaster and its children. */
static double
pg_cpu_s(struct pgcluster *pg)
{
	char path[512];
	struct dirent *de;
	double sum = 0, s;
	pid_t pm = 0, pp;
	FILE *f;
	DIR *d;
	int pid;

	snprintf(path, sizeof path, "%s/data/postmaster.pid",
	    pgcluster_dir(pg));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%d", &pid) == 1)
		pm = pid;
	fclose(f);
	if (pm <= 0 || (d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if ((pid = atoi(de->d_name)) <= 0)
			continue;
		if ((s = proc_cpu_s(pid, &pp)) >= 0 && (pid == pm || pp == pm))
			sum += s;
	}
	closedir(d);
	return sum;
}

static PGconn *
db_connect(struct pgcluster *pg, const char *dbname)
{
	char conninfo[600];
	PGconn *c;

	snprintf(conninfo, sizeof conninfo, "host=%s port=5432 dbname=%s "
	    "user=farol", pgcluster_dir(pg), dbname);
	c = PQconnectdb(conninfo);
	REQUIRE(PQstatus(c) == CONNECTION_OK, "connect %s: %s", dbname,
	    PQerrorMessage(c));
	return c;
}

static void
db_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	REQUIRE(PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(c));
	PQclear(r);
}

/* The single value of sql as a double (0 for NULL). */
static double
db_value(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	double v;

	REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1,
	    "%s: %s", sql, PQerrorMessage(c));
	v = PQgetisnull(r, 0, 0) ? 0 : atof(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static void
create_database(struct pgcluster *pg, const char *name)
{
	PGconn *c = db_connect(pg, "farol");
	char sql[200];

	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	db_exec(c, "SET client_min_messages = warning");
	db_exec(c, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	db_exec(c, sql);
	PQfinish(c);
}

/* Wait until table holds want rows (polled every 100 ms on one
 * connection, cheap next to the work measured). */
static int
wait_rows(PGconn *c, const char *table, long want, int timeout_s,
    pid_t pid)
{
	char sql[200];
	double end = wall_s() + timeout_s;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	while (wall_s() < end) {
		if ((long)db_value(c, sql) >= want)
			return 0;
		if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		test_sleep_ms(100);
	}
	return -1;
}

/* N reports in the dummy modem's inbox, from the focal points in turn
 * (the same texts for every system). */
static void
fill(struct gateway_proc *g, int n)
{
	static const char *area[] = { "SV", "ST", "SL" };
	char text[96], from[32];

	for (int i = 0; i < n; i++) {
		snprintf(from, sizeof from, "+23897%05d", i % FOCAL_POINTS);
		snprintf(text, sizeof text, "ALERTA %s SX U1 V2 MENOR relato "
		    "%05d bar", area[i % FOCAL_POINTS % 3], i);
		REQUIRE(gateway_proc_drop_sms(g, from, text, NULL) == 0,
		    "drop %d", i);
	}
}

/* The raw child: read the whole SIM, then delete each; prints its rate,
 * first read, VmHWM and CPU on one line. */
static int
raw_main(const char *dir, int n)
{
	GSM_StateMachine *sm = GSM_AllocStateMachine();
	GSM_MultiSMSMessage multi;
	GSM_Config *gc = GSM_GetConfig(sm, 0);
	GSM_SMSMessage del;
	int *locations = calloc((size_t)n + 1, sizeof *locations);
	int count = 0, start = 1;
	double t0, t1, first = -1;
	struct rusage ru;

	if (locations == NULL)
		return 1;
	t0 = wall_s();
	free(gc->Device);
	free(gc->Connection);
	gc->Device = strdup(dir);
	gc->Connection = strdup("none");
	snprintf(gc->Model, sizeof gc->Model, "dummy");
	gc->DebugLevel[0] = '\0';
	gc->LockDevice = FALSE;
	gc->UseGlobalDebugFile = FALSE;
	GSM_SetConfigNum(sm, 1);
	if (GSM_InitConnection(sm, 1) != ERR_NONE)
		return 1;
	memset(&multi, 0, sizeof multi);
	for (;;) {
		multi.SMS[0].Folder = 0;
		if (GSM_GetNextSMS(sm, &multi, start) != ERR_NONE)
			break;
		if (first < 0)
			first = wall_s() - t0;
		start = 0;
		for (int i = 0; i < multi.Number && count < n; i++)
			locations[count++] = multi.SMS[i].Location;
	}
	for (int i = 0; i < count; i++) {
		memset(&del, 0, sizeof del);
		del.Location = locations[i];
		GSM_DeleteSMS(sm, &del);
	}
	t1 = wall_s();
	GSM_TerminateConnection(sm);
	GSM_FreeStateMachine(sm);
	getrusage(RUSAGE_SELF, &ru);
	printf("%d %f %f %f %f\n", count, count / (t1 - t0), first,
	    proc_hwm_mb(getpid()), ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return count == n ? 0 : 1;
}

static struct figures
run_raw(struct pgcluster *pg, const char *self, int n)
{
	struct figures f = { 0 };
	struct gateway_proc g;
	char cmd[1024];
	int count = 0;
	FILE *p;

	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	fill(&g, n);
	snprintf(cmd, sizeof cmd, "%s raw %s %d", self, g.modem, n);
	REQUIRE((p = popen(cmd, "r")) != NULL, "popen");
	CHECK(fscanf(p, "%d %lf %lf %lf %lf", &count, &f.rate, &f.first_s,
	    &f.hwm_mb, &f.cpu_s) == 5, "raw output");
	CHECK(pclose(p) == 0 && count == n, "raw read %d of %d", count, n);
	gateway_proc_destroy(&g);
	f.connected_first_s = -1;
	f.pg_cpu_s = 0;
	f.ran = 1;
	return f;
}

/* Row times, as seconds after t0 (wall clock), from table's
 * bench_stored_at. */
static void
row_times(PGconn *c, const char *table, double t0, double *first,
    double *last)
{
	char sql[200];

	snprintf(sql, sizeof sql, "SELECT extract(epoch FROM "
	    "min(bench_stored_at)) FROM %s", table);
	*first = db_value(c, sql) - t0;
	snprintf(sql, sizeof sql, "SELECT extract(epoch FROM "
	    "max(bench_stored_at)) FROM %s", table);
	*last = db_value(c, sql) - t0;
}

static void
stop_child(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		test_sleep_ms(100);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* gammu-smsd's config: the dummy modem, the sql service on db. */
static void
gammu_config(struct pgcluster *pg, const char *dir, const char *modem,
    const char *db, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/smsdrc", dir);
	REQUIRE((f = fopen(path, "w")) != NULL, "smsdrc");
	fprintf(f, "[gammu]\ndevice = %s\nmodel = dummy\nconnection = none\n"
	    "\n[smsd]\nservice = sql\ndriver = native_pgsql\nhost = %s\n"
	    "user = farol\npassword = \ndatabase = %s\nlogfile = %s/smsd.log\n"
	    "debuglevel = 0\nreceivefrequency = 1\ncommtimeout = 1\n"
	    "phoneid = bench\n", modem, pgcluster_dir(pg), db, dir);
	REQUIRE(fclose(f) == 0, "smsdrc");
}

static pid_t
gammu_start(const char *config, const char *dir)
{
	char log[512];
	pid_t pid;
	int fd;

	snprintf(log, sizeof log, "%s/smsd.out", dir);
	REQUIRE((pid = fork()) >= 0, "fork");
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("gammu-smsd", "gammu-smsd", "-c", config, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* A fresh database with gammu's schema (its CREATE LANGUAGE fails on a
 * PostgreSQL that has plpgsql already: psql goes on). */
static PGconn *
gammu_database(struct pgcluster *pg, const char *db)
{
	char cmd[1024];
	PGconn *c;

	create_database(pg, db);
	snprintf(cmd, sizeof cmd, "psql -X -q -h %s -U farol -d %s -f %s "
	    ">/dev/null 2>&1", pgcluster_dir(pg), db, GAMMU_SQL);
	REQUIRE(system(cmd) != 127, "psql");
	c = db_connect(pg, db);
	db_exec(c, "ALTER TABLE inbox ADD COLUMN bench_stored_at timestamptz "
	    "DEFAULT clock_timestamp()");
	return c;
}

static struct figures
run_gammu(struct pgcluster *pg, int n)
{
	struct figures f = { 0 };
	struct gateway_proc g;
	char config[512], db[32];
	double t0, pg0, last;
	PGconn *c;
	pid_t pid;

	snprintf(db, sizeof db, "smsd_%d", n);
	c = gammu_database(pg, db);
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	gammu_config(pg, g.dir, g.modem, db, config, sizeof config);
	fill(&g, n);
	pg0 = pg_cpu_s(pg);
	t0 = wall_s();
	pid = gammu_start(config, g.dir);
	CHECK(wait_rows(c, "inbox", n, 900, pid) == 0, "gammu-smsd stored "
	    "%.0f of %d", db_value(c, "SELECT count(*) FROM inbox"), n);
	f.hwm_mb = proc_hwm_mb(pid);
	f.cpu_s = proc_cpu_s(pid, NULL);
	f.pg_cpu_s = pg_cpu_s(pg) - pg0;
	stop_child(pid);
	row_times(c, "inbox", t0, &f.first_s, &last);
	f.rate = n / last;
	f.connected_first_s = -1;
	f.ran = 1;
	PQfinish(c);
	gateway_proc_destroy(&g);
	return f;
}

/* The default config with FOCAL_POINTS more focal points (+23897000NN,
 * areas SV, ST, SL in turn) and no flood limit that 10,000 reports from
 * them would reach. */
static void
farol_config(struct gateway_proc *g)
{
	static const char *area[] = { "SV", "ST", "SL" };
	char *list = malloc(FOCAL_POINTS * 160 + 64);
	const char *lanes;
	size_t len;

	REQUIRE(list != NULL, "memory");
	len = (size_t)sprintf(list, "focal_points = (\n");
	for (int i = 0; i < FOCAL_POINTS; i++)
		len += (size_t)sprintf(list + len, "  { id = \"fp-bench-%02d\";"
		    " name = \"Bench\"; phone = \"97%05d\"; area = \"%s\"; "
		    "lang = \"pt\"; pin = \"\"; active = true; },\n", i, i,
		    area[i % 3]);
	REQUIRE(gateway_proc_edit_config(g, "focal_points = (\n", list) ==
	    0, "focal points");
	REQUIRE(GATEWAY_PROC_NO_FLOOD_LIMIT(g) == 0, "flood limit");
	free(list);
	if ((lanes = getenv("BENCH_INGEST_CONNECTIONS")) != NULL) {
		char set[64];

		snprintf(set, sizeof set, "  ingest_connections = %d;\n",
		    atoi(lanes));
		REQUIRE(gateway_proc_edit_config(g, "  # ingest_connections = "
		    "2;\n", set) == 0, "ingest_connections");
	}
}

/* Seconds since midnight UTC of a farold log line ("...THH:MM:SS.mmmZ"),
 * of the last line holding needle; -1 if none. */
static double
log_last_time(const char *path, const char *needle)
{
	char line[2048];
	double t = -1;
	int h, m, s, ms;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, needle) != NULL && sscanf(line,
		    "%*10sT%d:%d:%d.%dZ", &h, &m, &s, &ms) == 4)
			t = h * 3600.0 + m * 60.0 + s + ms / 1000.0;
	fclose(f);
	return t;
}

/* A farold on a fresh database db with the schema made (a first start
 * migrates, which the measured start then does not), the rows timed. */
static PGconn *
farol_prepare(struct pgcluster *pg, struct gateway_proc *g, const char *db)
{
	char conninfo[600];
	const char *other;
	PGconn *c;

	create_database(pg, db);
	snprintf(conninfo, sizeof conninfo, "host=%s port=5432 dbname=%s "
	    "user=farol", pgcluster_dir(pg), db);
	REQUIRE(gateway_proc_init(g, conninfo) == 0, "init");
	if ((other = getenv("BENCH_FAROL_BUILD")) != NULL)
		snprintf(g->build_root, sizeof g->build_root, "%s", other);
	farol_config(g);
	g->default_log_level = 1;	/* debug logging would cost */
	REQUIRE(gateway_proc_start(g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(g, 60000) == 0, "db ready");
	REQUIRE(gateway_proc_signal(g, SIGTERM) == 0 &&
	    gateway_proc_wait_exit(g, 60000) == 0, "farold stop");
	truncate(g->log, 0);
	c = db_connect(pg, db);
	db_exec(c, "ALTER TABLE message ADD COLUMN bench_stored_at "
	    "timestamptz DEFAULT clock_timestamp()");
	return c;
}

/* With BENCH_PG_STATS: the statements PostgreSQL ran for this database,
 * nested ones (inside the SQL functions) included, heaviest first, and
 * the rows each table got, per report. */
static void
print_pg_stats(PGconn *c, int n)
{
	PGresult *r;
	char sql[800];

	db_exec(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
	snprintf(sql, sizeof sql, "SELECT round(s.total_exec_time::numeric, "
	    "0), round((s.calls::numeric / %d), 2), round((s.rows::numeric / "
	    "%d), 2), left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) "
	    "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
	    "WHERE d.datname = current_database() ORDER BY s.total_exec_time "
	    "DESC LIMIT 25", n, n);
	r = PQexec(c, sql);
	REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK, "%s",
	    PQerrorMessage(c));
	printf("PostgreSQL, N = %d: %8s %8s %8s  statement\n", n, "ms",
	    "calls/N", "rows/N");
	for (int i = 0; i < PQntuples(r); i++)
		printf("  %8s %8s %8s  %s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3));
	PQclear(r);
	snprintf(sql, sizeof sql, "SELECT relname, round(n_tup_ins::numeric "
	    "/ %d, 2), round(n_tup_upd::numeric / %d, 2) FROM "
	    "pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0 ORDER BY "
	    "n_tup_ins DESC", n, n);
	r = PQexec(c, sql);
	REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK, "%s",
	    PQerrorMessage(c));
	printf("rows per report: table, inserted, updated\n");
	for (int i = 0; i < PQntuples(r); i++)
		printf("  %-20s %6s %6s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	PQclear(r);
}

static struct figures
run_farol(struct pgcluster *pg, int n)
{
	struct figures f = { 0 };
	struct gateway_proc g;
	double t0, pg0, last, connected, midnight;
	char db[32];
	PGconn *c;

	snprintf(db, sizeof db, "farol_%d", n);
	c = farol_prepare(pg, &g, db);
	fill(&g, n);
	pg0 = pg_cpu_s(pg);
	t0 = wall_s();
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	CHECK(wait_rows(c, "message", n, 900, 0) == 0, "farol stored %.0f "
	    "of %d", db_value(c, "SELECT count(*) FROM message"), n);
	f.hwm_mb = proc_hwm_mb(g.pid);
	f.cpu_s = proc_cpu_s(g.pid, NULL);
	f.pg_cpu_s = pg_cpu_s(pg) - pg0;
	if (getenv("BENCH_THREADS") != NULL)
		print_threads(g.pid);
	CHECK(db_value(c, "SELECT count(*) FROM alert") == n,
	    "farol: every message an alert (no quarantine)");
	row_times(c, "message", t0, &f.first_s, &last);
	f.rate = n / last;
	midnight = (double)((long long)t0 / 86400 * 86400);
	/* The modem's line ("modem NAME: connected (none, dummy)"), not a
	 * database connection's ("connected (schema version N)"), which
	 * an ingest lane logs later. */
	connected = log_last_time(g.log, "connected (none, dummy)");
	f.connected_first_s = connected < 0 ? -1 :
	    f.first_s + t0 - (midnight + connected);
	f.ran = 1;
	CHECK(gateway_proc_finish(&g, 60000) == 0, "farold exit");
	if (getenv("BENCH_PG_STATS") != NULL)
		print_pg_stats(c, n);
	PQfinish(c);
	return f;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Idle: p messages one at a time into a running, idle system's modem;
 * each from its file renamed into place to its row. */
static struct idle
idle_latency(PGconn *c, const char *table, struct gateway_proc *g, int p)
{
	struct idle r = { 0 };
	double *lat = calloc((size_t)p, sizeof *lat), dropped, at;
	char sql[200], text[96];

	REQUIRE(lat != NULL, "memory");
	for (int i = 0; i < p; i++) {
		/* Somewhere in the next poll interval, not in step with it. */
		test_sleep_ms(100 + rand() % 1000);
		snprintf(text, sizeof text, "ALERTA SV SX U1 V2 MENOR parado "
		    "%05d bar", i);
		dropped = wall_s();
		REQUIRE(gateway_proc_drop_sms(g, "+2389700000", text, NULL) ==
		    0, "drop");
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE "
		    "bench_stored_at > to_timestamp(%f)", table, dropped);
		for (int t = 0; t < 3000 && db_value(c, sql) < 1; t++)
			test_sleep_ms(10);
		snprintf(sql, sizeof sql, "SELECT extract(epoch FROM "
		    "max(bench_stored_at)) FROM %s", table);
		at = db_value(c, sql);
		CHECK(at > dropped, "idle message %d stored", i);
		lat[r.n++] = (at - dropped) * 1000;
	}
	qsort(lat, (size_t)r.n, sizeof *lat, cmp_double);
	r.p50_ms = lat[r.n / 2];
	r.max_ms = lat[r.n - 1];
	free(lat);
	return r;
}

static struct idle
idle_gammu(struct pgcluster *pg, int p)
{
	struct gateway_proc g;
	struct idle r;
	char config[512];
	PGconn *c = gammu_database(pg, "smsd_idle");
	pid_t pid;

	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	gammu_config(pg, g.dir, g.modem, "smsd_idle", config, sizeof config);
	pid = gammu_start(config, g.dir);
	test_sleep_ms(3000);		/* its start-up checks */
	r = idle_latency(c, "inbox", &g, p);
	stop_child(pid);
	PQfinish(c);
	gateway_proc_destroy(&g);
	return r;
}

static struct idle
idle_farol(struct pgcluster *pg, int p)
{
	struct gateway_proc g;
	struct idle r;
	PGconn *c = farol_prepare(pg, &g, "farol_idle");

	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, 60000) == 0, "db ready");
	r = idle_latency(c, "message", &g, p);
	CHECK(gateway_proc_finish(&g, 60000) == 0, "farold exit");
	PQfinish(c);
	return r;
}

static void
print_table(const int *ns, int k, struct figures f[][SYS_COUNT],
    const struct idle *idle)
{
	char first[32];

	printf("%-13s %6s %9s %10s %8s %7s %9s %9s %9s\n", "system", "N",
	    "drain/s", "first row", "VmHWM", "CPU s", "pg CPU s", "farol/x",
	    "% of raw");
	for (int i = 0; i < k; i++) {
		for (int s = 0; s < SYS_COUNT; s++) {
			const struct figures *x = &f[i][s];
			const struct figures *fa = &f[i][SYS_FAROL];
			const struct figures *raw = &f[i][SYS_RAW];

			if (!x->ran)
				continue;
			if (x->connected_first_s >= 0)
				snprintf(first, sizeof first, "%.3f s*",
				    x->first_s);
			else
				snprintf(first, sizeof first, "%.3f s",
				    x->first_s);
			printf("%-13s %6d %9.0f %10s %5.1f MB %7.2f %9.2f "
			    "%8.1fx %8.0f%%\n", sys_name[s], ns[i], x->rate,
			    first, x->hwm_mb, x->cpu_s, x->pg_cpu_s,
			    x->rate > 0 ? fa->rate / x->rate : 0,
			    raw->rate > 0 ? 100 * x->rate / raw->rate : 0);
		}
		if (f[i][SYS_FAROL].connected_first_s >= 0)
			printf("%-13s %6d  * first row %.1f ms after farold's "
			    "\"modem connected\"\n", "", ns[i],
			    f[i][SYS_FAROL].connected_first_s * 1000);
	}
	if (idle[0].n == 0)
		return;
	printf("idle, arrival (file in the modem's directory) to stored, "
	    "%d messages, both polling the modem every 1 s:\n", idle[0].n);
	printf("  %-13s p50 %7.0f ms  max %7.0f ms\n", sys_name[SYS_GAMMU],
	    idle[0].p50_ms, idle[0].max_ms);
	printf("  %-13s p50 %7.0f ms  max %7.0f ms\n", sys_name[SYS_FAROL],
	    idle[1].p50_ms, idle[1].max_ms);
}

int
main(int argc, char **argv)
{
	static struct figures f[MAX_N][SYS_COUNT];
	struct idle idle[2];
	struct pgcluster *pg;
	int ns[MAX_N], k = 0, p = 20;
	const char *only = getenv("BENCH_ONLY");

	if (argc == 4 && strcmp(argv[1], "raw") == 0)
		return raw_main(argv[2], atoi(argv[3]));
	if (argc > 1)
		p = atoi(argv[1]);
	for (int i = 2; i < argc && k < MAX_N; i++)
		ns[k++] = atoi(argv[i]);
	if (k == 0) {
		ns[k++] = 1000;
		ns[k++] = 5000;
		ns[k++] = 10000;
	}
	REQUIRE(p >= 0, "P >= 0");
	REQUIRE((pg = pgcluster_start("bench_compare")) != NULL, "pg");
	if (getenv("BENCH_PG_STATS") != NULL) {
		REQUIRE(pgcluster_exec(pg, "ALTER SYSTEM SET "
		    "shared_preload_libraries = 'pg_stat_statements'") == 0 &&
		    pgcluster_restart(pg) == 0 &&
		    pgcluster_exec(pg, "ALTER SYSTEM SET "
		    "pg_stat_statements.track = 'all'") == 0 &&
		    pgcluster_exec(pg, "SELECT pg_reload_conf()") == 0,
		    "pg_stat_statements");
	}
	srand((unsigned)time(NULL));
	for (int i = 0; i < k; i++) {
		REQUIRE(ns[i] > 0 && ns[i] <= 100000, "N in 1..100000");
		/* The order rotates: raw first, then gammu-smsd, then farol. */
		for (int j = 0; j < SYS_COUNT; j++) {
			int s = (i + j) % SYS_COUNT;

			if (only != NULL && strcmp(only, sys_tag[s]) != 0)
				continue;
			fprintf(stderr, "bench_compare: %s, N = %d\n",
			    sys_name[s], ns[i]);
			if (s == SYS_RAW)
				f[i][s] = run_raw(pg, argv[0], ns[i]);
			else if (s == SYS_GAMMU)
				f[i][s] = run_gammu(pg, ns[i]);
			else
				f[i][s] = run_farol(pg, ns[i]);
		}
	}
	memset(idle, 0, sizeof idle);
	if (p > 0) {
		fprintf(stderr, "bench_compare: idle latency\n");
		idle[1] = idle_farol(pg, p);
		idle[0] = idle_gammu(pg, p);
	}
	pgcluster_destroy(pg);
	print_table(ns, k, f, idle);
	return check_status();
}
