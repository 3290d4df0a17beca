/*
 * test_db_ingest_many.c: farol_ingest_many stores a run of reports at
 * once (farol_ingest_reports, one INSERT per table) with exactly what
 * storing its elements one by one (farol_ingest_element, the per-report
 * functions) gives: the same result rows and the same rows in every
 * table, ids and alert numbers included. One mixed batch holds what a
 * set-based store could get wrong: a message already stored and one
 * twice in the batch, receipts to one number over its reply limit
 * (earlier ones in the batch counting, and two rows of one element not
 * counting each other), a command after a report naming its alert, a
 * reserved alert number with a forward submitted while the database was
 * down, a U3's digest row, a held flood alert with its notice once per
 * quarantine, a USSD step sent twice, receipts without a limit. Then
 * the batch is stored for real and the facts checked one by one
 * (db/database.md, "Set-based ingest"). A run whose reply limits the
 * set-based count would get wrong goes element by element. A message
 * already stored whose forward came submitted (sent from the spool, its
 * first ingest's answer lost) gets that SMS recorded, once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster *cluster;

#define S1 "+2389700001"	/* focal point */
#define S2 "+2389700002"	/* two receipts already, limit 3 */
#define S3 "+2389700003"	/* reply limit 1 */
#define S4 "+2389700004"	/* flooding */
#define S5 "+2389700005"	/* receipts without a limit */
#define S6 "+2389700006"	/* limited and not: not plain */

/* The message fields of an element: sender, text, SMSC minute. */
#define MSG(s, t, min) "\"modem\": \"cv1\", \"sender\": \"" s "\", " \
	"\"text\": \"" t "\", \"smsc_time\": \"2026-12-02 08:" min \
	":00+00\", \"received_at\": 1796198400, \"parts\": 1, " \
	"\"concat_ref\": -1, \"kind\": \"sms\", \"parts_expected\": 1"
#define RECEIPT(to, max) "{\"recipient\": \"" to "\", \"text\": " \
	"\"Alerta {ref} recebido\", \"purpose\": \"receipt\", " \
	"\"after_s\": 0, \"limit_max\": " max ", \"limit_per_s\": 3600}"
#define REPLY(to) "{\"recipient\": \"" to "\", \"text\": \"?\", " \
	"\"purpose\": \"reply\", \"after_s\": 0, \"limit_max\": 1, " \
	"\"limit_per_s\": 3600}"
#define FORWARD(auth, to) "{\"recipient\": \"" to "\", \"text\": " \
	"\"FAROL {ref} U1. OK {ref}\", \"purpose\": \"forward\", " \
	"\"authority\": \"" auth "\", \"rung\": 1, \"after_s\": 0}"
#define ALERT(s, u) "{\"focal_point\": \"fp1\", \"sender\": \"" s "\", " \
	"\"verified\": true, \"area\": \"SV\", \"forms\": [\"SX\", \"TF\"], " \
	"\"urgency\": " u ", \"victims\": 2, \"minor\": true, " \
	"\"text\": \"relato\", \"state\": \"received\""
#define PLAN ", \"rung_plan\": [{\"rung\": 2, \"text\": \"FAROL {ref}\", " \
	"\"after_s\": 300, \"purpose\": \"escalation\", \"authority\": " \
	"\"pn\", \"recipient\": \"+2389920002\"}], \"rung_plan_after_s\": 300"

#define REPORT_A "{" MSG(S1, "ALERTA A", "00") ", \"alert\": " \
	ALERT(S1, "1") PLAN "}, \"outbox\": [" RECEIPT(S1, "3") ", " \
	FORWARD("pn", "+2389920001") ", " FORWARD("icca", "+2389980001") "]}"
#define STORED "{" MSG(S2, "ALERTA OLD", "59") ", \"alert\": " \
	ALERT(S2, "2") "}, \"outbox\": [" FORWARD("pn", "+2389920001") "]}"

