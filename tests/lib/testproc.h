/*
 * testproc.h: start and stop helper processes from tests without a shell
 * (argv vectors only, so no string is ever interpreted by sh).
 */
#ifndef FAROL_TESTS_TESTPROC_H
#define FAROL_TESTS_TESTPROC_H

#include <sys/types.h>

/*
 * Start argv[0] (looked up in PATH) with stdin from /dev/null and the
 * test's stdout/stderr. Returns the pid, or -1.
 */
pid_t	testproc_spawn(const char *const argv[]);

/*
 * Run argv to completion. When out is not NULL, its stdout is captured into
 * *out (NUL-terminated, caller frees); stderr is the test's. Returns the
 * exit status as waitpid() reports it in *status; 0 when the program was
 * run and waited for, -1 when it could not be.
 */
int	testproc_run(const char *const argv[], char **out, int *status);

/*
 * Send sig to pid, wait up to deadline_ms for it to exit, then SIGKILL and
 * reap. Returns the wait status, or -1 if pid could not be reaped.
 */
int	testproc_kill_and_reap(pid_t pid, int sig, int deadline_ms);

/* The peak resident memory (VmHWM) of pid in kB, from /proc; -1 if
 * unreadable. */
long	testproc_hwm_kb(pid_t pid);

#endif
