/*
 * bench_store.c: the durable store's rates, side by side with the raw
 * PostgreSQL single-row commit rate, on the same private cluster in the
 * same run (default settings: fsync on, synchronous_commit on).
 *
 *   raw:     INSERT of one row into a one-column table, one transaction
 *            each, one at a time (libpq, Unix socket): the floor.
 *   ingest:  farol_ingest_report() with a realistic U1 alert and its
 *            outbox rows (receipt, 2 forwards, 4 rungs, 1 administrator),
 *            one transaction per report, one at a time: how farold stores
 *            a report when reports trickle in.
 *   replay:  farol_ingest_many() with 64 such reports per call (one
 *            transaction): how the spool is replayed, and how farold
 *            stores a burst (group commit).
 *   floor:   the same rows (1 message, 1 alert, 1 event, 7 outbox rows per
 *            report), 64 reports per transaction, written by one INSERT
 *            per table into copies of the tables that keep only what
 *            "nothing doubled" needs (a primary key on each, the unique
 *            deduplication key on the message): no foreign key, no other
 *            index, no check, no function call per report. What this
 *            machine needs to write the rows of a report at the least.
 *   no fk:   the same, into copies with every index, unique key and check
 *            of the real tables but no foreign key: what the schema would
 *            cost without its integrity checks, keeping the indexes the
 *            dispatcher and the Observatory's queries need.
 *
 * The two targets together ask replay >= 5 x ingest >= 2.5 x raw, so the
 * bench prints floor / raw next to 2.5: when the floor itself is below
 * 2.5 x raw, no schema keeping those keys can meet both targets on this
 * machine (see tests/bench/RESULTS.md).
 *
 * The schema is made by the real farold (started once, then stopped).
 * Targets (issue 4): ingest >= raw / 2; replay >= 5 x ingest.
 * Run on demand: build/tests/bench/bench_store [N]   (default 2000)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define BATCH 64

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char alert_json[] =
    "{\"state\":\"received\",\"focal_point\":\"fp-sv-01\",\"sender\":"
    "\"+2389912345\",\"verified\":true,\"area\":\"SV\",\"forms\":[\"SX\"],"
    "\"urgency\":1,\"victims\":2,\"females\":null,\"males\":null,"
    "\"minor\":true,\"text\":\"bar Calheta\",\"held_reason\":null}";

static const char outbox_json[] = "["
    "{\"recipient\":\"+2389912345\",\"text\":\"Alerta {ref} recebido: SV, "
    "exploracao sexual, U1, 2 vitimas, menor. Policia SV +2 avisadas. ANULAR "
    "{ref} se errado.\",\"purpose\":\"receipt\",\"after_s\":0,"
    "\"limit_max\":20,\"limit_per_s\":3600},"
    "{\"recipient\":\"+2389920001\",\"text\":\"FAROL {ref} U1 SV SX V2 MENOR: "
    "bar Calheta FP Maria +2389912345. Responda OK {ref}\",\"purpose\":"
    "\"forward\",\"authority\":\"pn-sv\",\"rung\":1,\"after_s\":0},"
    "{\"recipient\":\"+2389980001\",\"text\":\"FAROL {ref} U1 SV SX\","
    "\"purpose\":\"forward\",\"authority\":\"icca\",\"rung\":1,\"after_s\":0},"
    "{\"recipient\":\"+2389920002\",\"text\":\"FAROL {ref} U1 SV SX\","
    "\"purpose\":\"escalation\",\"authority\":\"pn-sv\",\"rung\":2,"
    "\"after_s\":300},"
    "{\"recipient\":\"+2389980002\",\"text\":\"FAROL {ref} U1 SV SX\","
    "\"purpose\":\"escalation\",\"authority\":\"icca\",\"rung\":2,"
    "\"after_s\":300},"
    "{\"recipient\":\"+2389920003\",\"text\":\"FAROL {ref} U1 SV SX\","
    "\"purpose\":\"escalation\",\"authority\":\"pn-sv\",\"rung\":3,"
    "\"after_s\":600},"
    "{\"recipient\":\"+2389999001\",\"text\":\"FAROL {ref} SEM RESPOSTA\","
    "\"purpose\":\"escalation\",\"after_s\":900}]";

static int
exec_ok(PGconn *c, PGresult *r)
{
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "bench_store: %s", PQerrorMessage(c));
	PQclear(r);
	return ok;
}

/* Every statement is prepared once, as farold prepares its own
 * (db_prepare_add), so no figure includes parsing and planning. */
static void
prepare(PGconn *c, const char *name, const char *sql, int n_params)
{
	REQUIRE(exec_ok(c, PQprepare(c, name, sql, n_params, NULL)),
	    "prepare %s", name);
}