/* The batch, element by element (joined by batch_make()). */
static const char *const elements[] = {
	/* 0: stored, alert number 5001 */
	REPORT_A,
	/* 1: stored before the batch */
	STORED,
	/* 2: 0 again */
	REPORT_A,
	/* 3: S2's second receipt in the hour: sent */
	"{" MSG(S2, "ALERTA E", "04") ", \"alert\": " ALERT(S2, "1") "}, "
	"\"outbox\": [" RECEIPT(S2, "3") "]}",
	/* 4: a reserved number, a forward sent during an outage; S2's
	 * third receipt in the hour (3 counting): cancelled */
	"{" MSG(S2, "ALERTA D", "03") ", \"alert\": " ALERT(S2, "1")
	", \"ref\": 50" PLAN "}, \"outbox\": [" RECEIPT(S2, "3") ", "
	"{\"recipient\": \"+2389920001\", \"text\": \"FAROL {ref}\", "
	"\"purpose\": \"forward\", \"authority\": \"pn\", \"rung\": 1, "
	"\"after_s\": 0, \"state\": \"submitted\", \"modem\": \"cv1\", "
	"\"message_ref\": 7, \"submitted_at\": 1796198390}]}",
	/* 5: S1 cancels 0's alert */
	"{" MSG(S1, "ANULAR 5001", "05") ", \"command\": \"ANULAR\", "
	"\"ref\": 5001, \"note\": \"engano\", \"replies\": [], "
	"\"from\": \"" S1 "\"}",
	/* 6: no alert, two replies in one element: both go */
	"{" MSG(S3, "XYZ", "06") ", \"alert\": null, \"outbox\": ["
	REPLY(S3) ", " REPLY(S3) "]}",
	/* 7: S3 over its limit */
	"{" MSG(S3, "XYZ 2", "07") ", \"outbox\": [" REPLY(S3) "]}",
	/* 8: a U3: its digest row is a digest item */
	"{" MSG(S1, "ALERTA U3", "08") ", \"alert\": " ALERT(S1, "3") "}, "
	"\"outbox\": [" RECEIPT(S1, "3") ", {\"recipient\": \"+2389920001\", "
	"\"text\": \"\", \"purpose\": \"digest\", \"authority\": \"pn\", "
	"\"after_s\": 0}]}",
	/* 9: a flood: its notice, the alert held (a run ends here) */
	"{" MSG(S4, "ALERTA F1", "09") ", \"alert\": " ALERT(S4, "1")
	", \"held_reason\": \"flood\"}, \"outbox\": [{\"recipient\": "
	"\"+2389920001\", \"text\": \"FAROL {ref}\", \"purpose\": "
	"\"forward\", \"authority\": \"pn\", \"rung\": 1, \"after_s\": 0, "
	"\"state\": \"held\"}], \"flood\": \"quarantined\", \"flood_notice\": "
	"[{\"recipient\": \"+2389999001\", \"text\": \"flood\", \"purpose\": "
	"\"admin\", \"after_s\": 0}]}",
	/* 10, 11: one USSD step sent twice (its session makes the key) */
	"{\"modem\": \"cv1\", \"sender\": \"" S3 "\", \"text\": \"*123*3#\", "
	"\"received_at\": 1796198411, \"kind\": \"ussd\", \"session\": "
	"\"sess-1\"}",
	"{\"modem\": \"cv1\", \"sender\": \"" S3 "\", \"text\": \"*123*3#\", "
	"\"received_at\": 1796198412, \"kind\": \"ussd\", \"session\": "
	"\"sess-1\"}",
	/* 12: a recipient without a reply limit (the limit off) */
	"{" MSG(S5, "OLA", "13") ", \"outbox\": [{\"recipient\": "
	"\"" S5 "\", \"text\": \"?\", \"purpose\": \"receipt\", "
	"\"after_s\": 0}, {\"recipient\": \"" S5 "\", \"text\": \"?\", "
	"\"purpose\": \"reply\", \"after_s\": 0}]}",
	/* 13: the flood goes on: no notice again */
	"{" MSG(S4, "ALERTA F2", "10") ", \"flood\": \"quarantined\", "
	"\"flood_notice\": [{\"recipient\": \"+2389999001\", \"text\": "
	"\"flood\", \"purpose\": \"admin\", \"after_s\": 0}]}",
};
#define NELEMENTS ((int)(sizeof elements / sizeof elements[0]))

static char batch[8192];

/* The JSON array of the elements. */
static void
batch_make(void)
{
	size_t len = 0;
	int n;

	for (int i = 0; i < NELEMENTS; i++) {
		n = snprintf(batch + len, sizeof batch - len, "%s%s%s",
		    i == 0 ? "[" : ",", elements[i],
		    i == NELEMENTS - 1 ? "]" : "");
		REQUIRE(n > 0 && (size_t)n < sizeof batch - len,
		    "batch too long");
		len += n;
	}
}

