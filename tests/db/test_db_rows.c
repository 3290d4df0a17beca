/*
 * test_db_rows.c: the typed rows of db/rows.h on real PostgreSQL results:
 * the functions' own results read right (columns by name, in any order),
 * and a missing column, a NULL where a value is required or a value of
 * the wrong type fail with a cause naming the column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "pgcluster.h"
#include "rows.h"

static PGconn	*conn;

static PGresult *
query(const char *sql)
{
	PGresult	*res = PQexec(conn, sql);

	REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(conn));
	return res;
}

static void
test_claim(void)
{
	struct rows_claim	*rows;
	PGresult		*res;
	char			*cause = NULL;
	int			 n;

	/* The columns in another order than the function's. */
	res = query("SELECT 3 AS attempts, 'hello' AS text, false AS "
	    "taken_over, 42::bigint AS id, NULL::bigint AS alert_id, "
	    "'+2389911111' AS recipient, 'forward' AS purpose "
	    "UNION ALL SELECT 1, 'again', true, 43, 7, '+2389922222', "
	    "'reply'");
	CHECK(rows_claim_read(res, &rows, &n, &cause) == 0, "claim: %s",
	    cause);
	REQUIRE(n == 2 && rows != NULL, "claim: %d rows", n);
	CHECK(rows[0].id == 42 && rows[0].attempts == 3 &&
	    rows[0].alert_id == 0 && rows[0].alert_id_text == NULL &&
	    strcmp(rows[0].recipient, "+2389911111") == 0 &&
	    strcmp(rows[0].text, "hello") == 0 &&
	    strcmp(rows[0].purpose, "forward") == 0, "claim row 0");
	CHECK(rows[1].id == 43 && rows[1].alert_id == 7 &&
	    strcmp(rows[1].alert_id_text, "7") == 0 &&
	    rows[1].taken_over == 1 && rows[0].taken_over == 0,
	    "claim row 1");
	free(rows);
	PQclear(res);

	res = query("SELECT 1::bigint AS id, 'x' AS recipient, 'y' AS text, "
	    "'reply' AS purpose, NULL::bigint AS alert_id, 1 AS attempts");
	CHECK(rows_claim_read(res, &rows, &n, &cause) == -1 && cause != NULL &&
	    strstr(cause, "taken_over") != NULL,
	    "missing column accepted: %s", cause ? cause : "no cause");
	CHECK(rows == NULL && n == 0, "rows left on failure");
	free(cause);
	cause = NULL;
	PQclear(res);

	res = query("SELECT 'many' AS id, 'x' AS recipient, 'y' AS text, "
	    "'reply' AS purpose, NULL::bigint AS alert_id, 1 AS attempts, "
	    "false AS taken_over");
	CHECK(rows_claim_read(res, &rows, &n, &cause) == -1 && cause != NULL &&
	    strstr(cause, "column id") != NULL,
	    "a text id accepted: %s", cause ? cause : "no cause");
	free(cause);
	cause = NULL;
	PQclear(res);

	res = query("SELECT NULL::bigint AS id, 'x' AS recipient, 'y' AS text,"
	    " 'reply' AS purpose, NULL::bigint AS alert_id, 1 AS attempts, "
	    "false AS taken_over");
	CHECK(rows_claim_read(res, &rows, &n, &cause) == -1 && cause != NULL &&
	    strstr(cause, "column id") != NULL,
	    "a NULL id accepted: %s", cause ? cause : "no cause");
	free(cause);
	PQclear(res);
}

static void
test_ingest(void)
{
	struct rows_ingest	*rows;
	PGresult		*res;
	char			*cause = NULL;
	int			 n;

	res = query("SELECT 0 AS i, 10::bigint AS message_id, true AS "
	    "inserted, NULL AS result, 5::bigint AS alert_id, 100::bigint AS "
	    "alert_ref, 8 AS outbox_queued, NULL AS state, NULL AS "
	    "focal_number, NULL AS authority_name, NULL::text[] AS holders "
	    "UNION ALL SELECT 1, 11, false, 'ok', 5, 100, 0, 'closed', "
	    "'+2389911111', 'PN', '{+2389922222,+2389933333}'");
	CHECK(rows_ingest_read(res, &rows, &n, &cause) == 0, "ingest: %s",
	    cause);
	REQUIRE(n == 2 && rows != NULL, "ingest: %d rows", n);
	CHECK(rows[0].i == 0 && rows[0].message_id == 10 &&
	    strcmp(rows[0].message_id_text, "10") == 0 && rows[0].inserted &&
	    rows[0].result == NULL && rows[0].alert_id == 5 &&
	    rows[0].alert_ref == 100 &&
	    rows[0].outbox_queued == 8 && rows[0].holders == NULL,
	    "ingest row 0");
	CHECK(rows[1].i == 1 && !rows[1].inserted &&
	    strcmp(rows[1].result, "ok") == 0 &&
	    strcmp(rows[1].state, "closed") == 0 &&
	    strcmp(rows[1].authority_name, "PN") == 0 &&
	    strcmp(rows[1].holders, "{+2389922222,+2389933333}") == 0,
	    "ingest row 1");
	free(rows);
	PQclear(res);

	res = query("SELECT 0 AS i, 10::bigint AS message_id, 'yes' AS "
	    "inserted, NULL AS result, NULL::bigint AS alert_id, NULL::bigint "
	    "AS alert_ref, 0 AS outbox_queued, NULL AS state, NULL AS focal_number, NULL AS "
	    "authority_name, NULL AS holders");
	CHECK(rows_ingest_read(res, &rows, &n, &cause) == -1 && cause != NULL &&
	    strstr(cause, "column inserted") != NULL,
	    "'yes' read as a boolean: %s", cause ? cause : "no cause");
	free(cause);
	PQclear(res);
}

static void
test_one_int(void)
{
	PGresult	*res;
	char		*cause = NULL;
	int		 v;

	res = query("SELECT 3 AS requeued");
	CHECK(rows_one_int(res, "requeued", &v, &cause) == 0 && v == 3,
	    "one int: %s", cause);
	CHECK(rows_one_int(res, "other", &v, &cause) == -1 && cause != NULL &&
	    strstr(cause, "other") != NULL, "other column accepted");
	free(cause);
	cause = NULL;
	PQclear(res);
	res = query("SELECT 9999999999 AS requeued");
	CHECK(rows_one_int(res, "requeued", &v, &cause) == -1,
	    "out of range accepted");
	free(cause);
	PQclear(res);
}

int
main(void)
{
	struct pgcluster	*cluster;

	cluster = pgcluster_start("db_rows");
	REQUIRE(cluster != NULL, "pgcluster_start");
	conn = PQconnectdb(pgcluster_conninfo(cluster));
	REQUIRE(PQstatus(conn) == CONNECTION_OK, "connect: %s",
	    PQerrorMessage(conn));
	test_claim();
	test_ingest();
	test_one_int();
	PQfinish(conn);
	pgcluster_destroy(cluster);
	return check_status();
}