static double
raw_rate(PGconn *c, int n)
{
	double t0;

	REQUIRE(exec_ok(c, PQexec(c, "CREATE TABLE bench_raw (v int)")),
	    "create");
	prepare(c, "raw", "INSERT INTO bench_raw VALUES (1)", 0);
	t0 = now_s();
	for (int i = 0; i < n; i++)
		REQUIRE(exec_ok(c, PQexecPrepared(c, "raw", 0, NULL, NULL, NULL,
		    0)), "insert");
	return n / (now_s() - t0);
}

static double
ingest_rate(PGconn *c, int n)
{
	const char *v[4];
	char text[64], when[32];
	double t0;

	prepare(c, "ingest", "SELECT * FROM farol_ingest_report('cv1', "
	    "'+2389912345', $1, to_timestamp($2::double precision), now(), 1, "
	    "NULL, 'sms', 1, $3::jsonb, $4::jsonb)", 4);
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		snprintf(text, sizeof text, "ALERTA SV SX U1 V2 MENOR bar %d",
		    i);
		snprintf(when, sizeof when, "%d", 1700000000 + i);
		v[0] = text;
		v[1] = when;
		v[2] = alert_json;
		v[3] = outbox_json;
		REQUIRE(exec_ok(c, PQexecPrepared(c, "ingest", 4, v, NULL,
		    NULL, 0)), "ingest %d", i);
	}
	return n / (now_s() - t0);
}

/* n reports in batches of BATCH, each batch a JSON array passed as $1 to
 * sql, one call (one transaction) per batch; reports/s. tag makes the
 * texts (and so the deduplication keys) differ between runs. */
static double
batches_rate(PGconn *c, int n, const char *sql, const char *tag, int t0_s)
{
	size_t cap = (sizeof alert_json + sizeof outbox_json + 512) * BATCH;
	char *batch = malloc(cap);
	const char *v[1];
	double t0;
	size_t len;

	REQUIRE(batch != NULL, "memory");
	prepare(c, tag, sql, 1);
	t0 = now_s();
	for (int done = 0; done < n; done += BATCH) {
		len = 0;
		batch[len++] = '[';
		for (int i = done; i < done + BATCH && i < n; i++)
			len += (size_t)snprintf(batch + len, cap - len,
			    "%s{\"modem\":\"cv1\",\"sender\":\"+2389912345\","
			    "\"text\":\"ALERTA SV SX U1 V2 MENOR %s %d\","
			    "\"smsc_time\":\"\",\"received_at\":%d,\"parts\":1,"
			    "\"concat_ref\":-1,\"kind\":\"sms\","
			    "\"parts_expected\":1,\"alert\":%s,\"outbox\":%s}",
			    i > done ? "," : "", tag, i, t0_s + i, alert_json,
			    outbox_json);
		snprintf(batch + len, cap - len, "]");
		v[0] = batch;
		REQUIRE(exec_ok(c, PQexecPrepared(c, tag, 1, v, NULL, NULL,
		    0)), "%s batch at %d", tag, done);
	}
	free(batch);
	return n / (now_s() - t0);
}

static double
replay_rate(PGconn *c, int n)
{
	return batches_rate(c, n, "SELECT count(*) FROM "
	    "farol_ingest_many($1::jsonb)", "replay", 1800000000);
}

/*
 * One statement (one transaction) per batch: the rows of every report of
 * the batch, set-based (one INSERT per table), into the tables of the
 * schema first on the search_path (the copies made by floor_tables).
 */
static const char floor_sql[] =
    "WITH r AS MATERIALIZED (SELECT t.ord, t.j, nextval('floor_seq') AS mid, "
    "nextval('floor_seq') AS aid "
    "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(j, ord)), "
    "m AS (INSERT INTO message (id, modem, sender, text, smsc_time, "
    "received_at, parts, parts_expected, concat_ref, kind, dedupe_key) "
    "SELECT mid, j->>'modem', j->>'sender', j->>'text', NULL, "
    "to_timestamp((j->>'received_at')::double precision), 1, 1, NULL, "
    "'sms', encode(sha256(convert_to(j->>'text', 'UTF8')), 'hex') "
    "FROM r ON CONFLICT (dedupe_key) DO NOTHING), "
    "a AS (INSERT INTO alert (id, ref, message_id, focal_point, sender, "
    "verified, area, forms, urgency, victims, minor, text, state, "
    "received_at) SELECT aid, aid, mid, j->'alert'->>'focal_point', "
    "j->>'sender', true, j->'alert'->>'area', '{SX}', 1, 2, true, "
    "j->'alert'->>'text', 'received', now() FROM r), "
    "e AS (INSERT INTO alert_event (id, alert_id, from_state, to_state, "
    "actor) SELECT nextval('floor_seq'), aid, NULL, 'received', 'farold' "
    "FROM r) "
    "INSERT INTO outbox (id, alert_id, message_id, recipient, text, "
    "purpose, authority_id, rung, not_before) "
    "SELECT nextval('floor_seq'), r.aid, r.mid, o.recipient, "
    "replace(o.text, '{ref}', r.aid::text), o.purpose, o.authority, "
    "o.rung, now() + make_interval(secs => o.after_s) FROM r, "
    "jsonb_to_recordset(r.j->'outbox') AS o(recipient text, text text, "
    "purpose text, authority text, rung int, after_s double precision)";