/*
 * test_twice(batch): the result rows and every table's rows after
 * farol_ingest_many(batch), and after farol_ingest_element on each
 * element in turn, each undone (a subtransaction rolled back by an
 * error) and the sequences put back, so that both start from the same
 * state (and the same now()).
 */
static const char twice_sql[] =
	"CREATE FUNCTION test_dump() RETURNS text LANGUAGE sql AS $$"
	" SELECT concat_ws(E'\\n',"
	"  (SELECT string_agg(to_jsonb(x)::text, E'\\n' ORDER BY x.id)"
	"   FROM message x),"
	"  (SELECT string_agg(to_jsonb(x)::text, E'\\n' ORDER BY x.id)"
	"   FROM alert x),"
	"  (SELECT string_agg(to_jsonb(x)::text, E'\\n' ORDER BY x.id)"
	"   FROM alert_event x),"
	"  (SELECT string_agg(to_jsonb(x)::text, E'\\n' ORDER BY x.id)"
	"   FROM outbox x),"
	"  (SELECT string_agg(to_jsonb(x)::text, E'\\n' ORDER BY x.id)"
	"   FROM digest_item x),"
	"  (SELECT string_agg(to_jsonb(x)::text, E'\\n' ORDER BY x.sender)"
	"   FROM flood_quarantine x))"
	"$$;"
	"CREATE FUNCTION test_seq_restore(s jsonb) RETURNS void "
	"LANGUAGE sql AS $$"
	" SELECT setval(k, coalesce(v::bigint, 1), v IS NOT NULL)"
	" FROM jsonb_each_text(s) AS e(k, v)"
	"$$;"
	"CREATE FUNCTION test_twice(p jsonb, OUT set_based text, "
	"    OUT one_by_one text) LANGUAGE plpgsql AS $$"
	"DECLARE"
	"	v_seq	jsonb := (SELECT jsonb_object_agg(s.schemaname ||"
	"	    '.' || s.sequencename, s.last_value) FROM pg_sequences s);"
	"BEGIN"
	"	BEGIN"
	"		set_based := (SELECT string_agg(to_jsonb(r)::text,"
	"		    E'\\n' ORDER BY r.i) FROM farol_ingest_many(p) r)"
	"		    ||"
	"		    E'\\n' || test_dump();"
	"		RAISE EXCEPTION 'undo' USING ERRCODE = 'FT001';"
	"	EXCEPTION WHEN SQLSTATE 'FT001' THEN"
	"		PERFORM test_seq_restore(v_seq);"
	"	END;"
	"	one_by_one := '';"
	"	BEGIN"
	"		FOR k IN 0 .. jsonb_array_length(p) - 1 LOOP"
	"			one_by_one := one_by_one || (SELECT"
	"			    to_jsonb(r)::text FROM"
	"			    farol_ingest_element(p->k, k) r) || E'\\n';"
	"		END LOOP;"
	"		one_by_one := one_by_one || test_dump();"
	"		RAISE EXCEPTION 'undo' USING ERRCODE = 'FT001';"
	"	EXCEPTION WHEN SQLSTATE 'FT001' THEN"
	"		PERFORM test_seq_restore(v_seq);"
	"	END;"
	"END"
	"$$;";

/* The registry, the message of element 1 stored (alert 100), two
 * receipts to S2 in the last hour, alert numbers from 5001. */
static void
make_rows(void)
{
	char *sql;

	REQUIRE(pgcluster_exec(cluster,
	    "INSERT INTO authority (id, name) VALUES ('pn', 'PN'), "
	    "('icca', 'ICCA');"
	    "INSERT INTO focal_point (id, number, name) VALUES "
	    "('fp1', '" S1 "', 'FP 1'), ('fp2', '" S2 "', 'FP 2');") == 0,
	    "registry");
	REQUIRE(asprintf(&sql, "SELECT count(*) FROM farol_ingest_many("
	    "'[%s]')", STORED) > 0, "out of memory");
	REQUIRE(pgcluster_query_long(cluster, sql) == 1, "stored");
	free(sql);
	REQUIRE(pgcluster_exec(cluster,
	    "INSERT INTO outbox (message_id, recipient, text, purpose) "
	    "SELECT id, '" S2 "', 'r', 'receipt' FROM message, "
	    "generate_series(1, 2);"
	    "SELECT setval('alert_ref_seq', 5000);") == 0, "receipts");
	REQUIRE(pgcluster_exec(cluster, twice_sql) == 0, "test_twice");
}

