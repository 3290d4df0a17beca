/*
 * farolctl.c: the administrator's tool.
 *
 * Offline commands work on a config file with no daemon and no database:
 * `check-config` validates it, `try` shows what the gateway would make of a
 * message. Each command is one function; main() only dispatches.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "farol_version.h"

enum farolctl_exit {
	FAROLCTL_EXIT_OK = 0,
	FAROLCTL_EXIT_FAIL = 1,	/* the command ran and said no */
	FAROLCTL_EXIT_USAGE = 2,
};

#define FAROLCTL_DEFAULT_CONFIG FAROL_SYSCONFDIR "/farol.conf"

static void
farolctl_usage(FILE *out)
{
	fprintf(out,
"usage: farolctl [-h] [-V] COMMAND [ARGS]\n"
"\n"
"commands:\n"
"  check-config [FILE]   validate a config file (default %s);\n"
"                        prints \"ok\" or each problem as FILE:LINE: reason\n"
"\n"
"options:\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"exit status: 0 ok, 1 the command failed (e.g. invalid config), 2 usage.\n",
	    FAROLCTL_DEFAULT_CONFIG);
}

/* Load a config or print why not; NULL on failure. */
static struct config *
farolctl_load(const char *path)
{
	struct config_problems problems = { 0 };
	struct config *cfg = config_load(path, &problems);

	for (int i = 0; i < problems.n; i++)
		fprintf(stderr, "%s\n", problems.lines[i]);
	config_problems_clear(&problems);
	return cfg;
}

static int
farolctl_check_config(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : FAROLCTL_DEFAULT_CONFIG;
	struct config *cfg;

	if (argc > 2) {
		fprintf(stderr, "usage: farolctl check-config [FILE]\n");
		return FAROLCTL_EXIT_USAGE;
	}
	if ((cfg = farolctl_load(path)) == NULL)
		return FAROLCTL_EXIT_FAIL;
	config_free(cfg);
	printf("ok\n");
	return FAROLCTL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			farolctl_usage(stdout);
			return FAROLCTL_EXIT_OK;
		case 'V':
			printf("farolctl %s\n", FAROL_VERSION);
			return FAROLCTL_EXIT_OK;
		default:
			farolctl_usage(stderr);
			return FAROLCTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		farolctl_usage(stderr);
		return FAROLCTL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "check-config") == 0)
		return farolctl_check_config(argc, argv);
	fprintf(stderr, "farolctl: unknown command \"%s\" (see farolctl "
	    "--help)\n", argv[0]);
	return FAROLCTL_EXIT_USAGE;
}
