/*
 * test_console_act.c: the console that acts (suite `integration`), the
 * real farold, farolctl, a private PostgreSQL and gammu's dummy driver:
 *   - the admin socket is created in a directory farold makes, mode 0660,
 *     group gateway.admin_group; an unknown group is refused at
 *     check-config with its line;
 *   - `alerts' filters by area, state, urgency and age; `alert REF' gives
 *     the alert and its events (text and JSON), without a phone number;
 *   - `ack REF' and `close REF' move the alert, cancel its queued rungs
 *     and record an event whose actor is the Unix user who ran farolctl;
 *     a move the life cycle refuses fails;
 *   - `resend ID' queues a copy that the modem sends, recorded as an
 *     event; `pause MODEM' stops the modem's sends (show modems says
 *     paused) until `resume MODEM'.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
/* How long a paused modem is watched for a send it must not make. */
#define PAUSE_WATCH_MS 3000

#define MARIA "+2389912345"	/* fp-sv-01, SV */

static struct pgcluster *pg;
static struct gateway_proc g;
static char me[80];		/* "unix:<name>", as farold records it */
static char group[64];

/* A group for the socket other than root's own when running as root, to
 * see that farold really gave the socket to it. */
static void
pick_group(void)
{
	struct group *gr = NULL;
	struct passwd *pw = getpwuid(getuid());

	if (getuid() == 0)
		gr = getgrnam("daemon");
	if (gr == NULL)
		gr = getgrgid(getegid());
	REQUIRE(gr != NULL && pw != NULL, "a group and a user name");
	snprintf(group, sizeof group, "%s", gr->gr_name);
	snprintf(me, sizeof me, "unix:%s", pw->pw_name);
}

static void
test_socket(void)
{
	char path[400], *out = NULL, conf[400];
	struct stat st;
	struct group *gr = getgrnam(group);
	FILE *f;
	int rc;

	snprintf(path, sizeof path, "%s/run/farold.sock", g.dir);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
	    "the socket is made in the directory farold created");
	CHECK((st.st_mode & 07777) == 0660, "socket mode got=%o want=660",
	    (unsigned)(st.st_mode & 07777));
	CHECK(gr != NULL && st.st_gid == gr->gr_gid, "socket group got=%u "
	    "want=%s", (unsigned)st.st_gid, group);

	/* An unknown group: the file is refused, with its line. */
	snprintf(conf, sizeof conf, "%s/badgroup.conf", g.dir);
	REQUIRE((f = fopen(conf, "w")) != NULL, "write %s", conf);
	{
		FILE *in = fopen(g.conf, "r");
		char line[1024];

		REQUIRE(in != NULL, "read %s", g.conf);
		while (fgets(line, sizeof line, in) != NULL) {
			fputs(line, f);
			if (strstr(line, "gateway = {") != NULL)
				fputs("  admin_group = \"no-such-grp-9\";\n",
				    f);
		}
		fclose(in);
	}
	fclose(f);
	rc = console_run(&g, &out, "check-config", conf, NULL);
	CHECK(rc == 1 && out != NULL, "check-config refuses: rc=%d", rc);
	free(out);
}

/* The refs in farolctl alerts ARGS --json, as "ref,ref" (PostgreSQL
 * reads the JSON); NULL when farolctl failed. */
static char *
alerts_refs(const char *a1, const char *a2)
{
	char *out = NULL, *sql, *got = NULL;

	if (console_run(&g, &out, "alerts", "--json", a1, a2, NULL) != 0)
		goto done;
	if (asprintf(&sql, "SELECT coalesce(string_agg(o->>'ref', ',' ORDER "
	    "BY (o->>'ref')::int), '') FROM jsonb_array_elements($j$%s$j$::"
	    "jsonb) o", out) < 0)
		goto done;
	got = pgcluster_query_text(pg, sql);
	free(sql);
done:
	free(out);
	return got;
}

static long
drop_alert(const char *text, long n_before)
{
	CHECK(gateway_proc_drop_sms(&g, MARIA, text, NULL) == 0, "drop");
	if (stored_wait_q(pg, WAIT_MS, n_before + 1,
	    "SELECT count(*) FROM alert") != n_before + 1)
		return -1;
	return stored_q(pg, "SELECT max(ref) FROM alert");
}