/* The text of before || b || after (caller frees). */
static char *
query_batch(const char *before, const char *b, const char *after)
{
	char *sql, *got;

	REQUIRE(asprintf(&sql, "%s'%s'%s", before, b, after) > 0,
	    "out of memory");
	got = pgcluster_query_text(cluster, sql);
	free(sql);
	return got;
}

/* The batch goes the set-based way, and gives what one by one gives. */
static void
test_same_as_one_by_one(void)
{
	char *got;

	got = query_batch("SELECT farol_ingest_plain(", batch, ")");
	CHECK_STR(got, "t", "the batch's reports are stored at once");
	free(got);
	got = query_batch("SELECT CASE WHEN set_based = one_by_one THEN 'same' "
	    "ELSE set_based || E'\\n---- one by one:\\n' || one_by_one END "
	    "FROM test_twice(", batch, ")");
	CHECK_STR(got, "same", "set-based = one by one");
	free(got);
}

static void
check_q(const char *sql, const char *want, const char *what)
{
	char *got = pgcluster_query_text(cluster, sql);

	CHECK_STR(got, want, "%s", what);
	free(got);
}

/*
 * A run farol_ingest_plain refuses goes element by element: to S6, a
 * receipt without a limit between receipts limited to 3 counts for the
 * later ones (one by one: the fourth is the third counted, cancelled),
 * which the set-based count of limited rows would not see.
 */
static void
test_not_plain(void)
{
	static const char mixed[] = "["
	    "{" MSG(S6, "M0", "20") ", \"outbox\": [" RECEIPT(S6, "3") "]},"
	    "{" MSG(S6, "M1", "21") ", \"outbox\": [{\"recipient\": \"" S6
	    "\", \"text\": \"?\", \"purpose\": \"receipt\", "
	    "\"after_s\": 0}]},"
	    "{" MSG(S6, "M2", "22") ", \"outbox\": [" RECEIPT(S6, "3") "]},"
	    "{" MSG(S6, "M3", "23") ", \"outbox\": [" RECEIPT(S6, "3") "]}]";
	char *got;

	got = query_batch("SELECT farol_ingest_plain(", mixed, ")");
	CHECK_STR(got, "f", "a limit and none to one number: not plain");
	free(got);
	got = query_batch("SELECT CASE WHEN set_based = one_by_one THEN "
	    "'same' ELSE set_based || E'\\n---- one by one:\\n' || "
	    "one_by_one END FROM test_twice(", mixed, ")");
	CHECK_STR(got, "same", "not plain: as one by one");
	free(got);
	free(query_batch("SELECT count(*) FROM farol_ingest_many(", mixed,
	    ")"));
	check_q("SELECT string_agg(state, ', ' ORDER BY id) FROM outbox "
	    "WHERE recipient = '" S6 "'", "queued, queued, queued, cancelled",
	    "the unlimited receipt counted");
}


