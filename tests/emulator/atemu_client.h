/*
 * atemu_client.h: start farol-atemu from a test, script it through its
 * control socket, and stop it. Every emulator started is also killed and
 * its temporary directory removed at exit (atexit), so a failing test
 * leaves nothing behind. Not thread-safe (tests are single-threaded).
 */
#ifndef ATEMU_CLIENT_H
#define ATEMU_CLIENT_H

#include <stddef.h>

struct atemu;

struct atemu_opts {
	const char	*binary;	/* NULL: $FAROL_ATEMU, else "farol-atemu" */
	int		 slots;		/* SIM slots; 0 = emulator default (30) */
	int		 verbose;	/* -v: AT dialogue on the test's stderr */
	int		 ready_ms;	/* deadline for READY; 0 = 5000 */
	int		 reply_ms;	/* deadline for a control reply; 0 = 5000 */
};

/*
 * Start an emulator in a fresh temporary directory and wait for READY.
 * On success *out is set; free it with atemu_stop(). On failure *errstr
 * says why and nothing is left running.
 */
int	atemu_start(const struct atemu_opts *opts, struct atemu **out,
	    const char **errstr);

/* The stable device path (<dir>/modem) to give gammu, and the directory. */
const char *atemu_device(const struct atemu *);
const char *atemu_dir(const struct atemu *);
int	atemu_pid(const struct atemu *);

/*
 * Send one control command (printf-style) and read its one-line reply
 * into reply (may be NULL). Returns 0 when the reply starts with "OK",
 * -1 otherwise (reply holds "ERR ..."; *errstr says what failed).
 */
int	atemu_cmd(struct atemu *, char *reply, size_t replysz,
	    const char **errstr, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/*
 * atemu_cmd() that must succeed, for scripting a test: any answer but OK
 * is a failed REQUIRE (check.h), which ends the test.
 */
void	atemu_do(struct atemu *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * One value of the "stats" reply (" key=value ...") into out ("" when
 * absent), or as a number (-1 when absent). A failed command is a failed
 * REQUIRE.
 */
void	atemu_stat(struct atemu *, const char *key, char *out, size_t sz);
int	atemu_stat_int(struct atemu *, const char *key);

/*
 * Store an SMS through the control channel: cmd is "sms" (in a SIM slot)
 * or "cmt" (pushed), text is UTF-8, coding "gsm7" or "ucs2". Returns the
 * number the emulator answers (the slot for "sms"); a failure is a failed
 * REQUIRE.
 */
int	atemu_sms(struct atemu *, const char *cmd, const char *from,
	    const char *coding, const char *text);

/*
 * Send a listing command ("sent", "stored") and collect the lines between
 * "OK <n>" and "END". *lines is allocated (free with atemu_free_lines).
 */
int	atemu_list(struct atemu *, const char *cmd, char ***lines, size_t *n,
	    const char **errstr);
void	atemu_free_lines(char **lines, size_t n);

/* Hex of the bytes of a UTF-8 string, as the control protocol wants. */
int	atemu_hex(const char *utf8, char *out, size_t outsz);

/*
 * Ask the emulator to quit, wait (with a deadline), kill it if needed,
 * remove its directory and free the handle. Returns the exit status, or
 * -1 if it had to be killed.
 */
int	atemu_stop(struct atemu *);

#endif /* ATEMU_CLIENT_H */
