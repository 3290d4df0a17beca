/*
 * migrate.c: builds the SQL of schema migrations from the files embedded
 * at build time (db/schema/embed.sh). db.c sends it asynchronously; this
 * file does no I/O. Each migration runs in its own transaction under a
 * transaction-scoped advisory lock, so gateways starting together apply
 * each version once; a schema file must never contain BEGIN or COMMIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

/* pg_advisory_xact_lock key: "farolmig" as a big-endian int64. */
#define MIGRATE_LOCK_KEY "7377303487495629159"

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
	    "SELECT coalesce(max(version), 0) FROM schema_version;\n";
}

const char *
migrate_commit_sql(void)
{
	return "COMMIT;\n";
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
migrate_next_sql(int current, char **sql, int *version)
{
	const struct migrate_file	*m;
	size_t				 len = 0, i;
	char				 tail[256];
	char				*s, *p;
	int				 n;

	*sql = NULL;
	if ((m = migrate_find_next(current)) == NULL)
		return 0;
	/* Names come from file names: [A-Za-z0-9_] only, safe to quote. */
	n = snprintf(tail, sizeof tail,
	    "INSERT INTO schema_version (version, name) VALUES (%d, '%s');\n"
	    "COMMIT;\n", m->version, m->name);
	if (n < 0 || (size_t)n >= sizeof tail)
		return -1;
	for (i = 0; m->lines[i] != NULL; i++)
		len += strlen(m->lines[i]);
	s = malloc(len + (size_t)n + 2);
	if (s == NULL)
		return -1;
	p = s;
	for (i = 0; m->lines[i] != NULL; i++) {
		len = strlen(m->lines[i]);
		memcpy(p, m->lines[i], len);
		p += len;
	}
	*p++ = '\n';
	memcpy(p, tail, (size_t)n + 1);
	*sql = s;
	*version = m->version;
	return 1;
}
