/*
 * test_config.c: table-driven tests of config_load(): the default file
 * loads, and each kind of broken file is refused with FILE:LINE: reason.
 * Run by `meson test --suite unit`; argv[1] is the default farol.conf.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"


/* The pieces of a small valid file; a case replaces one of them. */
#define GATEWAY "gateway = { name = \"t\"; spool_dir = \"/tmp/s\"; };\n"
#define DATABASE "database = { conninfo = \"dbname=farol\"; };\n"
#define MODEMS "modems = ( { name = \"m1\"; device = \"/tmp/d\"; " \
	"connection = \"none\"; model = \"dummy\"; } );\n"
#define CODEBOOK "codebook = { country_code = \"238\"; national_length = 7;\n" \
	"areas = ( { code = \"SV\"; name = \"São Vicente\"; } );\n" \
	"forms = ( { code = \"SX\"; name = \"exploração sexual\"; } ); };\n"

struct config_case {
	const char *name;
	const char *text;
	const char *want;	/* NULL: loads; else ":LINE: reason" substring */
};

static const struct config_case cases[] = {
	{ "minimal valid file", GATEWAY DATABASE MODEMS CODEBOOK, NULL },
	{ "ussd endpoint", GATEWAY DATABASE MODEMS CODEBOOK
	  "ussd = { listen = \"127.0.0.1:8090\"; allow = [ \"::1\" ]; };\n",
	  NULL },
	{ "ussd listen without a port", GATEWAY DATABASE MODEMS CODEBOOK
	  "ussd = { listen = \"127.0.0.1\"; };\n",
	  ":7: ussd.listen = \"127.0.0.1\" is not \"ADDRESS:PORT\"" },
	{ "ussd listen on a name", GATEWAY DATABASE MODEMS CODEBOOK
	  "ussd = { listen = \"localhost:8090\"; };\n",
	  ":7: ussd.listen = \"localhost:8090\" is not" },
	{ "ussd allow not an address", GATEWAY DATABASE MODEMS CODEBOOK
	  "ussd = {\n allow = [ \"10.0.0.300\" ]; };\n",
	  ":8: ussd.allow: \"10.0.0.300\" is not a numeric" },
	{ "ussd path", GATEWAY DATABASE MODEMS CODEBOOK
	  "ussd = { path = \"ussd\"; };\n",
	  ":7: ussd.path must start with \"/\"" },
	{ "ussd max_sessions out of range", GATEWAY DATABASE MODEMS CODEBOOK
	  "ussd = { max_sessions = 0; };\n", ":7: ussd.max_sessions" },
	{ "http off", GATEWAY DATABASE "http = { listen = \"\"; };\n"
	  MODEMS CODEBOOK, NULL },
	{ "http on IPv6 loopback", GATEWAY DATABASE
	  "http = { listen = \"[::1]:9108\"; };\n" MODEMS CODEBOOK, NULL },
	{ "http: no port",
	  GATEWAY DATABASE "http = {\n listen = \"127.0.0.1\"; };\n" MODEMS
	  CODEBOOK, ":4: http.listen = \"127.0.0.1\" is not \"ADDRESS:PORT\"" },
	{ "http: a name, not an address",
	  GATEWAY DATABASE "http = { listen = \"localhost:9108\"; };\n"
	  MODEMS CODEBOOK, ":3: http.listen = \"localhost:9108\" is not" },
	{ "http: port out of range",
	  GATEWAY DATABASE "http = { listen = \"127.0.0.1:65536\"; };\n"
	  MODEMS CODEBOOK, ":3: http.listen = \"127.0.0.1:65536\" is not" },
	{ "http: unknown key",
	  GATEWAY DATABASE "http = { port = 9108; };\n" MODEMS CODEBOOK,
	  ":3: unknown setting 'port' in http" },
	{ "syntax error: missing '='",
	  GATEWAY "database = { conninfo \"x\"; };\n" MODEMS CODEBOOK,
	  ":2: syntax error: syntax error" },
	{ "syntax error: unterminated string",
	  GATEWAY DATABASE "modems = ( { name = \"m1; } );\n" CODEBOOK,
	  ":4: syntax error" },	/* libconfig sees it at the next line */
	{ "unknown top-level key",
	  GATEWAY DATABASE MODEMS CODEBOOK "modem = ();\n",
	  ":7: unknown setting 'modem' in the top level (did you mean "
	  "'modems'?)" },
	{ "unknown key in a modem",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; poll_intervall = 3; } );\n" CODEBOOK,
	  ":4: unknown setting 'poll_intervall' in modems[0] (did you mean "
	  "'poll_interval'?)" },
	{ "unknown key with no near name",
	  "gateway = { name = \"t\"; spool_dir = \"/s\"; colour = \"red\"; };\n"
	  DATABASE MODEMS CODEBOOK,
	  ":1: unknown setting 'colour' in gateway" },
	{ "string where a number belongs",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; poll_interval = \"5\"; } );\n" CODEBOOK,
	  ":4: modems[0].poll_interval must be an integer, not a string" },
	{ "number where a string belongs",
	  GATEWAY "database = { conninfo = 5; };\n" MODEMS CODEBOOK,
	  ":2: database.conninfo must be a string in double quotes, not an "
	  "integer" },
	{ "group where a list belongs",
	  GATEWAY DATABASE "modems = { name = \"m1\"; };\n" CODEBOOK,
	  ":3: modems must be a list ( { ... }, ... ), not a group" },
	{ "missing required setting",
	  GATEWAY "database = { connect_timeout = 5; };\n" MODEMS CODEBOOK,
	  ":2: database is missing the required setting 'conninfo'" },
	{ "missing required group",
	  GATEWAY MODEMS CODEBOOK,
	  "is missing the required setting 'database'" },
	{ "out of range: poll_interval 0",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; poll_interval = 0; } );\n" CODEBOOK,
	  ":4: modems[0].poll_interval = 0 is out of range (1 to 3600)" },
	{ "out of range: wider than 64 bits, shown as written",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; poll_interval = 99999999999999999999999; } );\n"
	  CODEBOOK,
	  ":4: modems[0].poll_interval = 99999999999999999999999 is out of range "
	  "(1 to 3600)" },
	{ "out of range: wider than 32 bits, not wrapped into range",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; poll_interval = 4294967301; } );\n" CODEBOOK,
	  ":4: modems[0].poll_interval = 4294967301 is out of range (1 to 3600)" },
	{ "in range: hex and an L suffix",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; poll_interval = 0x10; timeout = 30L; } );\n"
	  CODEBOOK, NULL },
	{ "out of range: connect_timeout",
	  GATEWAY "database = { conninfo = \"x\"; connect_timeout = 9000; };\n"
	  MODEMS CODEBOOK,
	  ":2: database.connect_timeout = 9000 is out of range (1 to 300)" },
	{ "bad choice",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; role = \"listen\"; } );\n" CODEBOOK,
	  ":4: modems[0].role = \"listen\" is not one of receive|send|both" },
	{ "bad log level",
	  "gateway = { name = \"t\"; spool_dir = \"/s\"; log_level = \"loud\"; };\n"
	  DATABASE MODEMS CODEBOOK,
	  ":1: gateway.log_level = \"loud\" is not one of "
	  "error|warning|info|debug" },
	{ "empty string",
	  "gateway = { name = \"\"; spool_dir = \"/s\"; };\n"
	  DATABASE MODEMS CODEBOOK,
	  ":1: gateway.name must not be empty" },
	{ "modem: send rate out of range",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"at\"; send_per_minute = 0; } );\n" CODEBOOK,
	  ":4: modems[0].send_per_minute = 0 is out of range (1 to 60000)" },
	{ "modem: send rate not an integer",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"at\"; send_per_minute = \"10\"; } );\n" CODEBOOK,
	  ":4: modems[0].send_per_minute must be an integer, not a string" },
	{ "modem: timeout too short",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"at\"; timeout = 1; } );\n" CODEBOOK,
	  ":4: modems[0].timeout = 1 is out of range (2 to 600)" },
	{ "modem: misspelt balance key",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"at\"; balance_usd = \"*111#\"; } );\n" CODEBOOK,
	  ":4: unknown setting 'balance_usd' in modems[0] (did you mean "
	  "'balance_ussd'?)" },
	{ "modem: all sending and health keys",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"at\"; send_per_minute = 30; timeout = 5;\n"
	  "health_interval = 60; balance_ussd = \"*111#\"; balance_warn = 100; } );\n"
	  CODEBOOK, NULL },
	{ "no modems",
	  GATEWAY DATABASE "modems = ( );\n" CODEBOOK,
	  ":3: modems needs at least 1 entry" },
	{ "duplicate modem name",
	  GATEWAY DATABASE "modems = ( { name = \"m1\"; device = \"/d\";\n"
	  "connection = \"none\"; },\n{ name = \"m1\"; device = \"/e\"; "
	  "connection = \"none\"; } );\n" CODEBOOK,
	  ":5: modem name \"m1\" is already used by the modem at line 3" },
	{ "empty area list",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":5: codebook.areas needs at least 1 entry" },
	{ "ten areas for one-digit USSD choices",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( "
	  "{code=\"A1\";name=\"a\";},{code=\"A2\";name=\"a\";},"
	  "{code=\"A3\";name=\"a\";},{code=\"A4\";name=\"a\";},"
	  "{code=\"A5\";name=\"a\";},{code=\"A6\";name=\"a\";},"
	  "{code=\"A7\";name=\"a\";},{code=\"A8\";name=\"a\";},"
	  "{code=\"A9\";name=\"a\";},{code=\"B1\";name=\"a\";} );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":5: codebook: area code \"B1\" is choice 10 but USSD choices are "
	  "one digit: at most 9 areas" },
	{ "area entry that is not a group",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( \"SV\" );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  "codebook.areas[0] must be a group { ... }, not a string" },
	{ "codes that collide across case and accents",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"SV\"; name = \"a\"; },\n"
	  "{ code = \"sv\"; name = \"b\"; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":6: codebook: area code \"sv\" collides with area \"SV\" (line 5)" },
	{ "code shaped like a count",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"SV\"; name = \"a\"; } );\n"
	  "forms = ( { code = \"V3\"; name = \"x\"; } ); };\n",
	  ":6: codebook: form code \"V3\" reads as a V<number> code" },
	{ "aliases on areas and forms",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"FG\"; name = \"Fogo\"; "
	  "aliases = [\"Fogo Island\", \"Sao Filipe\"]; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; aliases = [\"sexo\"]; "
	  "} ); };\n", NULL },
	{ "alias that collides with another code",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"FG\"; name = \"Fogo\"; },\n"
	  "{ code = \"BR\"; name = \"Brava\"; aliases = [\"fg\"]; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":6: codebook: area \"BR\" alias \"fg\" collides with area \"FG\" "
	  "(line 5)" },
	{ "alias that is a command word",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"FG\"; name = \"Fogo\"; "
	  "aliases = [\"Ajuda\"]; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":5: codebook: area \"FG\" alias \"Ajuda\" reads as command AJUDA" },
	{ "alias too long",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"FG\"; name = \"Fogo\"; "
	  "aliases = [\"Fogo\",\n\"" "0123456789012345678901234567890123456789"
	  "012345678901234567890123\"]; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":6: codebook.areas[0].aliases[1] is too long (64 bytes, at most 63)" },
	{ "too many aliases",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"FG\"; name = \"Fogo\"; "
	  "aliases = [\"a1\", \"a2\", \"a3\", \"a4\", \"a5\", \"a6\", "
	  "\"a7\"]; } );\nforms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":5: codebook: area \"FG\" has 7 aliases, at most 6" },
	{ "alias that is not a string",
	  GATEWAY DATABASE MODEMS "codebook = { country_code = \"238\"; "
	  "national_length = 7;\nareas = ( { code = \"FG\"; name = \"Fogo\"; "
	  "aliases = [ 3 ]; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":5: codebook.areas[0].aliases[0] must be a string, not an integer" },
	{ "reply override: unknown template",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "replies = { pt = { reciept = \"Recebido {ref}\"; }; };\n",
	  ":7: replies.pt.reciept is not a reply template (did you mean receipt?)" },
	{ "reply override: too long for one SMS",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "replies = { en = { receipt = \"" 
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa {ref}\"; }; };\n",
	  ":7: replies.en.receipt: too long: with the longest values it exceeds 160 GSM characters" },
	{ "reply override: not a string",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "replies = { pt = { receipt = 5; }; };\n",
	  ":7: replies.pt.receipt must be a string in double quotes, not an integer" },
	{ "reply override: unknown language",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "replies = { fr = { receipt = \"x\"; }; };\n",
	  ":7: unknown setting 'fr' in replies" },
	{ "reply override: valid",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "replies = { pt = { receipt = \"Recebido, alerta {ref}.\"; }; };\n",
	  NULL },
	{ "focal point: valid",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "focal_points = ( { id = \"a\"; name = \"M\"; phone = \"9912345\";"
	  " area = \"SV\"; } );\n", NULL },
	{ "focal point: unknown area",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "focal_points = ( { id = \"a\"; name = \"M\"; phone = \"9912345\";\n"
	  " area = \"XX\"; } );\n",
	  ":8: focal point \"a\": area \"XX\" is not in the codebook" },
	{ "focal point: duplicate phone across spellings",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "focal_points = ( { id = \"a\"; name = \"M\"; phone = \"9912345\"; area = \"SV\"; },\n"
	  "{ id = \"b\"; name = \"N\"; phone = \"+2389912345\"; area = \"SV\"; } );\n",
	  ":8: focal point phone +2389912345 is already registered at line 7" },
	{ "focal point: duplicate id",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "focal_points = ( { id = \"a\"; name = \"M\"; phone = \"9912345\"; area = \"SV\"; },\n"
	  "{ id = \"a\"; name = \"N\"; phone = \"9912346\"; area = \"SV\"; } );\n",
	  ":8: focal point id \"a\" is already used at line 7" },
	{ "focal point: misspelt key",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "focal_points = ( { id = \"a\"; name = \"M\"; phone = \"9912345\"; area = \"SV\"; actve = true; } );\n",
	  ":7: unknown setting 'actve' in focal_points[0] (did you mean 'active'?)" },
	{ "focal point: bad phone",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "focal_points = ( { id = \"a\"; name = \"M\"; phone = \"12\"; area = \"SV\"; } );\n",
	  ":7: focal point phone \"12\" is not a phone number" },
	{ "authority: unknown area",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"ZZ\"];\n"
	  " ladder = ( { number = \"9910001\"; } ); } );\n",
	  ":7: authority \"p\": area \"ZZ\" is not in the codebook" },
	{ "authority: empty ladder",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"*\"];\n"
	  " ladder = ( ); } );\n",
	  ":8: authorities[0].ladder needs at least 1 entry" },
	{ "rule naming an unknown authority",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"pn-sv\"; name = \"P\"; areas = [\"*\"]; ladder = ( { number = \"9910001\"; } ); } );\n"
	  "routing = { rules = ( { name = \"r\";\n notify = [\"pn-sx\"]; } ); };\n",
	  ":9: rule \"r\": \"pn-sx\" is not an authority id (did you mean \"pn-sv\"?)" },
	{ "unregistered naming an unknown authority",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "routing = { unregistered = [\"desk\"]; };\n",
	  ":7: routing.unregistered: \"desk\" is not an authority id" },
	{ "rule: bad hours",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"*\"]; ladder = ( { number = \"9910001\"; } ); } );\n"
	  "routing = { rules = ( { name = \"r\"; match = { hours = \"25:00-07:00\"; }; notify = [\"p\"]; } ); };\n",
	  ":8: rule \"r\": hours = \"25:00-07:00\" must be \"HH:MM-HH:MM\" with two different times" },
	{ "rule: hours without leading zero",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"*\"]; ladder = ( { number = \"9910001\"; } ); } );\n"
	  "routing = { rules = ( { name = \"r\"; match = { hours = \"8:00-07:00\"; }; notify = [\"p\"]; } ); };\n",
	  ":8: rule \"r\": hours = \"8:00-07:00\" must be \"HH:MM-HH:MM\" with two different times" },
	{ "rule: bad day",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"*\"]; ladder = ( { number = \"9910001\"; } ); } );\n"
	  "routing = { rules = ( { name = \"r\"; match = { days = [\"sab\"]; }; notify = [\"p\"]; } ); };\n",
	  ":8: rule \"r\": day \"sab\" is not one of sun mon tue wed thu fri sat" },
	{ "rule: urgency out of range",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"*\"]; ladder = ( { number = \"9910001\"; } ); } );\n"
	  "routing = { rules = ( { name = \"r\"; match = { urgency = [4]; }; notify = [\"p\"]; } ); };\n",
	  ":8: routing.rules[0].match.urgency[0] = 4 is out of range (1 to 3)" },
	{ "rule: unknown form",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "authorities = ( { id = \"p\"; name = \"P\"; areas = [\"*\"]; ladder = ( { number = \"9910001\"; } ); } );\n"
	  "routing = { rules = ( { name = \"r\"; match = { forms = [\"QQ\"]; }; notify = [\"p\"]; } ); };\n",
	  ":8: rule \"r\": form \"QQ\" is not in the codebook" },
	{ "routing: unknown mode",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "routing = { mode = \"first\"; };\n",
	  ":7: routing.mode = \"first\" is not one of all" },
	{ "escalation: timeout too short",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "escalation = { u1 = { ack_timeout = 5; }; };\n",
	  ":7: escalation.u1.ack_timeout = 5 is out of range (30 to 86400)" },
	{ "escalation: one name twice on a line, each value its own",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "escalation = { u1 = { ack_timeout = 300; }; "
	  "u2 = { ack_timeout = 1800; }; };\n", NULL },
	{ "escalation: one name twice on a line, the second out of range",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "escalation = { u1 = { ack_timeout = 300; }; "
	  "u2 = { ack_timeout = 5; }; };\n",
	  ":7: escalation.u2.ack_timeout = 5 is out of range (30 to 86400)" },
	{ "escalation: bad digest time",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "escalation = { u3 = { digest_at = \"8h:00\"; }; };\n",
	  ":7: escalation.u3.digest_at = \"8h:00\" must be \"HH:MM\"" },
	{ "escalation: bad digest seconds",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "escalation = { u3 = { digest_at = \"08:00:61\"; }; };\n",
	  ":7: escalation.u3.digest_at = \"08:00:61\" must be \"HH:MM\"" },
	{ "security: reply limit out of range",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "security = { reply_limit = { max = 0; }; };\n",
	  ":7: security.reply_limit.max = 0 is out of range (1 to 1000)" },
	{ "escalation: bad admin number",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "escalation = { admins = [\"abc\"]; };\n",
	  ":7: escalation.admins \"abc\" is not a phone number" },
	{ "security: misspelt flood key",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "security = { flood = { max = 10; per_sec = 60; }; };\n",
	  ":7: unknown setting 'per_sec' in security.flood (did you mean 'per_s'?)" },
	{ "security: flood max out of range",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "security = { flood = { max = 0; }; };\n",
	  ":7: security.flood.max = 0 is out of range (1 to 1000)" },
	{ "export: a form's CTDC category and an island group",
	  GATEWAY DATABASE MODEMS
	  "codebook = { country_code = \"238\"; national_length = 7;\n"
	  "areas = ( { code = \"SV\"; name = \"São Vicente\"; "
	  "group = \"Barlavento\"; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; "
	  "ctdc = \"forced_labour/begging\"; } ); };\n"
	  "observatory = { k = 5; epsilon_budget = 2; };\n", NULL },
	{ "export: an unknown CTDC category",
	  GATEWAY DATABASE MODEMS
	  "codebook = { country_code = \"238\"; national_length = 7;\n"
	  "areas = ( { code = \"SV\"; name = \"São Vicente\"; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\";\n"
	  "ctdc = \"sexual\"; } ); };\n",
	  ":7: codebook.forms[0].ctdc = \"sexual\" is not a CTDC category" },
	{ "export: a group named like an area",
	  GATEWAY DATABASE MODEMS
	  "codebook = { country_code = \"238\"; national_length = 7;\n"
	  "areas = ( { code = \"SV\"; name = \"São Vicente\"; "
	  "group = \"SV\"; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; } ); };\n",
	  ":5: codebook.areas[0].group = \"SV\" is also an area's name" },
	{ "export: a group on a form",
	  GATEWAY DATABASE MODEMS
	  "codebook = { country_code = \"238\"; national_length = 7;\n"
	  "areas = ( { code = \"SV\"; name = \"São Vicente\"; } );\n"
	  "forms = ( { code = \"SX\"; name = \"x\"; group = \"G\"; } ); "
	  "};\n", ":6: unknown setting 'group' in codebook.forms[0]" },
	{ "export: k too small",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "observatory = { k = 1; };\n",
	  ":7: observatory.k = 1 is out of range (2 to 1000)" },
	{ "export: a password in a file others read",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "observatory = { conninfo = \"dbname=farol password=x\"; };\n",
	  ":7: observatory.conninfo holds a password and the file is "
	  "readable by others" },
	{ "export: epsilon budget negative",
	  GATEWAY DATABASE MODEMS CODEBOOK
	  "observatory = { epsilon_budget = -0.5; };\n",
	  ":7: observatory.epsilon_budget = -0.5 is out of range (0 to 100)" },
};

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	/* Readable by others whatever the umask: the password cases
	 * depend on it. */
	return chmod(path, 0644);
}

static void
run_case(const struct config_case *c, const char *dir)
{
	struct config *cfg;
	char path[512], want[1024], *problems = NULL, *line, *last;
	int found = 0;

	snprintf(path, sizeof path, "%s/case.conf", dir);
	if (write_file(path, c->text) != 0) {
		CHECK(0, "cannot write %s", path);
		return;
	}
	cfg = config_load(path, &problems);
	if (c->want == NULL) {
		CHECK(cfg != NULL && problems == NULL, "%s: got problems: %s "
		    "want: loads", c->name, problems ? problems : "");
	} else {
		CHECK(cfg == NULL && problems != NULL, "%s: got: loaded, want: "
		    "refused", c->name);
		/* Every problem (a line each) names this file; one matches
		 * the reason. */
		snprintf(want, sizeof want, "%s%s", c->want[0] == ':' ? path : "",
		    c->want);
		for (line = strtok_r(problems, "\n", &last); line != NULL;
		    line = strtok_r(NULL, "\n", &last)) {
			CHECK(strncmp(line, path, strlen(path)) == 0,
			    "%s: got=%s want the file name first", c->name,
			    line);
			if (strstr(line, want) != NULL)
				found = 1;
		}
		CHECK(found, "%s: want=%s got=%s", c->name, want,
		    problems != NULL ? problems : "(no problem)");
	}
	config_free(cfg);
	free(problems);
	unlink(path);
}

static void
test_default_file(const char *path)
{
	char *problems = NULL;
	struct config *cfg = config_load(path, &problems);

	CHECK(cfg != NULL, "default %s: got=%s want=loads", path,
	    problems != NULL ? problems : "?");
	free(problems);
	if (cfg == NULL)
		return;
	CHECK(cfg->n_modems == 1, "modems got=%d want=1", cfg->n_modems);
	CHECK(cfg->modems[0].send_per_minute == 10,
	    "send_per_minute got=%d want=10", cfg->modems[0].send_per_minute);
	CHECK(cfg->modems[0].timeout_s == 60, "timeout got=%d want=60",
	    cfg->modems[0].timeout_s);
	CHECK(cfg->modems[0].balance_ussd[0] == '\0',
	    "balance_ussd got=%s want=(empty)", cfg->modems[0].balance_ussd);
	CHECK(strcmp(cfg->http_listen, "127.0.0.1:9108") == 0,
	    "http.listen got=%s want=127.0.0.1:9108", cfg->http_listen);
	CHECK(cfg->codebook.n_areas == 9, "areas got=%d want=9",
	    cfg->codebook.n_areas);
	CHECK(cfg->codebook.n_forms == 9, "forms got=%d want=9",
	    cfg->codebook.n_forms);
	CHECK(strcmp(cfg->codebook.areas[1].name_pt, "São Vicente") == 0,
	    "area 2 name got=%s want=São Vicente",
	    cfg->codebook.areas[1].name_pt);
	CHECK(cfg->codebook.areas[1].line > 0, "area line got=%d want>0",
	    cfg->codebook.areas[1].line);
	CHECK(strcmp(cfg->codebook.country_code, "238") == 0,
	    "country got=%s", cfg->codebook.country_code);
	/* The export's settings: k, the CTDC mapping, the island groups. */
	CHECK(cfg->export.k == 11, "observatory.k got=%d", cfg->export.k);
	CHECK(cfg->export.epsilon_budget == 1.0, "epsilon_budget got=%g",
	    cfg->export.epsilon_budget);
	CHECK(cfg->export.form_ctdc[2] == CTDC_DOMESTIC_WORK &&
	    cfg->export.form_ctdc[7] == CTDC_OTHER, "DM and CT's CTDC");
	CHECK(strcmp(cfg->export.area_group[8], "Sotavento") == 0 &&
	    strcmp(cfg->export.area_group[0], "Barlavento") == 0,
	    "island groups got=%s,%s", cfg->export.area_group[8],
	    cfg->export.area_group[0]);
	config_free(cfg);
}

/* A valid override replaces that one template, in that language only. */
static void
test_reply_override(const char *dir)
{
	struct config *cfg;
	char path[512], *problems = NULL;
	int t = reply_template_find("receipt");

	snprintf(path, sizeof path, "%s/replies.conf", dir);
	CHECK(write_file(path, GATEWAY DATABASE MODEMS CODEBOOK
	    "replies = { pt = { receipt = \"Recebido, alerta {ref}.\"; }; };\n")
	    == 0, "write %s", path);
	cfg = config_load(path, &problems);
	CHECK(cfg != NULL, "override: got=%s want=loads",
	    problems != NULL ? problems : "?");
	if (cfg != NULL) {
		CHECK(t >= 0 && cfg->replies.text[REPLY_PT][t] != NULL &&
		    strcmp(cfg->replies.text[REPLY_PT][t],
		    "Recebido, alerta {ref}.") == 0, "pt receipt got=%s",
		    t >= 0 ? cfg->replies.text[REPLY_PT][t] : "(no template)");
		CHECK(t >= 0 && cfg->replies.text[REPLY_EN][t] == NULL,
		    "en receipt got=%s want=(built in)",
		    t >= 0 ? cfg->replies.text[REPLY_EN][t] : "?");
	}
	config_free(cfg);
	free(problems);
	unlink(path);
}

static void
test_missing_file(void)
{
	char *problems = NULL;

	CHECK(config_load("/nonexistent/farol.conf", &problems) == NULL,
	    "missing file loaded");
	CHECK(problems != NULL && strchr(problems, '\n') == NULL &&
	    strstr(problems, "/nonexistent/farol.conf:0: cannot read") != NULL,
	    "got=%s", problems != NULL ? problems : "(none)");
	free(problems);
}

/* Every problem of a refused file is in the one *cause, a line each, so
 * that the operator fixes them in one go. */
static void
test_every_problem(const char *dir)
{
	char path[512], *problems = NULL, *line, *last;
	int lines = 0;

	snprintf(path, sizeof path, "%s/two.conf", dir);
	CHECK(write_file(path, GATEWAY DATABASE MODEMS CODEBOOK
	    "bogus = 1;\nother = 2;\n") == 0, "write %s", path);
	CHECK(config_load(path, &problems) == NULL, "two problems: loaded");
	for (line = problems != NULL ? strtok_r(problems, "\n", &last) :
	    NULL; line != NULL; line = strtok_r(NULL, "\n", &last)) {
		CHECK(strncmp(line, path, strlen(path)) == 0, "got=%s want the "
		    "file name first", line);
		lines++;
	}
	CHECK_INT(lines, 2, "problems of a file with two");
	free(problems);
	unlink(path);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/farol-test-config-XXXXXX";
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: test_config DEFAULT_CONF\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL)
		return 2;
	test_default_file(argv[1]);
	test_missing_file();
	test_reply_override(dir);
	test_every_problem(dir);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i], dir);
	rmdir(dir);
	printf("%zu config cases, %d failure(s)\n", i + 4, check_failures());
	return check_status();
}
