/*
 * codebook.h: the codes a report may use, as loaded from the config file.
 *
 * Pure data. config/ fills it from the file (recording each entry's line so
 * problems can be reported as FILE:LINE); parsers/ only reads it. Nothing
 * here allocates: a codebook is a plain value that can be copied.
 */
#ifndef FAROL_CODEBOOK_H
#define FAROL_CODEBOOK_H

#define CODEBOOK_MAX 32		/* entries in one list */
#define CODEBOOK_CODE_MAX 8	/* bytes of a code, NUL included */
#define CODEBOOK_NAME_MAX 64	/* bytes of a name (UTF-8), NUL included */

struct codebook_entry {
	char code[CODEBOOK_CODE_MAX];	/* as written in the config, e.g. "SV" */
	char name_pt[CODEBOOK_NAME_MAX];	/* "São Vicente" */
	char name_en[CODEBOOK_NAME_MAX];	/* may be empty: name_pt is used */
	int line;			/* line in the config file, 0 if built in */
};

struct codebook {
	struct codebook_entry areas[CODEBOOK_MAX];
	int n_areas;
	struct codebook_entry forms[CODEBOOK_MAX];
	int n_forms;
	char country_code[8];	/* E.164 country code without '+', "238" */
	int national_length;	/* digits of a national number, 7 in Cabo Verde */
	char ussd_service[16];	/* USSD service code digits, "384" for *384# */
};

#endif
