/*
 * config.c: loads farol.conf into a struct config, all or nothing.
 *
 * Called at start-up, by --check-config, by farolctl and on every reload.
 * The file is parsed by libconfig, checked against the schema below (so
 * unknown names, wrong types and ranges are refused with FILE:LINE), and only
 * then copied into the struct. Nothing here touches the running daemon:
 * the caller decides whether to swap the new config in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <libconfig.h>
#include <libpq-fe.h>

#include "cause.h"
#include "config.h"
#include "config_export.h"
#include "schema.h"

#define INT_KEY(n, req, lo, hi) { n, SCHEMA_INT, req, lo, hi, NULL, NULL }
#define STR_KEY(n, req, lo, hi) { n, SCHEMA_STRING, req, lo, hi, NULL, NULL }
#define CHOICE_KEY(n, req, ch) { n, SCHEMA_STRING, req, 0, 0, NULL, ch }
#define BOOL_KEY(n, req) { n, SCHEMA_BOOL, req, 0, 0, NULL, NULL }
#define END_KEY { NULL, SCHEMA_STRING, 0, 0, 0, NULL, NULL }

static const struct schema_key gateway_keys[] = {
	STR_KEY("name", 1, 1, 63),
	STR_KEY("spool_dir", 1, 1, CONFIG_PATH_MAX - 1),
	STR_KEY("admin_socket", 0, 1, 107),
	STR_KEY("admin_group", 0, 1, 63),
	CHOICE_KEY("log_level", 0, "error|warning|info|debug"),
	INT_KEY("multipart_timeout", 0, 10, 86400),
	INT_KEY("stop_deadline", 0, 1, 3600),
	INT_KEY("lease", 0, 3, 3600),
	INT_KEY("pin_fallback", 0, 0, 86400),
	END_KEY,
};

static const struct schema_key database_keys[] = {
	STR_KEY("conninfo", 1, 1, 1023),
	INT_KEY("connect_timeout", 0, 1, 300),
	BOOL_KEY("migrate", 0),
	END_KEY,
};

static const struct schema_key http_keys[] = {
	{ "listen", SCHEMA_LISTEN, 0, 0, 0, NULL, NULL },
	END_KEY,
};

static const struct schema_key modem_keys[] = {
	STR_KEY("name", 1, 1, CONFIG_NAME_MAX - 1),
	STR_KEY("device", 1, 1, CONFIG_PATH_MAX - 1),
	STR_KEY("connection", 1, 1, CONFIG_NAME_MAX - 1),
	STR_KEY("model", 0, 0, CONFIG_NAME_MAX - 1),
	STR_KEY("pin", 0, 0, 8),
	CHOICE_KEY("role", 0, "receive|send|both"),
	INT_KEY("poll_interval", 0, 1, 3600),
	INT_KEY("send_per_minute", 0, 1, 60000),
	INT_KEY("timeout", 0, 2, 600),
	INT_KEY("health_interval", 0, 5, 86400),
	STR_KEY("balance_ussd", 0, 0, 15),
	INT_KEY("balance_warn", 0, 0, 1000000),
	BOOL_KEY("pinned", 0),
	END_KEY,
};

static const struct schema_key area_keys[] = {
	STR_KEY("code", 1, 1, CODEBOOK_CODE_MAX - 1),
	STR_KEY("name", 1, 1, CODEBOOK_NAME_MAX - 1),
	STR_KEY("name_en", 0, 0, CODEBOOK_NAME_MAX - 1),
	{ "aliases", SCHEMA_STRING_ARRAY, 0, 0, CODEBOOK_NAME_MAX - 1, NULL,
	    NULL },
	/* The island group an export generalises it to (config_export.c). */
	STR_KEY("group", 0, 1, CODEBOOK_NAME_MAX - 1),
	END_KEY,
};

/* A form: an area's keys but group, and its CTDC category, checked by
 * config_export.c. */
static const struct schema_key form_keys[] = {
	STR_KEY("code", 1, 1, CODEBOOK_CODE_MAX - 1),
	STR_KEY("name", 1, 1, CODEBOOK_NAME_MAX - 1),
	STR_KEY("name_en", 0, 0, CODEBOOK_NAME_MAX - 1),
	{ "aliases", SCHEMA_STRING_ARRAY, 0, 0, CODEBOOK_NAME_MAX - 1, NULL,
	    NULL },
	STR_KEY("ctdc", 0, 1, 63),
	END_KEY,
};

static const struct schema_key codebook_keys[] = {
	STR_KEY("country_code", 1, 1, 3),
	INT_KEY("national_length", 1, 4, 12),
	STR_KEY("ussd_service", 0, 1, 6),
	/* The 9-entry limit of USSD menus is codebook_validate()'s. */
	{ "areas", SCHEMA_LIST, 1, 1, CODEBOOK_MAX, area_keys, NULL },
	{ "forms", SCHEMA_LIST, 1, 1, CODEBOOK_MAX, form_keys, NULL },
	END_KEY,
};

/* Template names are checked by config_read_replies(), not the schema. */
static const struct schema_key replies_keys[] = {
	{ "pt", SCHEMA_FREE_GROUP, 0, 0, 0, NULL, NULL },
	{ "en", SCHEMA_FREE_GROUP, 0, 0, 0, NULL, NULL },
	END_KEY,
};

#define ARR_KEY(n, req) { n, SCHEMA_STRING_ARRAY, req, 0, 0, NULL, NULL }

static const struct schema_key focal_keys[] = {
	STR_KEY("id", 1, 1, CONFIG_ID_MAX - 1),
	STR_KEY("name", 1, 1, CONFIG_LABEL_MAX - 1),
	STR_KEY("phone", 1, 1, 32),
	STR_KEY("area", 1, 1, CODEBOOK_CODE_MAX - 1),
	CHOICE_KEY("lang", 0, "pt|en"),
	STR_KEY("pin", 0, 0, REPORT_PIN_DIGITS),
	BOOL_KEY("active", 0),
	END_KEY,
};

static const struct schema_key rung_keys[] = {
	STR_KEY("number", 1, 1, 32),
	STR_KEY("label", 0, 0, CONFIG_LABEL_MAX - 1),
	END_KEY,
};

