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

#include <libconfig.h>

#include "config.h"
#include "schema.h"

#define INT_KEY(n, req, lo, hi) { n, SCHEMA_INT, req, lo, hi, NULL, NULL }
#define STR_KEY(n, req, lo, hi) { n, SCHEMA_STRING, req, lo, hi, NULL, NULL }
#define CHOICE_KEY(n, req, ch) { n, SCHEMA_STRING, req, 0, 0, NULL, ch }
#define END_KEY { NULL, SCHEMA_STRING, 0, 0, 0, NULL, NULL }

static const struct schema_key gateway_keys[] = {
	STR_KEY("name", 1, 1, 63),
	STR_KEY("spool_dir", 1, 1, CONFIG_PATH_MAX - 1),
	STR_KEY("admin_socket", 0, 1, 107),
	CHOICE_KEY("log_level", 0, "error|warning|info|debug"),
	INT_KEY("multipart_timeout", 0, 10, 86400),
	END_KEY,
};

static const struct schema_key database_keys[] = {
	STR_KEY("conninfo", 1, 1, 1023),
	INT_KEY("connect_timeout", 0, 1, 300),
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
	END_KEY,
};

static const struct schema_key area_keys[] = {
	STR_KEY("code", 1, 1, CODEBOOK_CODE_MAX - 1),
	STR_KEY("name", 1, 1, CODEBOOK_NAME_MAX - 1),
	STR_KEY("name_en", 0, 0, CODEBOOK_NAME_MAX - 1),
	END_KEY,
};

static const struct schema_key codebook_keys[] = {
	STR_KEY("country_code", 1, 1, 3),
	INT_KEY("national_length", 1, 4, 12),
	STR_KEY("ussd_service", 0, 1, 6),
	/* The 9-entry limit of USSD menus is codebook_validate()'s. */
	{ "areas", SCHEMA_LIST, 1, 1, CODEBOOK_MAX, area_keys, NULL },
	{ "forms", SCHEMA_LIST, 1, 1, CODEBOOK_MAX, area_keys, NULL },
	END_KEY,
};

/* Template names are checked by config_read_replies(), not the schema. */
static const struct schema_key replies_keys[] = {
	{ "pt", SCHEMA_FREE_GROUP, 0, 0, 0, NULL, NULL },
	{ "en", SCHEMA_FREE_GROUP, 0, 0, 0, NULL, NULL },
	END_KEY,
};

static const struct schema_key top_keys[] = {
	{ "gateway", SCHEMA_GROUP, 1, 0, 0, gateway_keys, NULL },
	{ "database", SCHEMA_GROUP, 1, 0, 0, database_keys, NULL },
	{ "modems", SCHEMA_LIST, 1, 1, CONFIG_MAX_MODEMS, modem_keys, NULL },
	{ "codebook", SCHEMA_GROUP, 1, 0, 0, codebook_keys, NULL },
	{ "replies", SCHEMA_GROUP, 0, 0, 0, replies_keys, NULL },
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

static void
config_read_gateway(struct config *cfg, const config_setting_t *g)
{
	char level[16];

	config_copy(cfg->name, sizeof cfg->name, g, "name", "");
	config_copy(cfg->spool_dir, sizeof cfg->spool_dir, g, "spool_dir", "");
	config_copy(cfg->admin_socket, sizeof cfg->admin_socket, g,
	    "admin_socket", "/run/farol/farold.sock");
	config_copy(level, sizeof level, g, "log_level", "info");
	cfg->log_level = config_parse_log_level(level);
	cfg->multipart_timeout_s = config_int(g, "multipart_timeout", 600);
}

static void
config_read_database(struct config *cfg, const config_setting_t *g)
{
	config_copy(cfg->conninfo, sizeof cfg->conninfo, g, "conninfo", "");
	cfg->connect_timeout_s = config_int(g, "connect_timeout", 5);
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
		for (j = 0; j < i; j++)
			if (strcmp(cfg->modems[j].name, m->name) == 0)
				schema_problem_at(problems, g,
				    "modem name \"%s\" is already used by the "
				    "modem at line %d", m->name,
				    cfg->modems[j].line);
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
	const char *name, *text, *why, *hint;
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
				continue;
			}
			free((char *)cfg->replies.text[l][t]);
			cfg->replies.text[l][t] = strdup(text);
		}
	}
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

struct config *
config_load(const char *path, struct config_problems *problems)
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
	config_read_gateway(cfg, config_setting_get_member(root, "gateway"));
	config_read_database(cfg, config_setting_get_member(root, "database"));
	config_read_modems(cfg, config_setting_get_member(root, "modems"),
	    problems);
	config_read_codebook(cfg, config_setting_get_member(root, "codebook"));
	codebook_validate(&cfg->codebook, config_codebook_problem,
	    &(struct codebook_problem_ctx){ problems, path });
	config_read_replies(cfg, config_setting_get_member(root, "replies"),
	    problems);
	if (problems->n != 0) {
		config_free(cfg);
		cfg = NULL;
	}
out:
	config_destroy(&lc);
	return cfg;
}
