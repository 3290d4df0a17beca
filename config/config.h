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
#include "ctdc.h"
#include "phone.h"
#include "reply.h"
#include "report.h"

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
	int send_per_minute;	/* parts submitted per minute, at most */
	int timeout_s;		/* a command taking longer: the modem hung */
	int health_interval_s;	/* seconds between two health checks */
	char balance_ussd[16];	/* USSD code for the balance, "" none */
	int balance_warn;	/* warn below this balance; 0: never */
	int pinned;		/* its SIM's rows go from this gateway */
	int line;
};

#define CONFIG_MAX_FOCAL 256
#define CONFIG_MAX_AUTHORITIES 32
/* observatory.retain_text_days, retain_numbers_days (db/retention.md). */
#define CONFIG_RETAIN_TEXT_DAYS 180
#define CONFIG_RETAIN_NUMBERS_DAYS 90
#define CONFIG_MAX_RUNGS 4
#define CONFIG_MAX_RULES 64
#define CONFIG_MAX_NOTIFY 8
#define CONFIG_MAX_ADMINS 8
/* The SMS one alert's plan may hold: every rung of every ladder it can
 * reach, times repeats, and the administrators' notices. A config that
 * could need more is refused (config_check_steps), never cut short. */
#define CONFIG_MAX_STEPS 96
#define CONFIG_ID_MAX 32
#define CONFIG_LABEL_MAX 64

/* A registered focal point: focal_points = ( { id; name; phone; ... } ). */
struct focal_point {
	char id[CONFIG_ID_MAX];
	char name[CONFIG_LABEL_MAX];
	char phone[PHONE_E164_MAX];	/* E.164, "+2389912345" */
	int area;			/* index in codebook.areas */
	enum reply_lang lang;
	char pin[REPORT_PIN_MAX];	/* "" when none is required */
	int active;
	int line;
};

/* One rung of an authority's duty ladder. */
struct rung {
	char number[PHONE_E164_MAX];
	char label[CONFIG_LABEL_MAX];
};

struct authority {
	char id[CONFIG_ID_MAX];
	char name[CONFIG_LABEL_MAX];
	unsigned areas;			/* bit i: codebook area i */
	int all_areas;			/* areas = ["*"] */
	enum reply_lang lang;
	struct rung ladder[CONFIG_MAX_RUNGS];
	int n_rungs;
	int line;
};

/* A routing rule; each mask is 0 when the rule does not test it. */
struct route_rule {
	char name[CONFIG_LABEL_MAX];
	unsigned areas, forms;		/* bit i: codebook entry i */
	unsigned urgency;		/* bit u: U<u> */
	int minor;			/* -1 any, 0 no minor, 1 minor */
	int from_min, to_min;		/* hours window, minutes; -1 none */
	unsigned days;			/* bit 0 sunday .. bit 6 saturday */
	int notify[CONFIG_MAX_NOTIFY];	/* indexes in authorities */
	int n_notify;
	int final;
	int line;
};

struct escalation_policy {
	int ack_timeout_s;		/* wait for OK on each attempt */
	int repeats;			/* attempts per rung, >= 1 */
};

#define CONFIG_HTTP_LISTEN_DEFAULT "127.0.0.1:9108"

/* The USSD callback endpoint (gateway/ussd_http.c); off when listen is
 * "". */
#define CONFIG_USSD_MAX_ALLOW 16
struct ussd_config {
	char listen[64];	/* "address:port", "" = no endpoint */
	char host[48];		/* listen split: the address */
	int port;		/* and the port */
	char path[64];
	char token[128];	/* "" = none required */
	char allow[CONFIG_USSD_MAX_ALLOW][48];	/* client addresses */
	int n_allow;		/* 0 = any */
	int session_timeout_s;
	int max_sessions;
};

/* What `farolctl export` needs: observatory.k, .conninfo,
 * .epsilon_budget, and the codebook's `ctdc` and `group` settings
 * (config_export.c, db/observatory.md). */
#define CONFIG_EXPORT_K_DEFAULT 11
#define CONFIG_EXPORT_BUDGET_DEFAULT 1.0
struct export_config {
	int k;			/* every published cell: >= k victims */
	char conninfo[1024];	/* "" none: database.conninfo */
	double epsilon_budget;	/* per calendar month */
	enum ctdc_category form_ctdc[CODEBOOK_MAX];	/* per codebook form */
	char area_group[CODEBOOK_MAX][CODEBOOK_NAME_MAX];	/* "" none */
};

struct config {
	char path[CONFIG_PATH_MAX];

	/* gateway */
	char name[64];
	char spool_dir[CONFIG_PATH_MAX];
	char admin_socket[108];	/* sun_path's size */
	char admin_group[64];	/* "" none: the socket is 0660, farold's group */
	long admin_gid;		/* admin_group resolved, -1 none */
	int log_level;		/* LOG_ERROR..LOG_DEBUG, see log.h */
	int multipart_timeout_s;
	int stop_deadline_s;	/* stopping takes longer: exit 4 anyway */
	int lease_s;		/* a claimed row's lease; heartbeat: 1/3 */
	int pin_fallback_s;	/* a pinned modem's rows, then any gateway */

	/* database */
	char conninfo[1024];
	int connect_timeout_s;
	int migrate;		/* 0: the runtime role; the owner migrates */

	/* http: "ADDRESS:PORT" of the status page, /healthz and /metrics;
	 * "" when off */
	char http_listen[64];

	struct modem_config modems[CONFIG_MAX_MODEMS];
	int n_modems;

	struct codebook codebook;
	struct reply_overrides replies;	/* owned strings; NULL: built in */

	struct focal_point focal[CONFIG_MAX_FOCAL];
	int n_focal;
	struct authority authorities[CONFIG_MAX_AUTHORITIES];
	int n_authorities;

	/* routing */
	struct route_rule rules[CONFIG_MAX_RULES];
	int n_rules;
	int unregistered[CONFIG_MAX_NOTIFY];	/* authority indexes */
	int n_unregistered;

	/* escalation: [0] U1, [1] U2 (U3 goes to the digest only) */
	struct escalation_policy escalation[2];
	int digest_at_s;		/* seconds after midnight, local */
	char admins[CONFIG_MAX_ADMINS][PHONE_E164_MAX];
	int n_admins;
	int stale_after_s;
	int rung_horizon_s;	/* later rungs kept as the alert's plan;
				   0: every rung written at ingest */

	/* security */
	int unregistered_reply;
	int flood_max, flood_per_s;
	int reply_max, reply_per_s;	/* replies to one number, in per_s */

	struct ussd_config ussd;

	struct export_config export;

	/* observatory: retention, in days (0: at the next daily purge) */
	int retain_text_days;
	int retain_numbers_days;
};

/*
 * Load and validate FILE. Returns a new config (caller frees with
 * config_free) or NULL with *cause set (cause.h): every problem found, one
 * per line as "FILE:LINE: reason", so that a refused file is fixed in one
 * go.
 */
struct config *config_load(const char *path, char **cause);
void config_free(struct config *cfg);

/* The active or inactive focal point with this E.164 number, or NULL. */
const struct focal_point *config_find_focal(const struct config *cfg,
    const char *e164);

/* Is e164 one of escalation.admins? */
int config_is_admin(const struct config *cfg, const char *e164);

/* An active focal point, a rung of an authority's ladder or an
 * administrator: a number the gateway answers whatever
 * security.unregistered_reply says. */
int config_is_known(const struct config *cfg, const char *e164);

/* Parse a log level name ("error", "warning", "info", "debug"); -1 if bad. */
int config_parse_log_level(const char *name);

#endif
