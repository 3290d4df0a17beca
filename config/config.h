/*
 * config.h: the gateway's configuration, loaded from one libconfig file.
 *
 * config_load() reads and validates a whole file into a fresh struct config
 * or refuses it, listing every problem as "FILE:LINE: reason". Callers swap
 * the new struct in only when it loaded (all-or-nothing reload). A loaded
 * config is immutable; it is freed with config_free() by whoever loaded it.
 */
#ifndef FAROL_CONFIG_H
#define FAROL_CONFIG_H

#include <stddef.h>

#include "codebook.h"
#include "reply.h"

#define CONFIG_MAX_MODEMS 16
#define CONFIG_NAME_MAX 32
#define CONFIG_PATH_MAX 512

enum modem_role {
	MODEM_ROLE_RECEIVE = 1,
	MODEM_ROLE_SEND = 2,
	MODEM_ROLE_BOTH = 3,
};

struct modem_config {
	char name[CONFIG_NAME_MAX];
	char device[CONFIG_PATH_MAX];
	char connection[CONFIG_NAME_MAX];
	char model[CONFIG_NAME_MAX];
	char pin[16];
	enum modem_role role;
	int poll_interval_s;
	int line;
};

struct config {
	char path[CONFIG_PATH_MAX];

	/* gateway */
	char name[64];
	char spool_dir[CONFIG_PATH_MAX];
	char admin_socket[108];	/* sun_path's size */
	int log_level;		/* LOG_ERROR..LOG_DEBUG, see log.h */
	int multipart_timeout_s;

	/* database */
	char conninfo[1024];
	int connect_timeout_s;

	struct modem_config modems[CONFIG_MAX_MODEMS];
	int n_modems;

	struct codebook codebook;
	struct reply_overrides replies;	/* owned strings; NULL: built in */
};

/* Problems found while loading; each line is "FILE:LINE: reason". */
struct config_problems {
	char **lines;
	int n;
};

/*
 * Load and validate FILE. Returns a new config (caller frees with
 * config_free) or NULL; on NULL, problems holds at least one line.
 */
struct config *config_load(const char *path, struct config_problems *problems);
void config_free(struct config *cfg);

void config_problems_clear(struct config_problems *problems);

/* Parse a log level name ("error", "warning", "info", "debug"); -1 if bad. */
int config_parse_log_level(const char *name);

#endif
