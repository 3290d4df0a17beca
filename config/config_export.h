/*
 * config_export.h: reading the export's settings (config_export.c); for
 * config.c only.
 */
#ifndef FAROL_CONFIG_EXPORT_H
#define FAROL_CONFIG_EXPORT_H

#include <libconfig.h>

#include "schema.h"

/* In config.c: a password in group.conninfo (the setting in g, read as
 * conninfo) is refused while others may read the file. */
void config_check_password(const struct config *cfg,
    const config_setting_t *g, const char *group, const char *conninfo,
    struct config_problems *problems);

void config_read_export(struct config *cfg, const config_setting_t *root,
    struct config_problems *problems);

#endif