static void
check_refs(const char *a1, const char *a2, const char *want)
{
	char *got = alerts_refs(a1, a2);

	CHECK(got != NULL && strcmp(got, want) == 0, "alerts %s %s: got=%s "
	    "want=%s", a1, a2, got, want);
	free(got);
}

static void
test_alerts_filters(long u1, long u2)
{
	char want[64];

	snprintf(want, sizeof want, "%ld,%ld", u1, u2);
	check_refs("--area", "SV", want);
	check_refs("--area", "BV", "");
	check_refs("--state", "open", want);
	check_refs("--since", "1h", want);
	check_refs("--since", "2099-01-01 00:00", "");
	snprintf(want, sizeof want, "%ld", u2);
	check_refs("--urgency", "2", want);
	CHECK(console_run(&g, NULL, "alerts", "--urgency", "7", NULL) == 1,
	    "urgency 7 is refused");
}

static void
test_ack_close(long ref)
{
	char key[32], *out = NULL, *sql, *got;
	long queued;
	int rc;

	snprintf(key, sizeof key, "%ld", ref);
	/* Queued rows, or rows its plan keeps (escalation.rung_horizon). */
	queued = stored_q(pg, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.ref = %ld AND o.state = 'queued'", ref) +
	    stored_q(pg, "SELECT coalesce(farol_alert_plan_size(rung_plan), 0) "
	    "FROM alert WHERE ref = %ld", ref);
	CHECK(queued > 0, "rungs are queued before the ack");
	rc = console_run(&g, &out, "ack", key, NULL);
	CHECK(rc == 0, "ack: rc=%d out=%s", rc, out);
	free(out);
	out = NULL;
	CHECK(stored_q(pg, "SELECT count(*) FROM alert a JOIN alert_event e "
	    "ON e.alert_id = a.id WHERE a.ref = %ld AND a.state = "
	    "'acknowledged' AND a.acknowledged_at IS NOT NULL AND "
	    "e.to_state = 'acknowledged' AND e.actor = '%s'", ref, me) == 1,
	    "acknowledged, recorded with the user");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox o JOIN alert a ON "
	    "a.id = o.alert_id WHERE a.ref = %ld AND o.state = 'queued'",
	    ref) == 0 && stored_q(pg, "SELECT count(*) FROM alert WHERE ref = "
	    "%ld AND rung_plan IS NULL", ref) == 1,
	    "its rungs no longer queued nor planned");
	CHECK(console_run(&g, NULL, "close", key, NULL) == 0, "close");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert a JOIN alert_event e "
	    "ON e.alert_id = a.id WHERE a.ref = %ld AND a.state = 'closed' "
	    "AND e.to_state = 'closed' AND e.actor = '%s'", ref, me) == 1,
	    "closed, recorded with the user");
	CHECK(console_run(&g, NULL, "ack", key, NULL) == 1,
	    "a closed alert cannot be acknowledged");
	CHECK(console_run(&g, NULL, "ack", "99999", NULL) == 1,
	    "an unknown alert");

	/* Its history: every event, the administrator's with the user. */
	CHECK(console_run(&g, &out, "alert", key, NULL) == 0 && out != NULL &&
	    strstr(out, me) != NULL && strstr(out, "events:") != NULL,
	    "alert REF shows the history: %s", out);
	CHECK(out != NULL && strstr(out, "9912345") == NULL &&
	    strstr(out, "992000") == NULL, "no phone number: %s", out);
	free(out);
	out = NULL;
	CHECK(console_run(&g, &out, "alert", "--json", key, NULL) == 0,
	    "alert --json");
	if (out != NULL && asprintf(&sql, "SELECT (j->'alert'->0->>'state') "
	    "|| ' ' || jsonb_array_length(j->'events') FROM (SELECT "
	    "$j$%s$j$::jsonb AS j) x", out) >= 0) {
		got = pgcluster_query_text(pg, sql);
		free(sql);
		snprintf(key, sizeof key, "closed %ld", stored_q(pg,
		    "SELECT count(*) FROM alert_event e JOIN alert a ON a.id "
		    "= e.alert_id WHERE a.ref = %ld", ref));
		CHECK(got != NULL && strcmp(got, key) == 0, "alert --json: "
		    "got=%s want=%s", got, key);
		free(got);
	}
	free(out);
	CHECK(console_run(&g, NULL, "alert", "99999", NULL) == 1,
	    "alert: an unknown ref fails");
}