/* Copies of the four tables in schema `schema', first on the search_path
 * from now on: "keys" has the columns, NOT NULL, defaults and primary
 * keys, plus the message's unique deduplication key; "nofk" has
 * everything the real tables have (every index, unique key and check)
 * except their foreign keys. */
static void
floor_tables(PGconn *c, const char *schema)
{
	static const char *tables[] = { "message", "alert", "alert_event",
	    "outbox" };
	char sql[512];
	int keys = strcmp(schema, "keys") == 0;

	snprintf(sql, sizeof sql, "CREATE SCHEMA %s; SET search_path = %s, "
	    "public; CREATE SEQUENCE %s.floor_seq", schema, schema, schema);
	REQUIRE(exec_ok(c, PQexec(c, sql)), "%s", sql);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(sql, sizeof sql, "CREATE TABLE %s.%s (LIKE public.%s "
		    "%s%s)", schema, tables[i], tables[i], keys ?
		    "INCLUDING DEFAULTS, PRIMARY KEY (id)" : "INCLUDING ALL",
		    keys && i == 0 ? ", UNIQUE (dedupe_key)" : "");
		REQUIRE(exec_ok(c, PQexec(c, sql)), "%s", sql);
	}
}

static double
floor_rate(PGconn *c, int n, const char *schema)
{
	double rate;

	floor_tables(c, schema);
	rate = batches_rate(c, n, floor_sql, schema, 1900000000);
	REQUIRE(exec_ok(c, PQexec(c, "SET search_path = public")), "path");
	return rate;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct gateway_proc g;
	struct pgcluster *pg;
	double raw, ingest, replay, floor, nofk;
	long stored;
	PGconn *c;

	if (n < BATCH) {
		fprintf(stderr, "usage: bench_store [N >= %d]\n", BATCH);
		return 2;
	}
	REQUIRE((pg = pgcluster_start("bench_store")) != NULL, "PostgreSQL");
	/* The real farold makes the schema and mirrors the registry. */
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	REQUIRE(console_wait_db_ready(&g, WAIT_MS) == 0, "ready");
	/* One call mirrors the whole registry (farol_sync_registry). */
	REQUIRE(stored_wait_q(pg, WAIT_MS, 1, "SELECT least(count(*), 1) FROM "
	    "focal_point") == 1, "registry mirrored");
	gateway_proc_signal(&g, SIGTERM);
	gateway_proc_wait_exit(&g, WAIT_MS);
	gateway_proc_destroy(&g);

	c = PQconnectdb(pgcluster_conninfo(pg));
	REQUIRE(PQstatus(c) == CONNECTION_OK, "connect");
	REQUIRE(pgcluster_query_long(pg, "SELECT count(*) FROM authority "
	    "WHERE id IN ('pn-sv', 'icca')") == 2, "registry mirrored");
	raw = raw_rate(c, n);
	ingest = ingest_rate(c, n);
	replay = replay_rate(c, n);
	floor = floor_rate(c, n, "keys");
	nofk = floor_rate(c, n, "nofk");
	PQfinish(c);
	stored = pgcluster_query_long(pg, "SELECT count(*) FROM alert");
	CHECK(stored == 2L * n, "alerts got=%ld want=%d", stored, 2 * n);
	CHECK(pgcluster_query_long(pg, "SELECT count(*) FROM outbox") ==
	    14L * n, "outbox rows");
	CHECK(pgcluster_query_long(pg, "SELECT count(*) FROM keys.outbox") ==
	    7L * n, "floor outbox rows");
	CHECK(pgcluster_query_long(pg, "SELECT count(*) FROM nofk.outbox") ==
	    7L * n, "no-foreign-key outbox rows");

	printf("\nstore, %d reports each, fsync on\n", n);
	printf("%-52s %10s\n", "", "reports/s");
	printf("%-52s %10.0f\n", "raw: single-row INSERT, one commit each",
	    raw);
	printf("%-52s %10.0f  (%.0f%% of raw; target >= 50%%)\n",
	    "ingest: report + alert + 7 outbox rows, one commit", ingest,
	    100 * ingest / raw);
	printf("%-52s %10.0f  (%.1fx ingest; target >= 5x)\n",
	    "replay: 64 reports per commit (farol_ingest_many)", replay,
	    replay / ingest);
	printf("%-52s %10.0f  (%.1fx raw)\n",
	    "floor: same rows, 64/commit, keys only", floor, floor / raw);
	printf("%-52s %10.0f  (%.1fx raw)\n",
	    "same, all indexes and checks, no foreign key", nofk, nofk / raw);
	printf("\nboth targets together need replay >= 2.5x raw: replay is "
	    "%.1fx raw\n", replay / raw);
	pgcluster_destroy(pg);
	return check_status();
}
