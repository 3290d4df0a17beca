/*
 * config_export.c: the settings of `farolctl export` (config.h, struct
 * export_config): the observatory group's k, conninfo and epsilon_budget,
 * each codebook form's `ctdc` category and each area's island `group`.
 * Called by config.c once the schema has passed the file; a problem is
 * reported as FILE:LINE like every other.
 */
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_export.h"
#include "schema.h"

/* The forms' CTDC categories; a form without one is "other". */
static void
config_export_forms(struct config *cfg, const config_setting_t *forms,
    struct config_problems *problems)
{
	const config_setting_t *g, *s;
	int i, c;

	for (i = 0; i < cfg->codebook.n_forms; i++) {
		cfg->export.form_ctdc[i] = CTDC_OTHER;
		g = config_setting_get_elem(forms, (unsigned)i);
		if (g == NULL || (s = config_setting_get_member(g, "ctdc")) ==
		    NULL)
			continue;
		if ((c = ctdc_find(config_setting_get_string(s))) < 0) {
			schema_problem_at(problems, s, "codebook.forms[%d].ctdc "
			    "= \"%s\" is not a CTDC category (%s)", i,
			    config_setting_get_string(s), ctdc_names());
			continue;
		}
		cfg->export.form_ctdc[i] = (enum ctdc_category)c;
	}
}

/* The areas' island groups: a group name must not also be an area's,
 * or an export row could not say which it counts. */
static void
config_export_groups(struct config *cfg, const config_setting_t *areas,
    struct config_problems *problems)
{
	const struct codebook *cb = &cfg->codebook;
	const config_setting_t *g, *s;
	char *group;
	int i, j;

	for (i = 0; i < cb->n_areas; i++) {
		group = cfg->export.area_group[i];
		group[0] = '\0';
		g = config_setting_get_elem(areas, (unsigned)i);
		if (g == NULL || (s = config_setting_get_member(g, "group")) ==
		    NULL)
			continue;
		snprintf(group, CODEBOOK_NAME_MAX, "%s",
		    config_setting_get_string(s));
		for (j = 0; j < cb->n_areas; j++)
			if (strcmp(group, cb->areas[j].name_pt) == 0 ||
			    strcmp(group, cb->areas[j].code) == 0)
				schema_problem_at(problems, s,
				    "codebook.areas[%d].group = \"%s\" is also "
				    "an area's name or code", i, group);
	}
}

void
config_read_export(struct config *cfg, const config_setting_t *root,
    struct config_problems *problems)
{
	const config_setting_t *obs, *cb, *s;
	double budget;

	cfg->export.k = CONFIG_EXPORT_K_DEFAULT;
	cfg->export.conninfo[0] = '\0';
	cfg->export.epsilon_budget = CONFIG_EXPORT_BUDGET_DEFAULT;
	if ((obs = config_setting_get_member(root, "observatory")) != NULL) {
		config_setting_lookup_int(obs, "k", &cfg->export.k);
		if ((s = config_setting_get_member(obs, "conninfo")) != NULL)
			snprintf(cfg->export.conninfo,
			    sizeof cfg->export.conninfo, "%s",
			    config_setting_get_string(s));
		config_check_password(cfg, obs, "observatory",
		    cfg->export.conninfo, problems);
		if (config_setting_lookup_float(obs, "epsilon_budget",
		    &budget) == CONFIG_TRUE)
			cfg->export.epsilon_budget = budget;
		else if ((s = config_setting_get_member(obs,
		    "epsilon_budget")) != NULL)
			cfg->export.epsilon_budget =
			    (double)config_setting_get_int64(s);
	}
	if ((cb = config_setting_get_member(root, "codebook")) == NULL)
		return;
	config_export_forms(cfg, config_setting_get_member(cb, "forms"),
	    problems);
	config_export_groups(cfg, config_setting_get_member(cb, "areas"),
	    problems);
}
