/*
 * codebook.h: the codes a report may use, as loaded from the config file.
 *
 * Pure data. config/ fills it from the file (recording each entry's line so
 * problems can be reported as FILE:LINE) and checks it with
 * codebook_validate(); parsers/ only reads it. Nothing here allocates: a
 * codebook is a plain value that can be copied. The functions below are in
 * parsers/codebook.c.
 */
#ifndef FAROL_CODEBOOK_H
#define FAROL_CODEBOOK_H

#define CODEBOOK_MAX 32		/* entries in one list */
#define CODEBOOK_CODE_MAX 8	/* bytes of a code, NUL included */
#define CODEBOOK_NAME_MAX 64	/* bytes of a name (UTF-8), NUL included */
#define CODEBOOK_ALIAS_MAX 6	/* aliases of one code */
/* area names in two languages, aliases; each also shortened */
#define CODEBOOK_NAMES_MAX (CODEBOOK_MAX * 2 * (2 + 2 * CODEBOOK_ALIAS_MAX))

struct codebook_entry {
	char code[CODEBOOK_CODE_MAX];	/* as written in the config, e.g. "SV" */
	char name_pt[CODEBOOK_NAME_MAX];	/* "São Vicente" */
	char name_en[CODEBOOK_NAME_MAX];	/* may be empty: name_pt is used */
	/* What focal points type for this code: "Fogo Island", "Sao Filipe" */
	char aliases[CODEBOOK_ALIAS_MAX][CODEBOOK_NAME_MAX];
	int n_aliases;		/* as written: more than the maximum is refused */
	int line;			/* line in the config file, 0 if built in */
};

/* A name or alias as the parser matches it (parsers/names.h). */
struct codebook_name {
	char f[CODEBOOK_NAME_MAX];	/* folded, words glued: "SAOVICENTE" */
	int kind;			/* enum names_kind: area or form */
	int index;			/* in areas or forms */
};

struct codebook {
	struct codebook_entry areas[CODEBOOK_MAX];
	int n_areas;
	struct codebook_entry forms[CODEBOOK_MAX];
	int n_forms;
	char country_code[8];	/* E.164 country code without '+', "238" */
	int national_length;	/* digits of a national number, 7 in Cabo Verde */
	char ussd_service[16];	/* USSD service code digits, "384" for *384# */

	/*
	 * Derived from the entries by codebook_prepare(), so that a report
	 * does not fold every name again. Without it (names_ready 0) the
	 * parser derives them for each report: right, only slower.
	 */
	struct codebook_name names[CODEBOOK_NAMES_MAX];
	int n_names;
	int names_ready;
};

/*
 * The built-in codebook: Cabo Verde's nine islands, the nine forms of
 * exploitation, country code 238, 7-digit national numbers, USSD *384#.
 * Every entry's line is 0.
 */
void codebook_default(struct codebook *cb);

/*
 * Check a codebook before it is used: codes must be 1 to 7 letters or
 * digits after folding case and accents, not a number, not shaped like a
 * count (a letter U V F M P followed by digits), not a command word or
 * MENOR and its aliases, and no two codes (areas and forms together) may
 * fold alike; aliases must be letters, digits and spaces, at most
 * CODEBOOK_ALIAS_MAX per code, pass the same checks as codes, and fold
 * unlike any code, alias or area name of another entry; lists must not be
 * empty and, with a USSD service code, hold at most 9 entries; the country code and national length must make E.164
 * numbers. Calls problem (if not NULL) once per problem with the offending
 * entry's line (0 for settings without one) and a reason such as
 * `area code "sv" collides with area "SV" (line 40)`. Returns the number
 * of problems, 0 when the codebook may be used.
 */
int codebook_validate(const struct codebook *cb,
    void (*problem)(void *arg, int line, const char *reason), void *arg);

/*
 * Derive cb->names from the entries; call it after changing them. The
 * config loader and codebook_default() do. In parsers/names.c.
 */
void codebook_prepare(struct codebook *cb);

/*
 * Why a folded code, alias or name cannot be used as one (it is a number,
 * reads as U1 V3 P12, or is a command or MENOR word), or NULL if it can.
 */
const char *codebook_reserved(const char *folded);

/* The entry's name in English if asked for and set, else in Portuguese. */
const char *codebook_entry_name(const struct codebook_entry *e, int english);

#endif
