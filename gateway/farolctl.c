/*
 * farolctl.c: the administrator's tool.
 *
 * Offline commands work on a config file with no daemon and no database:
 * `check-config` validates it, `try` shows what the gateway would make of a
 * message. Online commands (`status`, `reload`, `show`, `alerts`, `alert`,
 * `ack`, `close`, `resend`, `pause`, `resume`, `release`, `dismiss`,
 * `purge`, `erase-focal-point`) talk
 * to a running farold through its admin socket. Each command is one
 * function; main() only dispatches.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "farol_version.h"
#include "db_init.h"
#include "export.h"
#include "routes.h"
#include "try.h"

enum farolctl_exit {
	FAROLCTL_EXIT_OK = 0,
	FAROLCTL_EXIT_FAIL = 1,	/* the command ran and said no */
	FAROLCTL_EXIT_USAGE = 2,
};

#define FAROLCTL_DEFAULT_CONFIG FAROL_SYSCONFDIR "/farol.conf"

static void
farolctl_usage(FILE *out)
{
	/* Four strings: ISO C compilers need not take one this long. */
	fputs(
"usage: farolctl [-c FILE] [-s SOCKET] COMMAND [ARGS]\n"
"\n"
"commands:\n"
"  check-config [FILE]   validate a config file (default: -c's file);\n"
"                        prints \"ok\" or each problem as FILE:LINE: reason\n"
"  try [--from NUMBER] [--json] [--lang pt|en] TEXT...\n"
"                        show what the gateway would make of a message (an\n"
"                        SMS body, or a USSD string such as *384*7*1*1#):\n"
"                        the parsed report or the error, and the reply;\n"
"                        offline, no daemon or database needed\n"
"  routes [--area A] [--at HH:MM] [--day sun..sat] [--check-config]\n"
"                        the config's whole routing table: per area,\n"
"                        urgency, minor flag and form, for each time window\n"
"                        the rules name, who is told at once and at each\n"
"                        rung; --check-config warns (FILE:LINE) about gaps\n"
"                        and exits 1 if there are any; offline\n"
"  db init [--conninfo CONNINFO]\n"
"                        as a PostgreSQL superuser (default: the config's\n"
"                        conninfo): create the roles farol_owner (owns the\n"
"                        schema, applies the migrations), farol_daemon\n"
"                        (farold: reads the tables, executes the functions)\n"
"                        and farol_observatory (reads alert_report but its\n"
"                        text, and runs the export's functions only);\n"
"                        run it again after an upgrade\n", out);
	fputs(
"  export --since YYYY-MM --until YYYY-MM [--by area,form,month,sex,minor]\n"
"         [--format csv|json] [--epsilon E] [--reason TEXT]\n"
"                        the Observatory's figures for whole months (until\n"
"                        excluded): alerts and victims per cell, every\n"
"                        cell at least observatory.k victims\n"
"                        (smaller ones generalised, then suppressed), with\n"
"                        --epsilon differential-privacy noise and its\n"
"                        budget; reads the database (observatory.conninfo,\n"
"                        else database.conninfo), no daemon needed\n", out);
	fputs(
"  status                show the running gateway's state\n"
"  reload                make the running gateway reload its config file;\n"
"                        a file with problems is refused and they are shown\n"
"  show [--json] modems|inbox|spool|outbox|alerts|gateways|audit|purges\n"
"                        one table of the running gateway: a header line of\n"
"                        tab-separated column names, then one row per line\n"
"                        (\"-\" for none), or with --json one array of\n"
"                        objects; outbox and alerts ask the database and\n"
"                        fail at once while it is not connected. Columns:\n"
"                        modems: name connected healthy role signal network\n"
"                          sim_used sim_total send_queue sent failed\n"
"                          received problem paused\n"
"                        inbox: pending storing waiting stored already\n"
"                          spooled\n"
"                        spool: database waiting oldest_age_s replay\n"
"                          replay_calls forwarded forward_failed\n"
"                          forwards_queued forwards_sending\n"
"                          numbers_reserved results_kept\n"
"                        outbox: purpose state rows next_due_s\n"
"                        alerts: ref area forms urgency minor verified state\n"
"                          held rung forwarded waiting age_s (newest 50)\n"
"  alerts [--json] [--area A] [--state S] [--urgency U] [--since T]\n"
"                        the alerts that match (newest 500), as show\n"
"                        alerts; S may be \"open\" (any state not final);\n"
"                        T an age (2h, 30min, 3days) or a time\n"
"                        (2026-12-01T08:00)\n"
"  alert [--json] REF    one alert and its whole history (its events), as\n"
"                        codes: no free text, no phone number\n"
"  alert [--json] REF --full [--reason WHY]\n"
"                        also its free text and phone numbers: the read is\n"
"                        recorded in the audit with your user and the\n"
"                        reason (asked for on a terminal, else required)\n"
"  purge [--dry-run]     replace now the free text and phone numbers past\n"
"                        observatory.retain_text_days / retain_numbers_days\n"
"                        (the daily purge's job); --dry-run counts only\n"
"  erase-focal-point ID  remove a focal point's number and name, and its\n"
"                        reports' free text, from the database; its reports\n"
"                        stay as codes. Then remove it from the config file\n"
"                        and reload\n"
"  ack REF, close REF    acknowledge or close an alert on behalf of an\n"
"                        officer; recorded in its history with your user\n"
"  resend OUTBOX-ID      send an outgoing SMS again (a new outbox row)\n"
"  pause MODEM, resume MODEM\n"
"                        a paused modem takes no sends (it still receives)\n"
"  release REF, dismiss REF --reason TEXT\n"
"                        a held alert: routed as if just arrived, or closed\n",
	    out);
	fprintf(out,
"\n"
"options:\n"
"  -c, --config FILE     config file (default %s)\n"
"  -s, --socket PATH     farold's admin socket (default: the config's\n"
"                        gateway.admin_socket)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"exit status: 0 ok, 1 the command failed (e.g. invalid config), 2 usage.\n"
"`try` exits 0 whenever the message was evaluated, valid or not: the\n"
"verdict is in its output (\"error\" is null for a valid report).\n",
	    FAROLCTL_DEFAULT_CONFIG);
}