/* Stored for real: the facts, one by one. */
static void
test_facts(void)
{
	char *got;

	got = query_batch("SELECT string_agg(concat_ws(' ', r.i, r.inserted, "
	    "r.alert_ref, r.outbox_queued, r.result), ', ' ORDER BY r.i) "
	    "FROM farol_ingest_many(", batch, ") r");
	CHECK_STR(got, "0 t 5001 3, 1 f 100 0, 2 f 5001 0, 3 t 5002 1, "
	    "4 t 50 2, 5 t 5001 0 ok, 6 t 2, 7 t 1, 8 t 5003 1, "
	    "9 t 5004 1, 10 t 0, 11 f 0, 12 t 2, 13 t 0", "result rows");
	free(got);
	check_q("SELECT count(*) FROM message", "12",
	    "one message per key (11 new, 1 stored before)");
	check_q("SELECT string_agg(ref || ' ' || state, ', ' ORDER BY ref) "
	    "FROM alert", "50 forwarded, 100 received, 5001 cancelled, "
	    "5002 received, 5003 received, 5004 received",
	    "alerts: the command saw 5001, 50 forwarded in the outage");
	check_q("SELECT string_agg(o.recipient || ' ' || o.state, ', ' "
	    "ORDER BY o.id) FROM outbox o WHERE o.purpose IN ('receipt', "
	    "'reply') AND o.text <> 'r'", S1 " queued, " S2 " queued, "
	    S2 " cancelled, " S3 " queued, " S3 " queued, " S3 " cancelled, "
	    S1 " queued, " S5 " queued, " S5 " queued",
	    "the reply limit counts the batch's earlier rows");
	check_q("SELECT text FROM outbox WHERE purpose = 'receipt' AND "
	    "recipient = '" S1 "' ORDER BY id DESC LIMIT 1",
	    "Alerta 5003 recebido", "{ref} replaced");
	check_q("SELECT count(*) FROM outbox WHERE alert_id = (SELECT id "
	    "FROM alert WHERE ref = 5001) AND purpose = 'forward' AND "
	    "state = 'cancelled'", "2", "ANULAR stopped 5001's forwards");
	check_q("SELECT string_agg(a.ref || ' ' || e.to_state, ', ' "
	    "ORDER BY e.id) FROM alert_event e JOIN alert a ON "
	    "a.id = e.alert_id WHERE e.actor = 'farold'",
	    "100 received, 5001 received, 5002 received, 50 received, "
	    "50 forwarded, 5003 received, 5004 received",
	    "creation events, the outage's forward in its place");
	check_q("SELECT a.ref || ' ' || d.authority_id || ' ' || d.recipient "
	    "FROM digest_item d JOIN alert a ON a.id = d.alert_id",
	    "5003 pn +2389920001", "the U3's digest item");
	check_q("SELECT count(*) FROM outbox WHERE purpose = 'digest'", "0",
	    "no digest row in the outbox");
	check_q("SELECT count(*) FROM outbox WHERE purpose = 'admin'", "1",
	    "the flood notice once");
	check_q("SELECT sender FROM flood_quarantine WHERE ended_at IS NULL",
	    S4, "the quarantine");
	check_q("SELECT rung_plan->0->>'text' || ' ' || (rung_plan_next_at "
	    "- created_at)::text FROM alert WHERE ref = 50",
	    "FAROL {ref} 00:05:00", "the rung plan kept");
}

/* STORED again, as farold replays it when its first ingest committed
 * but the answer was lost: its forward sent from the spool (modem cv1,
 * message reference ref) under a number reserved for the outage. */
#define SENT_AGAIN(ref) "{" MSG(S2, "ALERTA OLD", "59") ", \"alert\": " \
	ALERT(S2, "2") ", \"ref\": 51}, \"outbox\": [{\"recipient\": " \
	"\"+2389920001\", \"text\": \"FAROL 51\", \"purpose\": " \
	"\"forward\", \"authority\": \"pn\", \"rung\": 1, \"after_s\": 0, " \
	"\"state\": \"submitted\", \"modem\": \"cv1\", \"message_ref\": " \
	ref ", \"submitted_at\": 1796198390}]}"
#define SENT_AGAIN_ROWS "SELECT count(*) FROM outbox o JOIN alert a ON " \
	"a.id = o.alert_id WHERE a.ref = 100 AND o.purpose = 'forward' " \
	"AND o.state = 'submitted' AND o.rung IS NULL AND o.text = " \
	"'FAROL 51'"

/*
 * A message already stored whose forward went from the spool: that SMS
 * is recorded, as a row of its own without a rung, once however often
 * the replay is repeated; the stored alert and its rows are left as they
 * are. Set-based (the element ends a run of 4) and one by one.
 */