static const struct schema_key authority_keys[] = {
	STR_KEY("id", 1, 1, CONFIG_ID_MAX - 1),
	STR_KEY("name", 1, 1, CONFIG_LABEL_MAX - 1),
	ARR_KEY("areas", 1),
	CHOICE_KEY("lang", 0, "pt|en"),
	{ "ladder", SCHEMA_LIST, 1, 1, CONFIG_MAX_RUNGS, rung_keys, NULL },
	END_KEY,
};

static const struct schema_key match_keys[] = {
	ARR_KEY("areas", 0),
	ARR_KEY("forms", 0),
	{ "urgency", SCHEMA_INT_ARRAY, 0, 1, 3, NULL, NULL },
	BOOL_KEY("minor", 0),
	STR_KEY("hours", 0, 1, 32),
	ARR_KEY("days", 0),
	END_KEY,
};

static const struct schema_key rule_keys[] = {
	STR_KEY("name", 1, 1, CONFIG_LABEL_MAX - 1),
	{ "match", SCHEMA_GROUP, 0, 0, 0, match_keys, NULL },
	ARR_KEY("notify", 1),
	BOOL_KEY("final", 0),
	END_KEY,
};

static const struct schema_key routing_keys[] = {
	CHOICE_KEY("mode", 0, "all"),
	{ "rules", SCHEMA_LIST, 0, 0, CONFIG_MAX_RULES, rule_keys, NULL },
	ARR_KEY("unregistered", 0),
	END_KEY,
};

static const struct schema_key policy_keys[] = {
	INT_KEY("ack_timeout", 0, 30, 86400),
	INT_KEY("repeats", 0, 1, 10),
	END_KEY,
};

static const struct schema_key digest_keys[] = {
	STR_KEY("digest_at", 0, 1, 16),
	END_KEY,
};

static const struct schema_key escalation_keys[] = {
	{ "u1", SCHEMA_GROUP, 0, 0, 0, policy_keys, NULL },
	{ "u2", SCHEMA_GROUP, 0, 0, 0, policy_keys, NULL },
	{ "u3", SCHEMA_GROUP, 0, 0, 0, digest_keys, NULL },
	ARR_KEY("admins", 0),
	INT_KEY("stale_after", 0, 30, 86400),
	INT_KEY("rung_horizon", 0, 0, 86400),
	END_KEY,
};

static const struct schema_key flood_keys[] = {
	INT_KEY("max", 0, 1, 1000),
	INT_KEY("per_s", 0, 1, 86400),
	END_KEY,
};

static const struct schema_key security_keys[] = {
	BOOL_KEY("unregistered_reply", 0),
	{ "flood", SCHEMA_GROUP, 0, 0, 0, flood_keys, NULL },
	{ "reply_limit", SCHEMA_GROUP, 0, 0, 0, flood_keys, NULL },
	END_KEY,
};

static const struct schema_key ussd_keys[] = {
	{ "listen", SCHEMA_LISTEN, 0, 0, 0, NULL, NULL },
	STR_KEY("path", 0, 1, 63),
	STR_KEY("token", 0, 0, 127),
	{ "allow", SCHEMA_STRING_ARRAY, 0, 0, 47, NULL, NULL },
	INT_KEY("session_timeout", 0, 5, 3600),
	INT_KEY("max_sessions", 0, 1, 100000),
	END_KEY,
};

/* The Observatory's settings: retention (db/retention.md), days a text or
 * a number is kept; `farolctl export` (db/observatory.md). */
static const struct schema_key observatory_keys[] = {
	INT_KEY("retain_text_days", 0, 0, 36500),
	INT_KEY("retain_numbers_days", 0, 0, 36500),
	INT_KEY("k", 0, 2, 1000),
	STR_KEY("conninfo", 0, 1, 1023),
	{ "epsilon_budget", SCHEMA_FLOAT, 0, 0, 100, NULL, NULL },
	END_KEY,
};

static const struct schema_key top_keys[] = {
	{ "gateway", SCHEMA_GROUP, 1, 0, 0, gateway_keys, NULL },
	{ "database", SCHEMA_GROUP, 1, 0, 0, database_keys, NULL },
	{ "http", SCHEMA_GROUP, 0, 0, 0, http_keys, NULL },
	{ "modems", SCHEMA_LIST, 1, 1, CONFIG_MAX_MODEMS, modem_keys, NULL },
	{ "codebook", SCHEMA_GROUP, 1, 0, 0, codebook_keys, NULL },
	{ "replies", SCHEMA_GROUP, 0, 0, 0, replies_keys, NULL },
	{ "focal_points", SCHEMA_LIST, 0, 0, CONFIG_MAX_FOCAL, focal_keys, NULL },
	{ "authorities", SCHEMA_LIST, 0, 0, CONFIG_MAX_AUTHORITIES,
	    authority_keys, NULL },
	{ "routing", SCHEMA_GROUP, 0, 0, 0, routing_keys, NULL },
	{ "escalation", SCHEMA_GROUP, 0, 0, 0, escalation_keys, NULL },
	{ "security", SCHEMA_GROUP, 0, 0, 0, security_keys, NULL },
	{ "ussd", SCHEMA_GROUP, 0, 0, 0, ussd_keys, NULL },
	{ "observatory", SCHEMA_GROUP, 0, 0, 0, observatory_keys, NULL },
	END_KEY,
};

