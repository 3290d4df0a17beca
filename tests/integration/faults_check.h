/*
 * faults_check.h: the guarantees every fault test asserts, in one place
 * (tests/integration/test_faults*.c): no report lost or stored twice, one
 * alert per report, and no SMS twice to one number for one purpose and
 * rung, counted where the modem took it (gateway_proc_sent_count), not in
 * the log. Each failed guarantee is a CHECK naming `what'.
 */
#ifndef FAROL_TESTS_FAULTS_CHECK_H
#define FAROL_TESTS_FAULTS_CHECK_H

struct gateway_proc;
struct pgcluster;

/* The n messages whose text is LIKE pattern are each stored exactly once
 * (n rows, n distinct texts); alerts: each has exactly one alert. */
void faults_check_reports(struct pgcluster *pg, const char *what,
    const char *pattern, long n, int alerts);

/* No outbox row doubled (one per message or alert, purpose, recipient and
 * rung; a held alert's rows and digests are not counted), and, once it settles (up to
 * timeout_ms), the SMS every farold started on g handed to its modems are
 * exactly the rows recorded submitted or delivered: none went twice or
 * without its row. */
void faults_check_sms_once(struct pgcluster *pg, const struct gateway_proc *g,
    const char *what, int timeout_ms);

#endif
