/*
 * test_admin_limits.c: a console nothing can knock over (issue 17, item 4),
 * against the real farold, a private PostgreSQL and gammu's dummy driver
 * (suite `integration`):
 *   - a second farold on the same config exits 3 and leaves the running
 *     one's admin socket alone: `farolctl status' still answers;
 *   - idle clients cannot hold the console: beyond the cap a client is
 *     told busy, and idle ones are closed after the idle timeout, after
 *     which status answers again;
 *   - out of file descriptors, farold does not spin on accept(): its CPU
 *     time stays low while connections wait, and status answers once they
 *     are gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"

#define WAIT_MS 30000
/* gateway/admin.c's ADMIN_MAX_CLIENTS and ADMIN_IDLE_TIMEOUT_S. */
#define MAX_CLIENTS 16
#define IDLE_TIMEOUT_S 10
#define HELD 24

static struct pgcluster *pg;
static struct gateway_proc g;

/* Connect to farold's admin socket without blocking; -1 on failure. */
static int
connect_admin(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path,
	    "%.90s/farold.sock", g.dir) >= sizeof sun.sun_path)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1 &&
	    errno != EAGAIN && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
status_answers(void)
{
	char *out = NULL;
	int rc = console_run(&g, &out, "status", NULL);

	free(out);
	return rc == 0;
}

static int
wait_status_answers(int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 200) {
		if (status_answers())
			return 1;
		test_sleep_ms(200);
	}
	return 0;
}

static int
open_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static void
test_second_daemon_leaves_the_socket(void)
{
	char farold[512];
	int status = -1, waited;
	pid_t pid, got = 0;

	snprintf(farold, sizeof farold, "%s/gateway/farold", g.build_root);
	REQUIRE((pid = fork()) >= 0, "fork");
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl(farold, farold, "-c", g.conf, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; waited < WAIT_MS; waited += 100) {
		if ((got = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		test_sleep_ms(100);
	}
	if (got != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	CHECK(got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	    "a second farold on the same config exits 3 (status %d)",
	    status);
	CHECK(status_answers(),
	    "the first farold's admin socket still answers");
}

static void
test_idle_clients_are_closed(void)
{
	int fds[HELD], closed = 0, waited;
	char c;

	for (int i = 0; i < HELD; i++)
		fds[i] = connect_admin();
	test_sleep_ms(500);
	CHECK(!status_answers(), "with %d idle clients, one more is told "
	    "busy", HELD);
	for (waited = 0; waited < (IDLE_TIMEOUT_S + 5) * 1000 &&
	    closed < HELD; waited += 200) {
		test_sleep_ms(200);
		closed = 0;
		for (int i = 0; i < HELD; i++)
			if (fds[i] == -1 || read(fds[i], &c, 1) == 0 ||
			    (errno != EAGAIN && errno != EWOULDBLOCK))
				closed++;
	}
	CHECK_INT(closed, HELD, "idle clients closed by farold");
	CHECK(wait_status_answers(5000), "status answers once idle clients "
	    "are gone");
	for (int i = 0; i < HELD; i++)
		if (fds[i] != -1)
			close(fds[i]);
}

static void
test_out_of_descriptors(void)
{
	struct rlimit old, low;
	int fds[HELD], n;
	long t0, t1;

	REQUIRE((n = open_fds(g.pid)) > 0, "farold's descriptors");
	REQUIRE(prlimit(g.pid, RLIMIT_NOFILE, NULL, &old) == 0, "prlimit");
	/* Room for two clients: the third connection hits EMFILE. */
	low = old;
	low.rlim_cur = (rlim_t)n + 2;
	REQUIRE(prlimit(g.pid, RLIMIT_NOFILE, &low, NULL) == 0,
	    "lower farold's RLIMIT_NOFILE to %d", n + 2);
	for (int i = 0; i < HELD; i++)
		fds[i] = connect_admin();
	test_sleep_ms(500);
	t0 = gateway_proc_cpu_ticks(&g);
	test_sleep_ms(3000);
	t1 = gateway_proc_cpu_ticks(&g);
	/* A busy loop on accept() takes a whole CPU (300 ticks). */
	CHECK(t0 >= 0 && t1 - t0 < sysconf(_SC_CLK_TCK) / 2,
	    "farold's CPU while out of descriptors: %ld ticks in 3 s",
	    t1 - t0);
	for (int i = 0; i < HELD; i++)
		if (fds[i] != -1)
			close(fds[i]);
	CHECK(wait_status_answers(5000), "status answers once the "
	    "connections are gone (still at the low limit)");
	REQUIRE(prlimit(g.pid, RLIMIT_NOFILE, &old, NULL) == 0, "prlimit");
	CHECK(wait_status_answers(5000), "status answers");
}

int
main(void)
{
	int ready;

	REQUIRE((pg = pgcluster_start("admin_limits")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready");
	test_second_daemon_leaves_the_socket();
	test_idle_clients_are_closed();
	test_out_of_descriptors();
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
