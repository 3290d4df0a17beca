/*
 * gateway_proc.h: runs the real farold for integration tests.
 *
 * A test gets a temporary directory holding a dummy-driver modem, a spool
 * and a config made from the default config/farol.conf with only the modem,
 * database and spool pointed at the test. farold runs as a child process
 * with its log in that directory. Everything is removed, and the process
 * killed, by gateway_proc_destroy() (also registered at exit so a failing
 * test leaves nothing behind). Its admin socket is DIR/farold.sock, where
 * console.h's farolctl finds it.
 */
#ifndef FAROL_GATEWAY_PROC_H
#define FAROL_GATEWAY_PROC_H

#include <sys/types.h>
#include <time.h>

struct gateway_proc {
	char dir[256];
	char conf[300];
	char modem[300];	/* the dummy driver's device directory */
	char log[300];
	char sent_log[300];	/* a line per SMS a modem took, every run */
	char source_root[256];
	char build_root[256];
	pid_t pid;
	int next_location;	/* last dummy inbox file number used */
	int default_log_level;	/* 1: start farold without -d (debug) */
};

/* Make the directory and config. conninfo is the test database. */
int gateway_proc_init(struct gateway_proc *g, const char *conninfo);

/* Start farold (stderr to g->log). */
int gateway_proc_start(struct gateway_proc *g);

/* Wait until the log contains needle at least `count` times. For the
 * benchmarks' timing only: tests ask the console (console.h) or the
 * database (stored.h), never the log's wording. */
int gateway_proc_wait_log(struct gateway_proc *g, const char *needle,
    int count, int timeout_ms);
int gateway_proc_log_count(const struct gateway_proc *g, const char *needle);

/* Send sig; for SIGKILL also reap. */
int gateway_proc_signal(struct gateway_proc *g, int sig);

/* Wait for exit; returns the exit status (or 128+signal), -1 on timeout. */
int gateway_proc_wait_exit(struct gateway_proc *g, int timeout_ms);
int gateway_proc_alive(struct gateway_proc *g);

/* Put an SMS into the dummy modem's inbox, as scripts/dummy-sms does.
 * udh (hex, may be NULL) makes it one part of a multipart message. The
 * dummy driver's folders hold GATEWAY_PROC_FOLDER_MAX messages each (a
 * file numbered 10000 is never read): past them, messages go to folder
 * 3, the phone memory's inbox. */
#define GATEWAY_PROC_FOLDER_MAX 9999
int gateway_proc_drop_sms(struct gateway_proc *g, const char *from,
    const char *text, const char *udh);
/* The same with the SMSC time `when': a message dropped twice with the
 * same time is the same message (read again from the SIM). */
int gateway_proc_drop_sms_at(struct gateway_proc *g, const char *from,
    const char *text, const char *udh, time_t when);

/* SMS the modem took, over every farold started on g (kill -9
 * included): farold appends a line to g->sent_log for each when
 * FAROL_TEST_SENT_LOG names it. */
int gateway_proc_sent_count(const struct gateway_proc *g);
/* Of those, the SMS to number (as the modem was given it: E.164). */
int gateway_proc_sent_to(const struct gateway_proc *g, const char *number);

/* Messages still on the dummy modem. */
int gateway_proc_inbox_count(const struct gateway_proc *g);

/* Messages waiting in farold's spool (DIR/spool/<seq>.msg). */
int gateway_proc_spool_count(const struct gateway_proc *g);

/* Predicates for test_wait_until(), arg a struct gateway_proc: the
 * dummy modem's SIM is empty; farold's spool holds no message. */
int gateway_proc_inbox_empty(void *g);
int gateway_proc_spool_empty(void *g);
/* Replace the config file with text (for reload tests). */
int gateway_proc_write_config(struct gateway_proc *g, const char *text);

/* Point the config's modem at an AT modem on device (the emulator's
 * pty): gammu's real AT driver instead of the dummy one. */
int gateway_proc_use_at_modem(struct gateway_proc *g, const char *device);

/* In the config file, replace the first `from' by `to'; -1 if absent. */
int gateway_proc_edit_config(struct gateway_proc *g, const char *from,
    const char *to);

/*
 * One of several gateways on one database (gateway/deployment.md): the
 * config's gateway.name and its modem's name become name and
 * "<name>-cv1" (names are unique across gateways), and gateway.lease
 * lease_s seconds (0: the default). Call after gateway_proc_init, before
 * the start; each gateway has its own directory, modem and spool.
 */
int gateway_proc_set_name(struct gateway_proc *g, const char *name,
    int lease_s);

/* The default flood limit (10 in 600 s) raised to 1000 per second, for
 * benchmarks that send many reports from one focal point. */
#define GATEWAY_PROC_NO_FLOOD_LIMIT(g) gateway_proc_edit_config((g), \
    "flood = { max = 10; per_s = 600; };", \
    "flood = { max = 1000; per_s = 1; };")

/* farold's user+system CPU time so far, in clock ticks
 * (sysconf(_SC_CLK_TCK) a second), from /proc/PID/stat; -1 on error. */
long gateway_proc_cpu_ticks(const struct gateway_proc *g);

/* Print the last lines of farold's log to stderr (on failure). */
void gateway_proc_dump_log(const struct gateway_proc *g);

void gateway_proc_destroy(struct gateway_proc *g);

/* The end of a test's farold: SIGTERM, wait for it to exit, print its log
 * if any check failed, and destroy. Returns the exit status (as
 * gateway_proc_wait_exit). When that is not 0 it also prints why: the
 * status or signal, that no farold was running, or, still running after
 * timeout_ms, where each of its threads waits (and gdb's backtraces when
 * gdb is installed). */
int gateway_proc_finish(struct gateway_proc *g, int timeout_ms);

#endif
