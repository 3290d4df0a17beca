/*
 * config_export.h: reading the export's settings (config_export.c); for
 * config.c only.
 */
#ifndef FAROL_CONFIG_EXPORT_H
#define FAROL_CONFIG_EXPORT_H

#include <libconfig.h>

#include "schema.h"

void config_read_export(struct config *cfg, const config_setting_t *root,
    struct config_problems *problems);

#endif