/* Load a config or print why not; NULL on failure. */
static struct config *
farolctl_load(const char *path)
{
	char *cause = NULL;
	struct config *cfg = config_load(path, &cause);

	if (cfg == NULL)
		fprintf(stderr, "%s\n", cause);
	free(cause);
	return cfg;
}

static const char *farolctl_config = FAROLCTL_DEFAULT_CONFIG;
static const char *farolctl_socket;

static int
farolctl_check_config(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : farolctl_config;
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

/* Join argv into one message, as a focal point's words with spaces. */
static char *
farolctl_join(int argc, char **argv)
{
	size_t len = 1;
	char *text;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((text = calloc(1, len)) == NULL)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	return text;
}

static int
farolctl_try(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "lang", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct try_params tp = { .lang = REPLY_PT, .default_area = -1 };
	const char *from = NULL;
	struct config *cfg;
	char *text;
	int ch, json = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:f:jl:", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'c':
			farolctl_config = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'l':
			tp.lang_set = 1;
			if (strcmp(optarg, "pt") == 0)
				tp.lang = REPLY_PT;
			else if (strcmp(optarg, "en") == 0)
				tp.lang = REPLY_EN;
			else
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	if ((cfg = farolctl_load(farolctl_config)) == NULL)
		return FAROLCTL_EXIT_FAIL;
	if ((text = farolctl_join(argc - optind, argv + optind)) == NULL) {
		config_free(cfg);
		return FAROLCTL_EXIT_FAIL;
	}
	tp.cfg = cfg;
	tp.received_at = time(NULL);
	try_report_with(&cfg->codebook, &cfg->replies, &tp, from, text, json,
	    stdout);
	free(text);
	config_free(cfg);
	return fflush(stdout) == 0 ? FAROLCTL_EXIT_OK : FAROLCTL_EXIT_FAIL;
usage:
	fprintf(stderr, "usage: farolctl try [--config FILE] [--from NUMBER] "
	    "[--json] [--lang pt|en] TEXT...\n");
	return FAROLCTL_EXIT_USAGE;
}

/* db init [--conninfo CONNINFO] */
static int
farolctl_db(int argc, char **argv)
{
	const char *conninfo = NULL;
	struct config *cfg = NULL;
	char *cause = NULL;
	int rc;

	if (argc < 2 || strcmp(argv[1], "init") != 0)
		goto usage;
	if (argc == 4 && strcmp(argv[2], "--conninfo") == 0)
		conninfo = argv[3];
	else if (argc != 2)
		goto usage;
	if (conninfo == NULL) {
		if ((cfg = farolctl_load(farolctl_config)) == NULL)
			return FAROLCTL_EXIT_FAIL;
		conninfo = cfg->conninfo;
	}
	rc = db_init_run(conninfo, stdout, &cause);
	if (rc != 0)
		fprintf(stderr, "farolctl: db init: %s\n", cause);
	free(cause);
	config_free(cfg);
	return rc == 0 ? FAROLCTL_EXIT_OK : FAROLCTL_EXIT_FAIL;
usage:
	fprintf(stderr, "usage: farolctl db init [--conninfo CONNINFO]\n");
	return FAROLCTL_EXIT_USAGE;
}

/* export --since T --until T [--by ...] [--format csv|json] [--epsilon E]
 * [--reason TEXT]: the database directly, no daemon (export.c). */
static int
farolctl_export(int argc, char **argv)
{
	struct config *cfg;
	int rc;

	if ((cfg = farolctl_load(farolctl_config)) == NULL)
		return FAROLCTL_EXIT_FAIL;
	rc = export_main(cfg, argc, argv);
	config_free(cfg);
	return rc;
}

/* routes [--area A] [--at HH:MM] [--day D] [--check-config] */
static int
farolctl_routes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "area", required_argument, NULL, 'a' },
		{ "at", required_argument, NULL, 't' },
		{ "day", required_argument, NULL, 'd' },
		{ "check-config", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat" };
	struct routes_filter f = { -1, -1, -1 };
	const char *area = NULL;
	struct config *cfg;
	int ch, check = 0, h, m, rc;
	char end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			area = optarg;
			break;
		case 't':
			if (sscanf(optarg, "%d:%d%c", &h, &m, &end) != 2 ||
			    h < 0 || h > 23 || m < 0 || m > 59)
				goto usage;
			f.at_min = h * 60 + m;
			break;
		case 'd':
			for (f.day = 0; f.day < 7; f.day++)
				if (strncasecmp(optarg, days[f.day], 3) == 0)
					break;
			if (f.day == 7)
				goto usage;
			break;
		case 'k':
			check = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if ((cfg = farolctl_load(farolctl_config)) == NULL)
		return FAROLCTL_EXIT_FAIL;
	if (area != NULL) {
		for (f.area = 0; f.area < cfg->codebook.n_areas; f.area++)
			if (strcasecmp(cfg->codebook.areas[f.area].code,
			    area) == 0)
				break;
		if (f.area == cfg->codebook.n_areas) {
			fprintf(stderr, "farolctl: no area %s in %s\n", area,
			    farolctl_config);
			config_free(cfg);
			return FAROLCTL_EXIT_FAIL;
		}
	}
	if (check)
		rc = routes_check(cfg, stdout) > 0 ? FAROLCTL_EXIT_FAIL :
		    FAROLCTL_EXIT_OK;
	else
		rc = routes_print(cfg, &f, stdout) == 0 ? FAROLCTL_EXIT_OK :
		    FAROLCTL_EXIT_FAIL;
	if (check && rc == FAROLCTL_EXIT_OK)
		printf("ok\n");
	config_free(cfg);
	return fflush(stdout) == 0 ? rc : FAROLCTL_EXIT_FAIL;
usage:
	fprintf(stderr, "usage: farolctl routes [--area A] [--at HH:MM] "
	    "[--day sun..sat] [--check-config]\n");
	return FAROLCTL_EXIT_USAGE;
}