static long
modem_sent(void)
{
	return console_sum(&g, "modems", "sent", NULL, NULL);
}

static void
test_resend_pause(long ref)
{
	char id[32], *v;
	long row, sent;

	/* A forward the modem sent, of an alert still open. */
	row = stored_wait_q(pg, WAIT_MS, 1, "SELECT (count(*) > 0)::int FROM outbox "
	    "o JOIN alert a ON a.id = o.alert_id WHERE a.ref = %ld AND "
	    "o.purpose = 'forward' AND o.state IN ('submitted', "
	    "'delivered')", ref) == 1 ? stored_q(pg, "SELECT min(o.id) FROM "
	    "outbox o JOIN alert a ON a.id = o.alert_id WHERE a.ref = %ld "
	    "AND o.purpose = 'forward' AND o.state IN ('submitted', "
	    "'delivered')", ref) : -1;
	REQUIRE(row > 0, "a forward was sent");
	snprintf(id, sizeof id, "%ld", row);

	CHECK(console_run(&g, NULL, "pause", "cv1", NULL) == 0, "pause");
	v = console_text(&g, "modems", "paused", "name", "cv1");
	CHECK(v != NULL && strcmp(v, "yes") == 0, "show modems: paused "
	    "got=%s", v);
	free(v);
	/* What the worker had queued before the pause still goes out. */
	CHECK(console_wait(&g, WAIT_MS, 0, "modems", "send_queue", "name",
	    "cv1") == 0, "the worker's queue drained");
	sent = modem_sent();
	CHECK(console_run(&g, NULL, "resend", id, NULL) == 0, "resend");
	CHECK(stored_q(pg, "SELECT count(*) FROM outbox n JOIN outbox o ON "
	    "o.id = %ld WHERE n.id > o.id AND n.recipient = o.recipient AND "
	    "n.text = o.text AND n.alert_id = o.alert_id", row) == 1,
	    "a copy is queued");
	CHECK(stored_q(pg, "SELECT count(*) FROM alert_event e JOIN alert a "
	    "ON a.id = e.alert_id WHERE a.ref = %ld AND e.actor = '%s' AND "
	    "e.note LIKE 'resend: outbox %ld %%'", ref, me, row) == 1,
	    "the resend is recorded");
	CHECK(console_run(&g, NULL, "resend", "99999", NULL) == 1,
	    "resend: an unknown row");
	usleep(PAUSE_WATCH_MS * 1000);
	CHECK(modem_sent() == sent, "a paused modem sends nothing: got=%ld "
	    "want=%ld", modem_sent(), sent);

	CHECK(console_run(&g, NULL, "resume", "cv1", NULL) == 0, "resume");
	CHECK(console_wait(&g, WAIT_MS, sent + 1, "modems", "sent", "name",
	    "cv1") == sent + 1, "resumed, the copy is sent");
	v = console_text(&g, "modems", "paused", "name", "cv1");
	CHECK(v != NULL && strcmp(v, "no") == 0, "show modems: not paused "
	    "got=%s", v);
	free(v);
	CHECK(console_run(&g, NULL, "pause", "nosuchmodem", NULL) == 1,
	    "pause: an unknown modem");
}

int
main(void)
{
	char sock[400], link[400], to[200];
	long u1, u2;
	int ready;

	pick_group();
	REQUIRE((pg = pgcluster_start("console_act")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	/* The socket in a directory that does not exist yet; farolctl -s
	 * (console.c) reaches it through a link. */
	snprintf(to, sizeof to, "run/farold.sock\";\n  admin_group = \"%s\";",
	    group);
	REQUIRE(gateway_proc_edit_config(&g, "farold.sock\";", to) == 0,
	    "edit the config");
	snprintf(sock, sizeof sock, "run/farold.sock");
	snprintf(link, sizeof link, "%s/farold.sock", g.dir);
	REQUIRE(symlink(sock, link) == 0, "link");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = console_wait_db_ready(&g, WAIT_MS) == 0))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "farold's database ready");
	test_socket();
	u1 = drop_alert("ALERTA SV SX U1 V2 bar", 0);
	u2 = drop_alert("ALERTA SV TF U2 V1 casa", 1);
	REQUIRE(u1 > 0 && u2 > 0, "two alerts");
	test_alerts_filters(u1, u2);
	test_resend_pause(u2);
	test_ack_close(u1);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
