/*
 * test_db_registry.c: farol_sync_registry (db/functions/registry.sql),
 * which farold calls at every start-up before any report is stored. The
 * same registry again writes nothing (no transaction id: no WAL flush
 * in the way of the first report); a changed focal point, authority or
 * ladder is written; one left out of the file becomes inactive, once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbtest.h"
#include "pgcluster.h"

static struct pgcluster	*cluster;

#define FP(id, num, name) "{\"id\": \"" id "\", \"number\": \"" num \
	"\", \"name\": \"" name "\", \"area\": \"SV\", \"lang\": \"pt\"}"
#define AU(id, ladder) "{\"id\": \"" id "\", \"name\": \"Policia\", " \
	"\"areas\": [\"SV\"], \"lang\": \"pt\", \"ladder\": [" ladder "]}"

/* Sync p; returns whether that wrote anything (a transaction id). */
static int
sync_wrote(const char *p)
{
	char	 sql[2048], *v;
	int	 wrote;

	snprintf(sql, sizeof sql, "SELECT farol_sync_registry('%s'::jsonb); "
	    "SELECT coalesce(txid_current_if_assigned()::text, 'none')", p);
	v = pgcluster_query_text(cluster, sql);
	REQUIRE(v != NULL, "sync %s", p);
	wrote = strcmp(v, "none") != 0;
	free(v);
	return wrote;
}

static char *
text(const char *sql)
{
	char	*v = pgcluster_query_text(cluster, sql);

	REQUIRE(v != NULL, "%s", sql);
	return v;
}

static void
check_text(const char *sql, const char *want, const char *what)
{
	char	*v = text(sql);

	CHECK(strcmp(v, want) == 0, "%s: got %s, want %s", what, v, want);
	free(v);
}

int
main(void)
{
	const char *one = "{\"focal_points\": [" FP("fp1", "+2389911111",
	    "Ana") ", " FP("fp2", "+2389922222", "Rui") "], \"authorities\": ["
	    AU("pol", "\"+2389933333\", \"+2389944444\"") "]}";
	const char *renamed = "{\"focal_points\": [" FP("fp1", "+2389911111",
	    "Ana Maria") ", " FP("fp2", "+2389922222", "Rui") "], "
	    "\"authorities\": [" AU("pol", "\"+2389933333\", \"+2389944444\"")
	    "]}";
	const char *ladder = "{\"focal_points\": [" FP("fp1", "+2389911111",
	    "Ana Maria") ", " FP("fp2", "+2389922222", "Rui") "], "
	    "\"authorities\": [" AU("pol", "\"+2389944444\"") "]}";
	const char *dropped = "{\"focal_points\": [" FP("fp1", "+2389911111",
	    "Ana Maria") "], \"authorities\": [" AU("pol", "\"+2389944444\"")
	    "]}";

	cluster = pgcluster_start("db_registry");
	REQUIRE(cluster != NULL, "pgcluster_start");
	dbtest_schema(cluster);

	CHECK(sync_wrote(one), "a new registry was not written");
	check_text("SELECT string_agg(id || ':' || name, ',' ORDER BY id) "
	    "FROM focal_point", "fp1:Ana,fp2:Rui", "focal points");
	CHECK(!sync_wrote(one), "the same registry again wrote rows");

	CHECK(sync_wrote(renamed), "a renamed focal point was not written");
	check_text("SELECT name FROM focal_point WHERE id = 'fp1'",
	    "Ana Maria", "renamed");
	CHECK(!sync_wrote(renamed), "the same registry again wrote rows");

	CHECK(sync_wrote(ladder), "a changed ladder was not written");
	check_text("SELECT string_agg(rung || ':' || number, ',' ORDER BY "
	    "rung) FROM authority_contact WHERE authority_id = 'pol'",
	    "1:+2389944444", "ladder");
	CHECK(!sync_wrote(ladder), "the same registry again wrote rows");

	CHECK(sync_wrote(dropped), "a focal point left out was not written");
	check_text("SELECT active::text || ' ' || number FROM focal_point "
	    "WHERE id = 'fp2'", "false released:fp2", "left out");
	CHECK(!sync_wrote(dropped), "an inactive focal point written again");

	CHECK(sync_wrote(ladder), "a focal point back was not written");
	check_text("SELECT active::text || ' ' || number FROM focal_point "
	    "WHERE id = 'fp2'", "true +2389922222", "back");

	pgcluster_destroy(cluster);
	return check_status();
}
