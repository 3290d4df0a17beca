/*
 * migrate.c: builds the SQL of schema migrations and of the function files
 * embedded at build time (db/schema/embed.sh). db.c sends it
 * asynchronously; this file does no I/O. The pending migrations, then
 * every function file, run in one transaction under a transaction-scoped
 * advisory lock, so gateways starting together apply each version once
 * and never replace functions at the same time; a schema or function file
 * must never contain BEGIN or COMMIT. The function files are skipped
 * while schema_functions says the database holds them unchanged (this
 * build's checksum, and the catalog's digest recorded with it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "migrate.h"

/* pg_advisory_xact_lock key: "farolmig" as a big-endian int64. */
#define MIGRATE_LOCK_KEY "7377303487495629159"

/*
 * The catalog's digest of what the function files make: every function
 * and view of the schema public, its signature, result, body and
 * attributes. Recorded when the files are applied, compared at start-up,
 * so a function changed by hand since is applied again from the files.
 */
#define MIGRATE_DIGEST_SQL \
	"(SELECT md5(coalesce(string_agg(d.x, ',' ORDER BY d.x), '')) " \
	"FROM (SELECT p.oid::regprocedure::text || ' ' || " \
	"p.prorettype::regtype::text || ' ' || md5(p.prosrc) || ' ' || " \
	"p.prosecdef::text || p.provolatile::text || p.proisstrict::text || " \
	"p.proretset::text || ' ' || coalesce(array_to_string(p.proconfig, " \
	"' '), '') AS x FROM pg_proc p WHERE p.pronamespace = " \
	"'public'::regnamespace UNION ALL SELECT c.oid::regclass::text || " \
	"' ' || md5(pg_get_viewdef(c.oid)) FROM pg_class c WHERE " \
	"c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace) d)"

const char *
migrate_setup_sql(void)
{
	/*
	 * client_connection_check_interval (PostgreSQL 14+) makes the server
	 * abort a query whose client went away, so a call dropped on timeout
	 * does not keep running.
	 */
	return "SET client_encoding = 'UTF8';\n"
	    "SET TimeZone = 'UTC';\n"
	    "SELECT set_config('client_connection_check_interval', '1000',"
	    " false)\n"
	    "  WHERE current_setting('server_version_num')::int >= 140000;\n";
}

const char *
migrate_lock_sql(void)
{
	return "BEGIN;\n"
	    "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ");\n"
	    "CREATE TABLE IF NOT EXISTS schema_version (\n"
	    "  version int PRIMARY KEY,\n"
	    "  name text NOT NULL,\n"
	    "  applied_at timestamptz NOT NULL DEFAULT now()\n"
	    ");\n"
	    "ALTER TABLE schema_version"
	    " ADD COLUMN IF NOT EXISTS checksum text;\n"
	    "CREATE TABLE IF NOT EXISTS schema_functions (\n"
	    "  checksum text NOT NULL,\n"
	    "  digest text NOT NULL,\n"
	    "  applied_at timestamptz NOT NULL DEFAULT now()\n"
	    ");\n"
	    "SELECT coalesce(max(version), 0) FROM schema_version;\n";
}

const char *
migrate_commit_sql(void)
{
	return "COMMIT;\n";
}

/* The lines of a file, joined, then tail; NULL with *cause. */
static char *
migrate_join(const char *const *lines, const char *tail, char **cause)
{
	size_t	len = strlen(tail) + 2, i, n;
	char	*s, *p;

	for (i = 0; lines[i] != NULL; i++)
		len += strlen(lines[i]);
	if ((s = malloc(len)) == NULL) {
		cause_set(cause, "out of memory for %zu bytes of SQL", len);
		return NULL;
	}
	p = s;
	for (i = 0; lines[i] != NULL; i++) {
		n = strlen(lines[i]);
		memcpy(p, lines[i], n);
		p += n;
	}
	*p++ = '\n';
	memcpy(p, tail, strlen(tail) + 1);
	return s;
}

char *
migrate_functions_sql(char **cause)
{
	char	*sql, *part, record[1024];
	size_t	 i;

	snprintf(record, sizeof record, "DELETE FROM schema_functions;\n"
	    "INSERT INTO schema_functions (checksum, digest) SELECT '%s', "
	    MIGRATE_DIGEST_SQL ";\n%s", migrate_functions_checksum,
	    migrate_commit_sql());
	/* Joined from the last file to the first, each before the rest. */
	if ((sql = migrate_join((const char *const []){ NULL }, record,
	    cause)) == NULL)
		return NULL;
	for (i = migrate_nfunction_files; i > 0; i--) {
		part = migrate_join(migrate_function_files[i - 1].lines, sql,
		    cause);
		free(sql);
		if ((sql = part) == NULL)
			return NULL;
	}
	return sql;
}

char *
migrate_functions_current_sql(char **cause)
{
	char	sql[1024];

	/* The checksum is digits: safe to quote. */
	snprintf(sql, sizeof sql, "SELECT coalesce((SELECT checksum = '%s' "
	    "AND digest = " MIGRATE_DIGEST_SQL " FROM schema_functions "
	    "LIMIT 1), false);\n", migrate_functions_checksum);
	return migrate_join((const char *const []){ NULL }, sql, cause);
}

int
migrate_latest(void)
{
	size_t	i;
	int	latest = 0;

	for (i = 0; i < migrate_nfiles; i++) {
		if (migrate_files[i].version > latest)
			latest = migrate_files[i].version;
	}
	return latest;
}

static const struct migrate_file *
migrate_find_next(int current)
{
	const struct migrate_file	*best = NULL;
	size_t				 i;

	for (i = 0; i < migrate_nfiles; i++) {
		if (migrate_files[i].version <= current)
			continue;
		if (best == NULL || migrate_files[i].version < best->version)
			best = &migrate_files[i];
	}
	return best;
}

int
migrate_next_sql(int current, char **sql, int *version, char **cause)
{
	const struct migrate_file	*m;
	char				 tail[256];
	int				 n;

	*sql = NULL;
	if ((m = migrate_find_next(current)) == NULL)
		return 0;
	/*
	 * Names come from file names ([A-Za-z0-9_] only) and checksums are
	 * digits: safe to quote.
	 */
	n = snprintf(tail, sizeof tail, "INSERT INTO schema_version "
	    "(version, name, checksum) VALUES (%d, '%s', '%s');\n",
	    m->version, m->name, m->checksum);
	if (n < 0 || (size_t)n >= sizeof tail) {
		cause_set(cause, "migration %d: name too long", m->version);
		return -1;
	}
	if ((*sql = migrate_join(m->lines, tail, cause)) == NULL)
		return -1;
	*version = m->version;
	return 1;
}
