/*
 * atemu_client.c: test-side helper around farol-atemu. Forks and execs the
 * emulator in a private temporary directory, waits for its READY line
 * with a deadline, talks to its control socket, and stops it. Emulators
 * still running at exit are killed by an atexit handler and their
 * directories removed, so failing tests leave no processes or files.
 *
 * Called by tests only. Never sleeps a fixed time: every wait is a poll()
 * with a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atemu_client.h"
#include "check.h"

#define MAX_EMUS	8

struct atemu {
	pid_t	pid;
	int	ctl;			/* control connection */
	int	out;			/* child's stdout */
	int	reply_ms;
	char	dir[256];
	char	device[300];
	char	ctlpath[300];
	char	rbuf[16384];		/* buffered control input */
	size_t	rlen;
	/* Precomputed for the signal handler (no snprintf there). */
	char	f_modem[300], f_new[300], f_ctl[300];
};

static struct atemu	*running[MAX_EMUS];
static int		 atexit_done;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
remove_dir(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* Wait for pid until deadline; returns exit status or -1 on timeout. */
static int
wait_deadline(pid_t pid, int ms)
{
	long long	end = now_ms() + ms;
	int		st;
	pid_t		r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		if (r == -1)
			return -1;
		if (now_ms() >= end)
			return -1;
		/* Nothing to wait on but the child: a short poll tick. */
		poll(NULL, 0, 5);
	}
}

static void
release(struct atemu *a)
{
	int	i;

	if (a->ctl != -1)
		close(a->ctl);
	if (a->out != -1)
		close(a->out);
	remove_dir(a->dir);
	for (i = 0; i < MAX_EMUS; i++)
		if (running[i] == a)
			running[i] = NULL;
	free(a);
}

/*
 * A test killed by a signal (meson's timeout sends SIGTERM) runs no
 * atexit handlers: kill the emulators and remove their files with
 * async-signal-safe calls only, then die of the same signal.
 */
static void
fatal_signal_cb(int sig)
{
	int	i;

	for (i = 0; i < MAX_EMUS; i++) {
		struct atemu *a = running[i];

		if (a == NULL)
			continue;
		if (a->pid > 0) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, NULL, 0);
		}
		unlink(a->f_modem);
		unlink(a->f_new);
		unlink(a->f_ctl);
		rmdir(a->dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_handlers(void)
{
	static const int	sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGABRT };
	struct sigaction	sa, old;
	size_t			i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal_cb;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
}

static void
kill_all(void)
{
	int	i;

	for (i = 0; i < MAX_EMUS; i++) {
		struct atemu *a = running[i];

		if (a == NULL)
			continue;
		if (a->pid > 0) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, NULL, 0);
		}
		release(a);
	}
}

