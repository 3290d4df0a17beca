/*
 * faults_check.c: the guarantees every fault test asserts (see
 * faults_check.h).
 */
#include "check.h"
#include "faults_check.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

void
faults_check_reports(struct pgcluster *pg, const char *what,
    const char *pattern, long n, int alerts)
{
	long rows, distinct, alerted, alert_rows;

	rows = stored_q(pg, "SELECT count(*) FROM message WHERE text LIKE "
	    "'%s'", pattern);
	distinct = stored_q(pg, "SELECT count(DISTINCT text) FROM message "
	    "WHERE text LIKE '%s'", pattern);
	CHECK(rows == n && distinct == n, "%s: reports stored got=%ld "
	    "(%ld distinct) want=%ld: none lost, none twice", what, rows,
	    distinct, n);
	if (!alerts)
		return;
	alert_rows = stored_q(pg, "SELECT count(*) FROM alert a JOIN message "
	    "m ON m.id = a.message_id WHERE m.text LIKE '%s'", pattern);
	alerted = stored_q(pg, "SELECT count(DISTINCT a.message_id) FROM "
	    "alert a JOIN message m ON m.id = a.message_id WHERE m.text LIKE "
	    "'%s'", pattern);
	CHECK(alert_rows == n && alerted == n, "%s: alerts got=%ld (of %ld "
	    "reports) want=%ld: one alert per report", what, alert_rows,
	    alerted, n);
}

struct faults_sent {
	struct pgcluster *pg;
	const struct gateway_proc *g;
	long sent, rows;
};

static int
faults_sent_settled(void *arg)
{
	struct faults_sent *s = arg;

	s->sent = gateway_proc_sent_count(s->g);
	s->rows = stored_q(s->pg, "SELECT count(*) FROM outbox WHERE state "
	    "IN ('submitted', 'delivered')");
	return s->sent == s->rows;
}

void
faults_check_sms_once(struct pgcluster *pg, const struct gateway_proc *g,
    const char *what, int timeout_ms)
{
	struct faults_sent s = { pg, g, -1, -1 };
	long doubled;

	/* (A digest is one row per run and duty phone, of no one alert:
	 * that its items go once is digest_item's done_at.) */
	doubled = stored_q(pg, "SELECT count(*) FROM (SELECT 1 FROM outbox "
	    "WHERE state NOT IN ('held', 'cancelled') AND purpose <> "
	    "'digest' GROUP BY alert_id, "
	    "message_id, purpose, recipient, rung, not_before - created_at "
	    "HAVING count(*) > 1) x");
	CHECK(doubled == 0, "%s: outbox rows doubled got=%ld want=0", what,
	    doubled);
	test_wait_until(timeout_ms, faults_sent_settled, &s);
	CHECK(s.sent == s.rows, "%s: the modems took got=%ld SMS, the outbox "
	    "records want=%ld sent: none twice, none without its row", what,
	    s.sent, s.rows);
}