/* Send one command to farold's admin socket and print the answer. */
static int
farolctl_admin(const char *command)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[sizeof sun.sun_path], *buf = NULL, *last, *nl, *more;
	struct config *cfg;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc;

	if (farolctl_socket != NULL) {
		snprintf(path, sizeof path, "%s", farolctl_socket);
	} else {
		if ((cfg = farolctl_load(farolctl_config)) == NULL)
			return FAROLCTL_EXIT_FAIL;
		snprintf(path, sizeof path, "%s", cfg->admin_socket);
		config_free(cfg);
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		fprintf(stderr, "farolctl: cannot reach farold at %s: %s (is "
		    "it running? is this the right -c or -s?)\n", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return FAROLCTL_EXIT_FAIL;
	}
	dprintf(fd, "%s\n", command);
	do {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			if ((more = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "farolctl: out of memory\n");
				free(buf);
				close(fd);
				return FAROLCTL_EXIT_FAIL;
			}
			buf = more;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	buf[len] = '\0';
	/* The last line is OK or ERR <reason>; the rest is the answer. */
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	if (last != buf) {
		last[-1] = '\0';
		printf("%s\n", buf);
	}
	if (strcmp(last, "OK") == 0)
		rc = FAROLCTL_EXIT_OK;
	else {
		nl = strncmp(last, "ERR ", 4) == 0 ? last + 4 : last;
		fprintf(stderr, "farolctl: %s\n", *nl ? nl :
		    "no answer from farold");
		rc = FAROLCTL_EXIT_FAIL;
	}
	free(buf);
	return rc;
}

static int
farolctl_show(int argc, char **argv)
{
	static const char *const tables[] = { "modems", "inbox", "spool",
	    "outbox", "alerts", "gateways", "audit", "purges" };
	const char *what = NULL;
	char command[64];
	int json = 0;

	/* --json before or after the table's name. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (what == NULL)
			what = argv[i];
		else
			goto usage;
	}
	if (what == NULL)
		goto usage;
	for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
		if (strcmp(what, tables[t]) != 0)
			continue;
		snprintf(command, sizeof command, "show %s%s", tables[t],
		    json ? " json" : "");
		return farolctl_admin(command);
	}
usage:
	fprintf(stderr, "usage: farolctl show [--json] "
	    "modems|inbox|spool|outbox|alerts|gateways|audit|purges\n");
	return FAROLCTL_EXIT_USAGE;
}

/* release REF, dismiss REF --reason TEXT: a held alert, by its number. */
static int
farolctl_held(int argc, char **argv)
{
	int release = strcmp(argv[0], "release") == 0;
	const char *ref = NULL, *reason = NULL;
	char command[600];

	for (int i = 1; i < argc; i++) {
		if (!release && strcmp(argv[i], "--reason") == 0 &&
		    i + 1 < argc && reason == NULL)
			reason = argv[++i];
		else if (ref == NULL && argv[i][0] != '\0' &&
		    strspn(argv[i], "0123456789") == strlen(argv[i]))
			ref = argv[i];
		else
			goto usage;
	}
	if (ref == NULL || (!release && (reason == NULL ||
	    reason[strspn(reason, " ")] == '\0' ||
	    strpbrk(reason, "\r\n") != NULL)))
		goto usage;
	snprintf(command, sizeof command, "%s %s%s%.512s", argv[0], ref,
	    release ? "" : " ", release ? "" : reason);
	return farolctl_admin(command);
usage:
	fprintf(stderr, "usage: farolctl release REF\n"
	    "       farolctl dismiss REF --reason TEXT\n");
	return FAROLCTL_EXIT_USAGE;
}

/* The commands that take one word (a number or a modem's name). */
static const char *const farolctl_one_word[] = { "ack", "close",
    "resend", "pause", "resume" };

/* A value the admin protocol carries as one word: no space, no '='. */
static int
farolctl_word(const char *v)
{
	return v[0] != '\0' && strpbrk(v, " \t\r\n=") == NULL &&
	    strlen(v) < 64;
}

/* The reason for reading an alert's text: asked for on a terminal. */
static int
farolctl_ask_reason(char *buf, size_t size)
{
	size_t len;

	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "why do you read this alert's text and numbers? "
	    "(recorded in the audit)\nreason: ");
	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return buf[strspn(buf, " \t")] == '\0' ? -1 : 0;
}

/* alert [--json] REF: codes only. alert [--json] REF --full [--reason
 * WHY]: also its free text and numbers, a read recorded in the audit
 * with the reason (asked for on a terminal, else required). */
static int
farolctl_alert(int argc, char **argv)
{
	const char *ref = NULL, *reason = NULL;
	char command[700], asked[512];
	int json = 0, full = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--full") == 0)
			full = 1;
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc &&
		    reason == NULL)
			reason = argv[++i];
		else if (ref == NULL && argv[i][0] != '\0' &&
		    strspn(argv[i], "0123456789") == strlen(argv[i]) &&
		    strlen(argv[i]) < 19)
			ref = argv[i];
		else
			goto usage;
	}
	if (ref == NULL)
		goto usage;
	if (reason == NULL && !full) {
		snprintf(command, sizeof command, "alert %s%s", ref,
		    json ? " json" : "");
		return farolctl_admin(command);
	}
	if (reason == NULL) {
		if (farolctl_ask_reason(asked, sizeof asked) != 0) {
			fprintf(stderr, "farolctl: reading an alert's text and "
			    "numbers is recorded in the audit: say why with "
			    "--reason WHY\n");
			return FAROLCTL_EXIT_USAGE;
		}
		reason = asked;
	}
	if (reason[strspn(reason, " \t")] == '\0' ||
	    strpbrk(reason, "\r\n") != NULL || strlen(reason) >= 512) {
		fprintf(stderr, "farolctl: the reason is one line of words, "
		    "at most 511 bytes\n");
		return FAROLCTL_EXIT_USAGE;
	}
	snprintf(command, sizeof command, "read %s%s %s", ref,
	    json ? " json" : "", reason);
	return farolctl_admin(command);