static int
read_line_fd(int fd, char *buf, size_t sz, size_t *len, char *line,
    size_t linesz, long long deadline)
{
	struct pollfd	pfd;
	char		*nl;
	ssize_t		 n;
	int		 left;

	for (;;) {
		if ((nl = memchr(buf, '\n', *len)) != NULL) {
			size_t l = (size_t)(nl - buf);

			snprintf(line, linesz, "%.*s", (int)l, buf);
			memmove(buf, nl + 1, *len - l - 1);
			*len -= l + 1;
			return 0;
		}
		if (*len == sz)
			return -1;
		left = (int)(deadline - now_ms());
		if (left <= 0)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(fd, buf + *len, sz - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
}

int
atemu_start(const struct atemu_opts *opts, struct atemu **out,
    const char **errstr)
{
	struct atemu		*a;
	struct sockaddr_un	 sun;
	const char		*bin, *tmp;
	char			 line[1024], buf[1024], slots[16];
	char			*argv[8];
	size_t			 blen = 0;
	int			 pfd[2], argc = 0, i, ready_ms;
	long long		 deadline;

	*out = NULL;
	if (!atexit_done) {
		atexit(kill_all);
		install_handlers();
		atexit_done = 1;
	}
	for (i = 0; i < MAX_EMUS && running[i] != NULL; i++)
		;
	if (i == MAX_EMUS) {
		*errstr = "too many emulators";
		return -1;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	a->ctl = a->out = -1;
	a->reply_ms = opts->reply_ms > 0 ? opts->reply_ms : 5000;
	ready_ms = opts->ready_ms > 0 ? opts->ready_ms : 5000;
	running[i] = a;

	tmp = getenv("TMPDIR");
	snprintf(a->dir, sizeof(a->dir), "%s/atemu.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(a->dir) == NULL) {
		a->dir[0] = '\0';
		*errstr = "mkdtemp failed";
		goto fail;
	}
	snprintf(a->f_modem, sizeof(a->f_modem), "%s/modem", a->dir);
	snprintf(a->f_new, sizeof(a->f_new), "%s/modem.new", a->dir);
	snprintf(a->f_ctl, sizeof(a->f_ctl), "%s/control", a->dir);
	bin = opts->binary;
	if (bin == NULL)
		bin = getenv("FAROL_ATEMU");
	if (bin == NULL)
		bin = "farol-atemu";
	argv[argc++] = (char *)bin;
	argv[argc++] = (char *)"-d";
	argv[argc++] = a->dir;
	if (opts->slots > 0) {
		snprintf(slots, sizeof(slots), "%d", opts->slots);
		argv[argc++] = (char *)"-n";
		argv[argc++] = slots;
	}
	if (opts->verbose)
		argv[argc++] = (char *)"-v";
	argv[argc] = NULL;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		*errstr = "pipe failed";
		goto fail;
	}
	a->pid = fork();
	if (a->pid == -1) {
		close(pfd[0]);
		close(pfd[1]);
		*errstr = "fork failed";
		goto fail;
	}
	if (a->pid == 0) {
		/* Die with the test, even if it is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], STDOUT_FILENO);
		execvp(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	a->out = pfd[0];

	deadline = now_ms() + ready_ms;
	if (read_line_fd(a->out, buf, sizeof(buf), &blen, line, sizeof(line),
	    deadline) == -1 || strncmp(line, "READY ", 6) != 0 ||
	    sscanf(line + 6, "%299s %299s", a->device, a->ctlpath) != 2) {
		*errstr = "emulator did not become ready";
		goto fail;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(a->ctlpath) >= sizeof(sun.sun_path)) {
		*errstr = "control socket path too long";
		goto fail;
	}
	memcpy(sun.sun_path, a->ctlpath, strlen(a->ctlpath) + 1);
	a->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->ctl == -1 ||
	    connect(a->ctl, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		*errstr = "cannot connect to the control socket";
		goto fail;
	}
	*out = a;
	return 0;
fail:
	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
	}
	release(a);
	return -1;
}

const char *
atemu_device(const struct atemu *a)
{
	return a->device;
}

const char *
atemu_dir(const struct atemu *a)
{
	return a->dir;
}

int
atemu_pid(const struct atemu *a)
{
	return (int)a->pid;
}

static int
send_line(struct atemu *a, const char *line, const char **errstr)
{
	size_t	len = strlen(line), off = 0;
	ssize_t	n;

	while (off < len) {
		n = send(a->ctl, line + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*errstr = "control socket write failed";
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static int
recv_line(struct atemu *a, char *line, size_t sz, const char **errstr)
{
	if (read_line_fd(a->ctl, a->rbuf, sizeof(a->rbuf), &a->rlen, line, sz,
	    now_ms() + a->reply_ms) == -1) {
		*errstr = "no reply from the emulator";
		return -1;
	}
	return 0;
}

int
atemu_cmd(struct atemu *a, char *reply, size_t replysz, const char **errstr,
    const char *fmt, ...)
{
	char	cmd[16384], line[16384];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 1) {
		*errstr = "command too long";
		return -1;
	}
	cmd[n++] = '\n';
	cmd[n] = '\0';
	if (send_line(a, cmd, errstr) == -1 ||
	    recv_line(a, line, sizeof(line), errstr) == -1)
		return -1;
	if (reply != NULL)
		snprintf(reply, replysz, "%s", line);
	if (strncmp(line, "OK", 2) != 0) {
		*errstr = "emulator answered ERR";
		return -1;
	}
	return 0;
}

int
atemu_list(struct atemu *a, const char *cmd, char ***lines, size_t *n,
    const char **errstr)
{
	char	line[16384], req[64];
	char	**v = NULL, **nv;
	size_t	 cnt = 0;

	*lines = NULL;
	*n = 0;
	snprintf(req, sizeof(req), "%s\n", cmd);
	if (send_line(a, req, errstr) == -1 ||
	    recv_line(a, line, sizeof(line), errstr) == -1)
		return -1;
	if (strncmp(line, "OK", 2) != 0) {
		*errstr = "emulator answered ERR";
		return -1;
	}
	for (;;) {
		if (recv_line(a, line, sizeof(line), errstr) == -1)
			goto fail;
		if (strcmp(line, "END") == 0)
			break;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (nv == NULL)
			goto nomem;
		v = nv;
		if ((v[cnt] = strdup(line)) == NULL)
			goto nomem;
		cnt++;
	}
	*lines = v;
	*n = cnt;
	return 0;
nomem:
	*errstr = "out of memory";
fail:
	atemu_free_lines(v, cnt);
	return -1;
}

void
atemu_free_lines(char **lines, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

int
atemu_hex(const char *utf8, char *out, size_t outsz)
{
	static const char	d[] = "0123456789ABCDEF";
	size_t			i, len = strlen(utf8);

	if (outsz < 2 * len + 2)
		return -1;
	if (len == 0) {
		snprintf(out, outsz, "-");
		return 0;
	}
	for (i = 0; i < len; i++) {
		out[2 * i] = d[(unsigned char)utf8[i] >> 4];
		out[2 * i + 1] = d[(unsigned char)utf8[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return 0;
}

int
atemu_stop(struct atemu *a)
{
	const char	*errstr;
	int		 st;

	if (a == NULL)
		return 0;
	atemu_cmd(a, NULL, 0, &errstr, "quit");
	st = wait_deadline(a->pid, 3000);
	if (st == -1) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
	}
	a->pid = 0;
	release(a);
	return st;
}

void
atemu_do(struct atemu *emu, const char *fmt, ...)
{
	char		 cmd[1024], reply[256];
	const char	*errstr = "";
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	reply[0] = '\0';
	REQUIRE(atemu_cmd(emu, reply, sizeof(reply), &errstr, "%s", cmd) == 0,
	    "emulator: %s: got=%s (%s) want=OK", cmd, reply, errstr);
}

void
atemu_stat(struct atemu *emu, const char *key, char *out, size_t sz)
{
	char		 reply[1024], pat[64], *p;
	const char	*errstr = "";

	out[0] = '\0';
	REQUIRE(atemu_cmd(emu, reply, sizeof(reply), &errstr, "stats") == 0,
	    "emulator: stats: %s", errstr);
	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(reply, pat)) == NULL)
		return;
	p += strlen(pat);
	snprintf(out, sz, "%.*s", (int)strcspn(p, " "), p);
}

int
atemu_stat_int(struct atemu *emu, const char *key)
{
	char	v[64];

	atemu_stat(emu, key, v, sizeof(v));
	return v[0] == '\0' ? -1 : atoi(v);
}

int
atemu_sms(struct atemu *emu, const char *cmd, const char *from,
    const char *coding, const char *text)
{
	char		 hex[8192], reply[256];
	const char	*errstr = "";

	REQUIRE(atemu_hex(text, hex, sizeof(hex)) == 0, "emulator: %s: text "
	    "too long", cmd);
	reply[0] = '\0';
	REQUIRE(atemu_cmd(emu, reply, sizeof(reply), &errstr, "%s %s %s %s",
	    cmd, from, coding, hex) == 0, "emulator: %s: %s (%s)", cmd,
	    errstr, reply);
	return atoi(reply + 3);
}