static void
test_sent_again(void)
{
	static const char run[] = "["
	    "{" MSG(S5, "N0", "30") ", \"outbox\": []},"
	    "{" MSG(S5, "N1", "31") ", \"outbox\": []},"
	    "{" MSG(S5, "N2", "32") ", \"outbox\": []}," SENT_AGAIN("9") "]";
	char *got;

	got = query_batch("SELECT CASE WHEN set_based = one_by_one THEN "
	    "'same' ELSE set_based || E'\\n---- one by one:\\n' || "
	    "one_by_one END FROM test_twice(", run, ")");
	CHECK_STR(got, "same", "sent again: as one by one");
	free(got);
	got = query_batch("SELECT string_agg(concat_ws(' ', r.inserted, "
	    "r.alert_ref), ', ' ORDER BY r.i) FROM farol_ingest_many(", run,
	    ") r");
	CHECK_STR(got, "t, t, t, f 100", "the stored alert returned");
	free(got);
	check_q(SENT_AGAIN_ROWS, "1", "the forward sent from the spool "
	    "recorded (set-based)");
	check_q("SELECT x.ref || ' ' || a.ref || ' ' || a.state FROM "
	    "alert_ref_alias x JOIN alert a ON a.id = x.alert_id", "51 100 "
	    "forwarded", "its number an alias of the stored alert, forwarded");
	check_q("SELECT o.state || ': ' || o.error FROM outbox o JOIN alert a "
	    "ON a.id = o.alert_id WHERE a.ref = 100 AND o.rung = 1",
	    "cancelled: sent from the spool as alert 51", "the stored "
	    "alert's own forward to that number not sent again");
	free(query_batch("SELECT count(*) FROM farol_ingest_many(", "["
	    SENT_AGAIN("9") "]", ")"));
	check_q(SENT_AGAIN_ROWS, "1", "replayed again: recorded once");
	free(query_batch("SELECT count(*) FROM farol_ingest_many(", "["
	    SENT_AGAIN("10") "]", ")"));
	check_q(SENT_AGAIN_ROWS, "2", "another send recorded (one by one)");
	check_q("SELECT count(*) FROM alert WHERE ref IN (51, 100)", "1",
	    "no alert made");
	check_q("SELECT count(*) FROM outbox WHERE state = 'queued' AND "
	    "purpose = 'forward'", "0", "nothing left to send twice");
}

/* A command for alert number r from `from' (the sender as given). */
#define COMMAND(from, text, min, cmd, r) "{" MSG(from, text, min) ", " \
	"\"command\": \"" cmd "\", \"ref\": " r ", \"note\": \"" text \
	"\", \"replies\": [], \"from\": \"" from "\"}"

/*
 * After test_sent_again: the number the spool's forward carried (51)
 * names the stored alert (100) in every command, with the same checks:
 * the duty phone that got it acknowledges it, its focal point adds
 * news and closes it; an alias of nothing is unknown. Two commands in a
 * batch name the alert by both numbers (the batch locks it once).
 */
static void
test_alias_commands(void)
{
	char *got;

	got = query_batch("SELECT string_agg(concat_ws(' ', r.result, "
	    "r.alert_ref, r.state), ', ' ORDER BY r.i) FROM "
	    "farol_ingest_many(", "[" COMMAND("+2389920001", "OK 51", "40",
	    "OK", "51") ", " COMMAND(S2, "INFO 100 mais", "41", "INFO", "100")
	    ", " COMMAND(S2, "INFO 51 ainda", "42", "INFO", "51") ", "
	    COMMAND("+2389920009", "OK 51", "43", "OK", "51") ", "
	    COMMAND(S2, "OK 52", "44", "OK", "52") "]", ") r");
	CHECK_STR(got, "ok 100 acknowledged, ok 100 acknowledged, "
	    "ok 100 acknowledged, already 100 acknowledged, unknown_ref",
	    "OK and INFO by the alias act on the alert, as by its number");
	free(got);
	got = query_batch("SELECT string_agg(concat_ws(' ', r.result, "
	    "r.alert_ref, r.state), ', ' ORDER BY r.i) FROM "
	    "farol_ingest_many(", "[" COMMAND("+2389920009", "FIM 51", "45",
	    "FIM", "51") ", " COMMAND(S2, "FIM 51 resolvido", "46", "FIM",
	    "51") "]", ") r");
	CHECK_STR(got, "not_allowed 100 acknowledged, ok 100 closed",
	    "FIM by the alias: refused to a stranger, done for the sender");
	free(got);
	check_q("SELECT string_agg(e.to_state || ' ' || e.note, ', ' ORDER "
	    "BY e.id) FROM alert_event e JOIN alert a ON a.id = e.alert_id "
	    "WHERE a.ref = 100 AND e.actor <> 'farold'", "acknowledged pn, "
	    "acknowledged INFO 100 mais, acknowledged INFO 51 ainda, "
	    "acknowledged OK after PN, closed FIM 51 resolvido", "the events, on alert 100");
}

int
main(void)
{
	cluster = pgcluster_start("db_ingest_many");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);
	batch_make();
	make_rows();
	test_same_as_one_by_one();
	test_facts();
	test_not_plain();
	test_sent_again();
	test_alias_commands();
	pgcluster_destroy(cluster);
	return check_status();
}