usage:
	fprintf(stderr, "usage: farolctl alert [--json] REF [--full] "
	    "[--reason WHY]\n");
	return FAROLCTL_EXIT_USAGE;
}

/* purge [--dry-run] */
static int
farolctl_purge(int argc, char **argv)
{
	if (argc == 1)
		return farolctl_admin("purge");
	if (argc == 2 && strcmp(argv[1], "--dry-run") == 0)
		return farolctl_admin("purge dry");
	fprintf(stderr, "usage: farolctl purge [--dry-run]\n");
	return FAROLCTL_EXIT_USAGE;
}

/* erase-focal-point ID */
static int
farolctl_erase(int argc, char **argv)
{
	char command[128];

	if (argc != 2 || !farolctl_word(argv[1])) {
		fprintf(stderr, "usage: farolctl erase-focal-point ID\n");
		return FAROLCTL_EXIT_USAGE;
	}
	snprintf(command, sizeof command, "erase-focal-point %s", argv[1]);
	return farolctl_admin(command);
}

/* alerts [--json] [--area A] [--state S] [--urgency U] [--since T] */
static int
farolctl_alerts(int argc, char **argv)
{
	static const char *const keys[] = { "area", "state", "urgency",
	    "since" };
	char command[512], since[64];
	size_t len;
	int json = 0, k;

	len = (size_t)snprintf(command, sizeof command, "alerts");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		for (k = 0; k < 4; k++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, keys[k]) == 0)
				break;
		if (k == 4 || i + 1 >= argc)
			goto usage;
		/* A time may be written with a space: "2026-12-01 08:00". */
		snprintf(since, sizeof since, "%s", argv[++i]);
		for (char *p = since; k == 3 && *p != '\0'; p++)
			if (*p == ' ')
				*p = 'T';
		if (!farolctl_word(since))
			goto usage;
		len += (size_t)snprintf(command + len, sizeof command - len,
		    " %s=%s", keys[k], since);
	}
	if (json)
		snprintf(command + len, sizeof command - len, " json");
	return farolctl_admin(command);
