/*
 * testproc.c: fork/exec helpers for tests (pgcluster.c runs its script
 * through them). Never builds a shell command line.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "testproc.h"

static pid_t
testproc_fork(const char *const argv[], int outfd)
{
	pid_t	pid;
	int	devnull;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	devnull = open("/dev/null", O_RDONLY);
	if (devnull != -1) {
		dup2(devnull, 0);
		if (devnull != 0)
			close(devnull);
	}
	if (outfd != -1) {
		dup2(outfd, 1);
		close(outfd);
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "testproc: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t
testproc_spawn(const char *const argv[])
{
	return testproc_fork(argv, -1);
}

int
testproc_run(const char *const argv[], char **out, int *status)
{
	int	 fds[2] = { -1, -1 };
	pid_t	 pid;
	char	*buf = NULL;
	size_t	 len = 0, size = 0;
	ssize_t	 n;

	if (out != NULL) {
		*out = NULL;
		if (pipe2(fds, O_CLOEXEC) == -1)
			return -1;
	}
	pid = testproc_fork(argv, fds[1]);
	if (pid == -1) {
		if (out != NULL) {
			close(fds[0]);
			close(fds[1]);
		}
		return -1;
	}
	if (out != NULL) {
		close(fds[1]);
		for (;;) {
			if (size - len < 256) {
				char *nb = realloc(buf, size + 4096);
				if (nb == NULL)
					break;
				buf = nb;
				size += 4096;
			}
			n = read(fds[0], buf + len, size - len - 1);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		close(fds[0]);
		if (buf == NULL)
			buf = calloc(1, 1);
		else
			buf[len] = '\0';
		*out = buf;
	}
	while (waitpid(pid, status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int
testproc_kill_and_reap(pid_t pid, int sig, int deadline_ms)
{
	long			end;
	int			status;
	pid_t			r;
	struct timespec		step = { 0, 5 * 1000 * 1000 };

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	end = test_now_ms() + deadline_ms;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r == -1 && errno != EINTR)
			return -1;
		if (test_now_ms() >= end)
			break;
		nanosleep(&step, NULL);
	}
	kill(pid, SIGKILL);
	while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	return r == pid ? status : -1;
}

long
testproc_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