int
config_parse_log_level(const char *name)
{
	static const char *const names[] = { "error", "warning", "info",
	    "debug" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

void
config_problems_clear(struct config_problems *problems)
{
	int i;

	for (i = 0; i < problems->n; i++)
		free(problems->lines[i]);
	free(problems->lines);
	problems->lines = NULL;
	problems->n = 0;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (int l = 0; l < REPLY_LANGS; l++)
		for (int t = 0; t < REPLY_TEMPLATES_MAX; t++)
			free((char *)cfg->replies.text[l][t]);
	free(cfg);
}

/* Copy a string setting that the schema has already checked for length. */
static void
config_copy(char *dst, size_t size, const config_setting_t *group,
    const char *name, const char *fallback)
{
	const char *v = NULL;

	if (config_setting_lookup_string(group, name, &v) != CONFIG_TRUE)
		v = fallback;
	snprintf(dst, size, "%s", v);
}

static int
config_int(const config_setting_t *group, const char *name, int fallback)
{
	int v;

	if (config_setting_lookup_int(group, name, &v) != CONFIG_TRUE)
		return fallback;
	return v;
}

/* The admin socket's group must exist here: farold would otherwise
 * start with a console nobody but its own user can reach. */
static void
config_read_admin_group(struct config *cfg, const config_setting_t *g,
    struct config_problems *problems)
{
	const config_setting_t *s = config_setting_get_member(g,
	    "admin_group");
	struct group *gr;

	cfg->admin_gid = -1;
	if (s == NULL)
		return;
	snprintf(cfg->admin_group, sizeof cfg->admin_group, "%s",
	    config_setting_get_string(s));
	if ((gr = getgrnam(cfg->admin_group)) == NULL) {
		schema_problem(problems, cfg->path,
		    config_setting_source_line(s), "gateway.admin_group: no "
		    "group \"%s\" on this system", cfg->admin_group);
		return;
	}
	cfg->admin_gid = (long)gr->gr_gid;
}

static void
config_read_gateway(struct config *cfg, const config_setting_t *g,
    struct config_problems *problems)
{
	char level[16];

	config_copy(cfg->name, sizeof cfg->name, g, "name", "");
	config_copy(cfg->spool_dir, sizeof cfg->spool_dir, g, "spool_dir", "");
	config_copy(cfg->admin_socket, sizeof cfg->admin_socket, g,
	    "admin_socket", "/run/farol/farold.sock");
	config_copy(level, sizeof level, g, "log_level", "info");
	cfg->log_level = config_parse_log_level(level);
	cfg->multipart_timeout_s = config_int(g, "multipart_timeout", 600);
	cfg->stop_deadline_s = config_int(g, "stop_deadline", 20);
	cfg->lease_s = config_int(g, "lease", 60);
	cfg->pin_fallback_s = config_int(g, "pin_fallback", 120);
	/* The name is written into the database session (db/db.c). */
	if (strspn(cfg->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789._-") != strlen(cfg->name))
		schema_problem_at(problems, config_setting_get_member(g,
		    "name"), "gateway.name: only letters, digits, '.', '_' "
		    "and '-' (it names this gateway in the database)");
	config_read_admin_group(cfg, g, problems);
}

/* Whether a libpq conninfo carries a password: a password keyword, or a
 * URI whose user part has one (postgresql://user:secret@host). */
static int
config_has_password(const char *conninfo)
{
	const char *uri = strstr(conninfo, "://"), *at;

	if (strstr(conninfo, "password") != NULL)
		return 1;
	if (uri == NULL || (at = strchr(uri, '@')) == NULL)
		return 0;
	return memchr(uri + 3, ':', (size_t)(at - uri - 3)) != NULL;
}

/* A password in a file others may read is a password given away: refused
 * (keep it in ~/.pgpass, or chmod o-r the file). group.conninfo is g's
 * conninfo, read as conninfo. Also for observatory (config_export.c). */
void
config_check_password(const struct config *cfg, const config_setting_t *g,
    const char *group, const char *conninfo,
    struct config_problems *problems)
{
	const config_setting_t *s = config_setting_get_member(g, "conninfo");
	struct stat st;

	if (s == NULL || !config_has_password(conninfo))
		return;
	if (stat(cfg->path, &st) != 0 || (st.st_mode & S_IROTH))
		schema_problem(problems, cfg->path,
		    config_setting_source_line(s), "%s.conninfo holds "
		    "a password and the file is readable by others (chmod "
		    "o-r it, or use ~/.pgpass)", group);
}

/*
 * The conninfo must parse (libpq's own parser, so the reason is libpq's).
 * With several hosts (a primary and its standbys), libpq's default is to
 * take the first that answers, which may be a read-only standby where
 * every write fails: several hosts need target_session_attrs=read-write
 * (or primary), so that a gateway always lands on the writable one.
 */
static void
config_check_conninfo(const struct config *cfg, const config_setting_t *g,
    struct config_problems *problems)
{
	const config_setting_t *s = config_setting_get_member(g, "conninfo");
	PQconninfoOption *opts, *o;
	const char *hosts = NULL, *attrs = NULL;
	char *err = NULL;
	int line = s != NULL ? config_setting_source_line(s) : 0;

	if (cfg->conninfo[0] == '\0')
		return;
	if ((opts = PQconninfoParse(cfg->conninfo, &err)) == NULL) {
		schema_problem(problems, cfg->path, line, "database.conninfo: "
		    "%.*s", err != NULL ? (int)strcspn(err, "\n") : 12,
		    err != NULL ? err : "out of memory");
		PQfreemem(err);
		return;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			hosts = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0 && hosts == NULL)
			hosts = o->val;
		else if (strcmp(o->keyword, "target_session_attrs") == 0)
			attrs = o->val;
	}
	if (hosts != NULL && strchr(hosts, ',') != NULL && (attrs == NULL ||
	    (strcmp(attrs, "read-write") != 0 &&
	    strcmp(attrs, "primary") != 0)))
		schema_problem(problems, cfg->path, line, "database.conninfo "
		    "names several hosts: add target_session_attrs=read-write "
		    "so that the gateway connects only to the primary");
	PQconninfoFree(opts);
}

static void
config_read_database(struct config *cfg, const config_setting_t *g,
    struct config_problems *problems)
{
	config_copy(cfg->conninfo, sizeof cfg->conninfo, g, "conninfo", "");
	cfg->connect_timeout_s = config_int(g, "connect_timeout", 5);
	config_check_password(cfg, g, "database", cfg->conninfo, problems);
	config_check_conninfo(cfg, g, problems);
	if (config_setting_lookup_bool(g, "migrate", &cfg->migrate) !=
	    CONFIG_TRUE)
		cfg->migrate = 1;
}

/* Loopback by default: the status page and metrics are for this host
 * (and a reverse proxy or scraper on it), never the open network. */
static void
config_read_http(struct config *cfg, const config_setting_t *g)
{
	if (g == NULL)
		snprintf(cfg->http_listen, sizeof cfg->http_listen, "%s",
		    CONFIG_HTTP_LISTEN_DEFAULT);
	else
		config_copy(cfg->http_listen, sizeof cfg->http_listen, g,
		    "listen", CONFIG_HTTP_LISTEN_DEFAULT);
}

static void
config_read_modems(struct config *cfg, const config_setting_t *list,
    struct config_problems *problems)
{
	const config_setting_t *g;
	struct modem_config *m;
	char role[16];
	int i, j;

	for (i = 0; i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		m = &cfg->modems[cfg->n_modems++];
		m->line = config_setting_source_line(g);
		config_copy(m->name, sizeof m->name, g, "name", "");
		config_copy(m->device, sizeof m->device, g, "device", "");
		config_copy(m->connection, sizeof m->connection, g,
		    "connection", "");
		config_copy(m->model, sizeof m->model, g, "model", "");
		config_copy(m->pin, sizeof m->pin, g, "pin", "");
		config_copy(role, sizeof role, g, "role", "both");
		m->role = strcmp(role, "receive") == 0 ? MODEM_ROLE_RECEIVE :
		    strcmp(role, "send") == 0 ? MODEM_ROLE_SEND :
		    MODEM_ROLE_BOTH;
		m->poll_interval_s = config_int(g, "poll_interval", 5);
		m->send_per_minute = config_int(g, "send_per_minute", 10);
		m->timeout_s = config_int(g, "timeout", 60);
		m->health_interval_s = config_int(g, "health_interval", 300);
		config_copy(m->balance_ussd, sizeof m->balance_ussd, g,
		    "balance_ussd", "");
		m->balance_warn = config_int(g, "balance_warn", 0);
		if (config_setting_lookup_bool(g, "pinned", &m->pinned) !=
		    CONFIG_TRUE)
			m->pinned = 0;
		for (j = 0; j < i; j++)
			if (strcmp(cfg->modems[j].name, m->name) == 0)
				schema_problem_at(problems, g,
				    "modem name \"%s\" is already used by the "
				    "modem at line %d", m->name,
				    cfg->modems[j].line);
	}
}

/*
 * What focal points type for a code. n_aliases counts them all, so that
 * codebook_validate() refuses too many. The schema refused one too long.
 */
static void
config_read_aliases(struct codebook_entry *e, const config_setting_t *list)
{
	const char *v;
	int j;

	if (list == NULL)
		return;
	e->n_aliases = config_setting_length(list);
	for (j = 0; j < e->n_aliases && j < CODEBOOK_ALIAS_MAX; j++) {
		v = config_setting_get_string_elem(list, j);
		if (v == NULL)
			v = "";
		snprintf(e->aliases[j], sizeof e->aliases[j], "%s", v);
	}
}

static void
config_read_entries(struct codebook_entry *entries, int *n,
    const config_setting_t *list)
{
	const config_setting_t *g;
	struct codebook_entry *e;
	int i;

	for (i = 0; i < config_setting_length(list) && i < CODEBOOK_MAX; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		e = &entries[(*n)++];
		e->line = config_setting_source_line(g);
		config_copy(e->code, sizeof e->code, g, "code", "");
		config_copy(e->name_pt, sizeof e->name_pt, g, "name", "");
		config_copy(e->name_en, sizeof e->name_en, g, "name_en", "");
		config_read_aliases(e, config_setting_get_member(g,
		    "aliases"));
	}
}

static void
config_read_codebook(struct config *cfg, const config_setting_t *g)
{
	struct codebook *cb = &cfg->codebook;

	config_copy(cb->country_code, sizeof cb->country_code, g,
	    "country_code", "");
	cb->national_length = config_int(g, "national_length", 7);
	config_copy(cb->ussd_service, sizeof cb->ussd_service, g,
	    "ussd_service", "384");
	config_read_entries(cb->areas, &cb->n_areas,
	    config_setting_get_member(g, "areas"));
	config_read_entries(cb->forms, &cb->n_forms,
	    config_setting_get_member(g, "forms"));
	codebook_prepare(cb);	/* names and aliases, folded once */
}

/* The closest template name to a misspelt one, or NULL. */
static const char *
config_template_hint(const char *name)
{
	const char *best = NULL, *candidate;
	int best_distance = 3, d;

	for (int t = 0; (candidate = reply_template_name(t)) != NULL; t++)
		if ((d = schema_distance(name, candidate)) < best_distance) {
			best_distance = d;
			best = candidate;
		}
	return best;
}

/* replies = { pt = { receipt = "..."; }; en = { ... }; } */
static void
config_read_replies(struct config *cfg, const config_setting_t *g,
    struct config_problems *problems)
{
	static const char *const langs[REPLY_LANGS] = { "pt", "en" };
	const config_setting_t *group, *item;
	const char *name, *text, *hint;
	char *why = NULL;
	int t;

	if (g == NULL)
		return;
	for (int l = 0; l < REPLY_LANGS; l++) {
		if ((group = config_setting_get_member(g, langs[l])) == NULL)
			continue;
		for (int i = 0; i < config_setting_length(group); i++) {
			item = config_setting_get_elem(group, (unsigned)i);
			name = config_setting_name(item);
			if ((t = reply_template_find(name)) < 0) {
				hint = config_template_hint(name);
				schema_problem_at(problems, item,
				    "replies.%s.%s is not a reply template%s%s%s",
				    langs[l], name, hint ? " (did you mean " :
				    "", hint ? hint : "", hint ? "?)" : "");
				continue;
			}
			if ((text = config_setting_get_string(item)) == NULL) {
				schema_problem_at(problems, item,
				    "replies.%s.%s must be a string", langs[l],
				    name);
				continue;
			}
			if (reply_template_check(text, &why) != 0) {
				schema_problem_at(problems, item,
				    "replies.%s.%s: %s", langs[l], name, why);
				free(why);
				why = NULL;
				continue;
			}
			free((char *)cfg->replies.text[l][t]);
			cfg->replies.text[l][t] = strdup(text);
		}
	}
}

/* Index of an area or form code (exact, case-insensitive), or -1. */
static int
config_code_index(const struct codebook_entry *e, int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(e[i].code, code) == 0)
			return i;
	return -1;
}

static int
config_authority_index(const struct config *cfg, const char *id)
{
	for (int i = 0; i < cfg->n_authorities; i++)
		if (strcmp(cfg->authorities[i].id, id) == 0)
			return i;
	return -1;
}

const struct focal_point *
config_find_focal(const struct config *cfg, const char *e164)
{
	for (int i = 0; i < cfg->n_focal; i++)
		if (strcmp(cfg->focal[i].phone, e164) == 0)
			return &cfg->focal[i];
	return NULL;
}

int
config_is_known(const struct config *cfg, const char *e164)
{
	const struct focal_point *fp = config_find_focal(cfg, e164);

	if (fp != NULL && fp->active)
		return 1;
	for (int a = 0; a < cfg->n_authorities; a++)
		for (int i = 0; i < cfg->authorities[a].n_rungs; i++)
			if (strcmp(cfg->authorities[a].ladder[i].number,
			    e164) == 0)
				return 1;
	return config_is_admin(cfg, e164);
}

int
config_is_admin(const struct config *cfg, const char *e164)
{
	for (int i = 0; i < cfg->n_admins; i++)
		if (strcmp(cfg->admins[i], e164) == 0)
			return 1;
	return 0;
}

static enum reply_lang
config_lang(const config_setting_t *g)
{
	const char *v;

	if (config_setting_lookup_string(g, "lang", &v) == CONFIG_TRUE &&
	    strcmp(v, "en") == 0)
		return REPLY_EN;
	return REPLY_PT;
}

/* Normalise a phone setting; a problem at its line if it is no number. */
static int
config_phone(const struct config *cfg, const config_setting_t *s,
    const char *what, char *out, struct config_problems *problems)
{
	char *why = NULL;

	if (phone_normalise(&cfg->codebook, config_setting_get_string(s), out,
	    PHONE_E164_MAX, &why) != 0) {
		schema_problem_at(problems, s, "%s \"%s\" is not a phone number"
		    ": %s", what, config_setting_get_string(s),
		    why ? why : "?");
		free(why);
		return -1;
	}
	return 0;
}

static void
config_read_focal(struct config *cfg, const config_setting_t *list,
    struct config_problems *problems)
{
	const config_setting_t *g;
	struct focal_point *f;
	char area[CODEBOOK_CODE_MAX];
	int i, j;

	for (i = 0; list != NULL && i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		f = &cfg->focal[cfg->n_focal++];
		f->line = config_setting_source_line(g);
		config_copy(f->id, sizeof f->id, g, "id", "");
		config_copy(f->name, sizeof f->name, g, "name", "");
		config_copy(f->pin, sizeof f->pin, g, "pin", "");
		config_copy(area, sizeof area, g, "area", "");
		f->lang = config_lang(g);
		if (config_setting_lookup_bool(g, "active", &f->active) !=
		    CONFIG_TRUE)
			f->active = 1;
		f->area = config_code_index(cfg->codebook.areas,
		    cfg->codebook.n_areas, area);
		if (f->area < 0)
			schema_problem_at(problems,
			    config_setting_get_member(g, "area"),
			    "focal point \"%s\": area \"%s\" is not in the "
			    "codebook", f->id, area);
		for (size_t k = 0; f->pin[k] != '\0'; k++)
			if (f->pin[k] < '0' || f->pin[k] > '9') {
				schema_problem_at(problems,
				    config_setting_get_member(g, "pin"),
				    "focal point \"%s\": pin must be digits",
				    f->id);
				break;
			}
		if (config_phone(cfg, config_setting_get_member(g, "phone"),
		    "focal point phone", f->phone, problems) != 0)
			continue;
		for (j = 0; j < cfg->n_focal - 1; j++) {
			if (strcmp(cfg->focal[j].id, f->id) == 0)
				schema_problem_at(problems, g, "focal point id "
				    "\"%s\" is already used at line %d", f->id,
				    cfg->focal[j].line);
			if (strcmp(cfg->focal[j].phone, f->phone) == 0)
				schema_problem_at(problems, g, "focal point "
				    "phone %s is already registered at line %d",
				    f->phone, cfg->focal[j].line);
		}
	}
}

static void
config_read_authorities(struct config *cfg, const config_setting_t *list,
    struct config_problems *problems)
{
	const config_setting_t *g, *areas, *ladder, *e;
	struct authority *a;
	const char *code;
	int i, j, k;

	for (i = 0; list != NULL && i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		a = &cfg->authorities[cfg->n_authorities++];
		a->line = config_setting_source_line(g);
		config_copy(a->id, sizeof a->id, g, "id", "");
		config_copy(a->name, sizeof a->name, g, "name", "");
		a->lang = config_lang(g);
		for (j = 0; j < cfg->n_authorities - 1; j++)
			if (strcmp(cfg->authorities[j].id, a->id) == 0)
				schema_problem_at(problems, g, "authority id "
				    "\"%s\" is already used at line %d", a->id,
				    cfg->authorities[j].line);
		areas = config_setting_get_member(g, "areas");
		for (j = 0; j < config_setting_length(areas); j++) {
			e = config_setting_get_elem(areas, (unsigned)j);
			code = config_setting_get_string(e);
			if (strcmp(code, "*") == 0) {
				a->all_areas = 1;
				continue;
			}
			if ((k = config_code_index(cfg->codebook.areas,
			    cfg->codebook.n_areas, code)) < 0) {
				schema_problem_at(problems, e, "authority \"%s\":"
				    " area \"%s\" is not in the codebook",
				    a->id, code);
				continue;
			}
			a->areas |= 1u << k;
		}
		ladder = config_setting_get_member(g, "ladder");
		for (j = 0; j < config_setting_length(ladder); j++) {
			e = config_setting_get_elem(ladder, (unsigned)j);
			config_copy(a->ladder[j].label, sizeof a->ladder[j].label,
			    e, "label", "");
			config_phone(cfg, config_setting_get_member(e, "number"),
			    "ladder number", a->ladder[j].number, problems);
			a->n_rungs++;
		}
	}
}

/* An array of authority ids into indexes; unknown ones are problems. */
static int
config_read_ids(const struct config *cfg, const config_setting_t *arr,
    const char *what, int *out, struct config_problems *problems)
{
	const config_setting_t *e;
	const char *id;
	int n = 0, k;

	for (int j = 0; arr != NULL && j < config_setting_length(arr); j++) {
		e = config_setting_get_elem(arr, (unsigned)j);
		id = config_setting_get_string(e);
		if ((k = config_authority_index(cfg, id)) < 0) {
			const char *hint = NULL;
			int best = 3, d;

			for (int a = 0; a < cfg->n_authorities; a++)
				if ((d = schema_distance(id,
				    cfg->authorities[a].id)) < best) {
					best = d;
					hint = cfg->authorities[a].id;
				}
			schema_problem_at(problems, e, "%s: \"%s\" is not an "
			    "authority id%s%s%s", what, id, hint ?
			    " (did you mean \"" : "", hint ? hint : "",
			    hint ? "\"?)" : "");
			continue;
		}
		if (n == CONFIG_MAX_NOTIFY) {
			schema_problem_at(problems, e, "%s: at most %d "
			    "authorities", what, CONFIG_MAX_NOTIFY);
			break;
		}
		out[n++] = k;
	}
	return n;
}

/* "HH:MM" into minutes after midnight, -1 if malformed. */
static int
config_hhmm(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

/* "HH:MM" or "HH:MM:SS" as seconds after midnight; -1 if neither. */
static int
config_hhmmss(const char *s)
{
	size_t len = strlen(s);
	char hhmm[6];
	int m, ss = 0;

	if (len == 8) {
		if (s[5] != ':' || s[6] < '0' || s[6] > '5' || s[7] < '0' ||
		    s[7] > '9')
			return -1;
		ss = (s[6] - '0') * 10 + (s[7] - '0');
	} else if (len != 5)
		return -1;
	snprintf(hhmm, sizeof hhmm, "%.5s", s);
	if ((m = config_hhmm(hhmm)) < 0)
		return -1;
	return m * 60 + ss;
}

/* A rule's list of codebook codes (its areas or its forms) as a bit set;
 * a code the codebook lacks is a problem at its line. */
static unsigned
config_read_codes(const struct codebook_entry *codes, int n,
    const config_setting_t *s, const char *rule, const char *what,
    struct config_problems *problems)
{
	const config_setting_t *e;
	const char *v;
	unsigned bits = 0;
	int j, k;

	for (j = 0; s != NULL && j < config_setting_length(s); j++) {
		e = config_setting_get_elem(s, (unsigned)j);
		v = config_setting_get_string(e);
		if ((k = config_code_index(codes, n, v)) < 0)
			schema_problem_at(problems, e, "rule \"%s\": %s \"%s\" "
			    "is not in the codebook", rule, what, v);
		else
			bits |= 1u << k;
	}
	return bits;
}

static void
config_read_match(struct config *cfg, struct route_rule *r,
    const config_setting_t *m, struct config_problems *problems)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed",
	    "thu", "fri", "sat" };
	const config_setting_t *s, *e;
	const char *v;
	char from[6];
	int j, k, b;

	r->minor = -1;
	r->from_min = r->to_min = -1;
	if (m == NULL)
		return;
	r->areas |= config_read_codes(cfg->codebook.areas,
	    cfg->codebook.n_areas, config_setting_get_member(m, "areas"),
	    r->name, "area", problems);
	r->forms |= config_read_codes(cfg->codebook.forms,
	    cfg->codebook.n_forms, config_setting_get_member(m, "forms"),
	    r->name, "form", problems);
	if ((s = config_setting_get_member(m, "urgency")) != NULL)
		for (j = 0; j < config_setting_length(s); j++)
			r->urgency |= 1u << config_setting_get_int_elem(s, j);
	if (config_setting_lookup_bool(m, "minor", &b) == CONFIG_TRUE)
		r->minor = b;
	if (config_setting_lookup_string(m, "hours", &v) == CONFIG_TRUE) {
		snprintf(from, sizeof from, "%s", v);
		if (strlen(v) != 11 || v[5] != '-' || (r->from_min = config_hhmm(from)) < 0 ||
		    (r->to_min = config_hhmm(v + 6)) < 0 ||
		    r->from_min == r->to_min)
			schema_problem_at(problems,
			    config_setting_get_member(m, "hours"), "rule \"%s\""
			    ": hours = \"%s\" must be \"HH:MM-HH:MM\" with two "
			    "different times", r->name, v);
	}
	if ((s = config_setting_get_member(m, "days")) != NULL)
		for (j = 0; j < config_setting_length(s); j++) {
			e = config_setting_get_elem(s, (unsigned)j);
			v = config_setting_get_string(e);
			for (k = 0; k < 7 && strcasecmp(days[k], v) != 0; k++)
				;
			if (k == 7)
				schema_problem_at(problems, e, "rule \"%s\": day "
				    "\"%s\" is not one of sun mon tue wed thu "
				    "fri sat", r->name, v);
			else
				r->days |= 1u << k;
		}
}

static void
config_read_rules(struct config *cfg, const config_setting_t *routing,
    struct config_problems *problems)
{
	const config_setting_t *list, *g;
	struct route_rule *r;
	char what[CONFIG_LABEL_MAX + 16];

	if (routing == NULL)
		return;
	cfg->n_unregistered = config_read_ids(cfg,
	    config_setting_get_member(routing, "unregistered"),
	    "routing.unregistered", cfg->unregistered, problems);
	list = config_setting_get_member(routing, "rules");
	for (int i = 0; list != NULL && i < config_setting_length(list); i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		r = &cfg->rules[cfg->n_rules++];
		r->line = config_setting_source_line(g);
		config_copy(r->name, sizeof r->name, g, "name", "");
		if (config_setting_lookup_bool(g, "final", &r->final) !=
		    CONFIG_TRUE)
			r->final = 0;
		config_read_match(cfg, r, config_setting_get_member(g, "match"),
		    problems);
		snprintf(what, sizeof what, "rule \"%s\"", r->name);
		r->n_notify = config_read_ids(cfg,
		    config_setting_get_member(g, "notify"), what, r->notify,
		    problems);
	}
}

static void
config_read_escalation(struct config *cfg, const config_setting_t *esc,
    struct config_problems *problems)
{
	static const int timeout[2] = { 300, 1800 };
	const config_setting_t *g, *admins, *e;
	const char *v = "08:00";

	for (int u = 0; u < 2; u++) {
		g = esc ? config_setting_get_member(esc, u ? "u2" : "u1") : NULL;
		cfg->escalation[u].ack_timeout_s = g ?
		    config_int(g, "ack_timeout", timeout[u]) : timeout[u];
		cfg->escalation[u].repeats = g ? config_int(g, "repeats", 1) : 1;
	}
	cfg->stale_after_s = esc ? config_int(esc, "stale_after", 600) : 600;
	cfg->rung_horizon_s = esc ? config_int(esc, "rung_horizon", 60) : 60;
	if (esc != NULL && (g = config_setting_get_member(esc, "u3")) != NULL)
		config_setting_lookup_string(g, "digest_at", &v);
	/* HH:MM, or HH:MM:SS (a test's digest a few seconds ahead). */
	if ((cfg->digest_at_s = config_hhmmss(v)) < 0)
		schema_problem_at(problems, config_setting_get_member(g,
		    "digest_at"), "escalation.u3.digest_at = \"%s\" must be "
		    "\"HH:MM\"", v);
	admins = esc ? config_setting_get_member(esc, "admins") : NULL;
	for (int j = 0; admins != NULL && j < config_setting_length(admins);
	    j++) {
		e = config_setting_get_elem(admins, (unsigned)j);
		if (cfg->n_admins == CONFIG_MAX_ADMINS) {
			schema_problem_at(problems, e, "escalation.admins: at "
			    "most %d numbers", CONFIG_MAX_ADMINS);
			break;
		}
		if (config_phone(cfg, e, "escalation.admins",
		    cfg->admins[cfg->n_admins], problems) == 0)
			cfg->n_admins++;
	}
}

static void
config_read_security(struct config *cfg, const config_setting_t *sec)
{
	const config_setting_t *flood, *limit;

	cfg->unregistered_reply = 0;
	cfg->flood_max = 10;
	cfg->flood_per_s = 600;
	cfg->reply_max = 20;
	cfg->reply_per_s = 3600;
	if (sec == NULL)
		return;
	config_setting_lookup_bool(sec, "unregistered_reply",
	    &cfg->unregistered_reply);
	if ((flood = config_setting_get_member(sec, "flood")) != NULL) {
		cfg->flood_max = config_int(flood, "max", 10);
		cfg->flood_per_s = config_int(flood, "per_s", 600);
	}
	if ((limit = config_setting_get_member(sec, "reply_limit")) != NULL) {
		cfg->reply_max = config_int(limit, "max", 20);
		cfg->reply_per_s = config_int(limit, "per_s", 3600);
	}
}

/* Split "address:port" (SCHEMA_LISTEN checked it: a numeric IPv4 or
 * IPv6 address, "[::1]:8090"). */
static int
config_split_listen(struct ussd_config *u)
{
	char *colon, *end, buf[sizeof u->listen];
	long port;
	struct in6_addr a6;
	struct in_addr a4;

	snprintf(buf, sizeof buf, "%s", u->listen);
	if ((colon = strrchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return -1;
	if (buf[0] == '[' && colon > buf && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(buf, buf + 1, strlen(buf));
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -1;
	} else if (inet_pton(AF_INET, buf, &a4) != 1)
		return -1;
	snprintf(u->host, sizeof u->host, "%s", buf);
	u->port = (int)port;
	return 0;
}

static void
config_read_ussd(struct config *cfg, const config_setting_t *g,
    struct config_problems *problems)
{
	struct ussd_config *u = &cfg->ussd;
	const config_setting_t *allow, *item;
	unsigned char addr[sizeof(struct in6_addr)];
	int i, n;

	u->session_timeout_s = 180;
	u->max_sessions = 2000;
	snprintf(u->path, sizeof u->path, "/ussd");
	if (g == NULL)
		return;
	config_copy(u->listen, sizeof u->listen, g, "listen", "");
	config_copy(u->path, sizeof u->path, g, "path", "/ussd");
	config_copy(u->token, sizeof u->token, g, "token", "");
	u->session_timeout_s = config_int(g, "session_timeout", 180);
	u->max_sessions = config_int(g, "max_sessions", 2000);
	if (u->listen[0] != '\0' && config_split_listen(u) != 0)
		schema_problem_at(problems, config_setting_get_member(g,
		    "listen"), "ussd.listen \"%s\" is not \"address:port\" "
		    "(a numeric address, port 1 to 65535)", u->listen);
	if (u->path[0] != '/')
		schema_problem_at(problems, config_setting_get_member(g,
		    "path"), "ussd.path must start with \"/\"");
	if ((allow = config_setting_get_member(g, "allow")) == NULL)
		return;
	n = config_setting_length(allow);
	if (n > CONFIG_USSD_MAX_ALLOW) {
		schema_problem_at(problems, allow, "ussd.allow holds at most "
		    "%d addresses", CONFIG_USSD_MAX_ALLOW);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *v;

		item = config_setting_get_elem(allow, i);
		v = config_setting_get_string(item);
		if (v == NULL || (inet_pton(AF_INET, v, addr) != 1 &&
		    inet_pton(AF_INET6, v, addr) != 1)) {
			schema_problem_at(problems, item, "ussd.allow: \"%s\" "
			    "is not a numeric IPv4 or IPv6 address",
			    v != NULL ? v : "");
			continue;
		}
		snprintf(u->allow[u->n_allow++], sizeof u->allow[0], "%s", v);
	}
}

/* The SMS of the widest plan reachable with ids (authority indexes, each
 * counted once) at u's repeats, and the administrators' notices. */
static int
config_plan_steps(const struct config *cfg, const int *ids, int n, int u)
{
	char seen[CONFIG_MAX_AUTHORITIES] = { 0 };
	int steps = 0;

	for (int i = 0; i < n; i++) {
		if (ids[i] < 0 || ids[i] >= cfg->n_authorities || seen[ids[i]])
			continue;
		seen[ids[i]] = 1;
		steps += cfg->authorities[ids[i]].n_rungs *
		    cfg->escalation[u].repeats;
	}
	return steps + cfg->n_admins;
}

/*
 * No silent limits: an alert's plan holds at most CONFIG_MAX_STEPS SMS.
 * Every rule may match one report, so a verified alert can reach every
 * authority any rule notifies; an unverified one routing.unregistered.
 * A config whose widest plan is wider is refused, at the line of the
 * urgency's escalation settings.
 */
static void
config_check_steps(const struct config *cfg, const config_setting_t *root,
    struct config_problems *problems)
{
	const config_setting_t *esc, *g, *at;
	int ids[CONFIG_MAX_RULES * CONFIG_MAX_NOTIFY], n = 0, steps, u1;

	for (int i = 0; i < cfg->n_rules; i++)
		for (int j = 0; j < cfg->rules[i].n_notify; j++)
			ids[n++] = cfg->rules[i].notify[j];
	esc = config_setting_get_member(root, "escalation");
	for (int u = 0; u < 2; u++) {
		steps = config_plan_steps(cfg, ids, n, u);
		u1 = config_plan_steps(cfg, cfg->unregistered,
		    cfg->n_unregistered, u);
		if (u1 > steps)
			steps = u1;
		if (steps <= CONFIG_MAX_STEPS)
			continue;
		g = esc ? config_setting_get_member(esc, u ? "u2" : "u1") :
		    NULL;
		at = g && config_setting_get_member(g, "repeats") ?
		    config_setting_get_member(g, "repeats") : g ? g : esc ?
		    esc : config_setting_get_member(root, "authorities");
		schema_problem_at(problems, at, "escalation.u%d: an alert "
		    "could need %d SMS (every rung of every ladder it can "
		    "reach, times repeats = %d, and %d administrators), more "
		    "than the %d a plan holds: lower repeats, or the rungs or "
		    "authorities one report reaches", u + 1, steps,
		    cfg->escalation[u].repeats, cfg->n_admins,
		    CONFIG_MAX_STEPS);
	}
}

/* Registry, authorities, rules, escalation and security, in that order. */
static void
config_read_routing(struct config *cfg, const config_setting_t *root,
    struct config_problems *problems)
{
	config_read_focal(cfg, config_setting_get_member(root, "focal_points"),
	    problems);
	config_read_authorities(cfg, config_setting_get_member(root,
	    "authorities"), problems);
	config_read_rules(cfg, config_setting_get_member(root, "routing"),
	    problems);
	config_read_escalation(cfg, config_setting_get_member(root,
	    "escalation"), problems);
	config_read_security(cfg, config_setting_get_member(root, "security"));
	config_check_steps(cfg, root, problems);
}

struct codebook_problem_ctx {
	struct config_problems *problems;
	const char *path;
};

static void
config_codebook_problem(void *arg, int line, const char *reason)
{
	struct codebook_problem_ctx *ctx = arg;

	schema_problem(ctx->problems, ctx->path, line, "codebook: %s", reason);
}

/* observatory.retain_*_days; the defaults are in db/retention.md. */
static void
config_read_retention(struct config *cfg, const config_setting_t *g)
{
	cfg->retain_text_days = CONFIG_RETAIN_TEXT_DAYS;
	cfg->retain_numbers_days = CONFIG_RETAIN_NUMBERS_DAYS;
	if (g == NULL)
		return;
	cfg->retain_text_days = config_int(g, "retain_text_days",
	    cfg->retain_text_days);
	cfg->retain_numbers_days = config_int(g, "retain_numbers_days",
	    cfg->retain_numbers_days);
}

static struct config *
config_load_problems(const char *path, struct config_problems *problems)
{
	config_t lc;
	const config_setting_t *root;
	struct config *cfg = NULL;

	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			schema_problem(problems, path, 0,
			    "cannot read the file (missing, or not readable)");
		else
			schema_problem(problems,
			    config_error_file(&lc) ? config_error_file(&lc) :
			    path, config_error_line(&lc), "syntax error: %s",
			    config_error_text(&lc));
		goto out;
	}
	root = config_root_setting(&lc);
	if (schema_check_group(root, "", top_keys, problems) != 0)
		goto out;

	if ((cfg = calloc(1, sizeof *cfg)) == NULL) {
		schema_problem(problems, path, 0, "out of memory");
		goto out;
	}
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	config_read_gateway(cfg, config_setting_get_member(root, "gateway"),
	    problems);
	config_read_database(cfg, config_setting_get_member(root, "database"),
	    problems);
	config_read_http(cfg, config_setting_get_member(root, "http"));
	config_read_modems(cfg, config_setting_get_member(root, "modems"),
	    problems);
	config_read_codebook(cfg, config_setting_get_member(root, "codebook"));
	codebook_validate(&cfg->codebook, config_codebook_problem,
	    &(struct codebook_problem_ctx){ problems, path });
	config_read_replies(cfg, config_setting_get_member(root, "replies"),
	    problems);
	config_read_ussd(cfg, config_setting_get_member(root, "ussd"),
	    problems);
	config_read_retention(cfg, config_setting_get_member(root,
	    "observatory"));
	config_read_export(cfg, root, problems);
	if (problems->n == 0)
		config_read_routing(cfg, root, problems);
	if (problems->n != 0) {
		config_free(cfg);
		cfg = NULL;
	}
out:
	config_destroy(&lc);
	return cfg;
}

struct config *
config_load(const char *path, char **cause)
{
	struct config_problems problems = { 0 };
	struct config *cfg;
	size_t len = 0, at = 0;
	char *joined;
	int i;

	if ((cfg = config_load_problems(path, &problems)) != NULL ||
	    cause == NULL) {
		config_problems_clear(&problems);
		return cfg;
	}
	for (i = 0; i < problems.n; i++)
		len += strlen(problems.lines[i]) + 1;
	if (problems.n == 0 || (joined = malloc(len)) == NULL)
		cause_set(cause, "%s: cannot be loaded", path);
	else {
		for (i = 0; i < problems.n; i++) {
			len = strlen(problems.lines[i]);
			memcpy(joined + at, problems.lines[i], len);
			at += len;
			joined[at++] = '\n';
		}
		joined[at - 1] = '\0';
		*cause = joined;
	}
	config_problems_clear(&problems);
	return NULL;
}