usage:
	fprintf(stderr, "usage: farolctl alerts [--json] [--area A] "
	    "[--state S] [--urgency U] [--since T]\n");
	return FAROLCTL_EXIT_USAGE;
}

/* ack REF; close REF; resend ID; pause MODEM; resume MODEM: one word
 * after the command. */
static int
farolctl_one(int argc, char **argv)
{
	const char *word = NULL;
	char command[128];

	for (int i = 1; i < argc; i++) {
		if (word == NULL && farolctl_word(argv[i]))
			word = argv[i];
		else
			goto usage;
	}
	if (word == NULL)
		goto usage;
	snprintf(command, sizeof command, "%s %s", argv[0], word);
	return farolctl_admin(command);
usage:
	fprintf(stderr, "usage: farolctl ack REF | close REF | "
	    "resend OUTBOX-ID | pause MODEM | resume MODEM\n");
	return FAROLCTL_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+c:s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			farolctl_config = optarg;
			break;
		case 's':
			farolctl_socket = optarg;
			break;
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
	if (strcmp(argv[0], "try") == 0)
		return farolctl_try(argc, argv);
	if (strcmp(argv[0], "routes") == 0)
		return farolctl_routes(argc, argv);
	if (strcmp(argv[0], "db") == 0)
		return farolctl_db(argc, argv);
	if (strcmp(argv[0], "show") == 0)
		return farolctl_show(argc, argv);
	if (strcmp(argv[0], "export") == 0)
		return farolctl_export(argc, argv);
	if (strcmp(argv[0], "release") == 0 || strcmp(argv[0], "dismiss") == 0)
		return farolctl_held(argc, argv);
	if (strcmp(argv[0], "alerts") == 0)
		return farolctl_alerts(argc, argv);
	if (strcmp(argv[0], "alert") == 0)
		return farolctl_alert(argc, argv);
	if (strcmp(argv[0], "purge") == 0)
		return farolctl_purge(argc, argv);
	if (strcmp(argv[0], "erase-focal-point") == 0)
		return farolctl_erase(argc, argv);
	for (size_t i = 0; i < sizeof farolctl_one_word /
	    sizeof *farolctl_one_word; i++)
		if (strcmp(argv[0], farolctl_one_word[i]) == 0)
			return farolctl_one(argc, argv);
	if ((strcmp(argv[0], "status") == 0 || strcmp(argv[0], "reload") == 0)
	    && argc == 1)
		return farolctl_admin(argv[0]);
	fprintf(stderr, "farolctl: unknown command \"%s\" (see farolctl "
	    "--help)\n", argv[0]);
	return FAROLCTL_EXIT_USAGE;
}
