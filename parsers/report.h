/*
 * report.h: parsing what a focal point or an authority texts.
 *
 * report_parse() turns one SMS body into a struct report: either a
 * structured command (ALERTA with its codes, INFO/ANULAR/ESTADO/OK/FIM with
 * a reference, AJUDA with a topic), or one precise error naming the first
 * problem and where it is. ussd_parse() (ussd.h) fills the same struct from
 * a single-shot USSD string. The parser is driven by the codebook, does no
 * I/O, keeps no state between calls and never allocates: struct report
 * points into the caller's input by offset and length.
 */
#ifndef FAROL_REPORT_H
#define FAROL_REPORT_H

#include <stddef.h>

#include "codebook.h"

#define REPORT_MAX_NOTES 8
#define REPORT_PIN_DIGITS 8	/* P and 1 to 8 digits */
#define REPORT_PIN_MAX (REPORT_PIN_DIGITS + 1)
#define REPORT_REF_DIGITS 9	/* refs are 1..999999999 */
#define REPORT_MAX_COUNT 999	/* V, F and M */

enum report_cmd {
	REPORT_CMD_NONE = 0,	/* only with an error */
	REPORT_CMD_ALERTA,	/* ALERT, A; also implied before codes */
	REPORT_CMD_INFO,	/* MAIS */
	REPORT_CMD_ANULAR,	/* CANCEL */
	REPORT_CMD_ESTADO,	/* STATUS */
	REPORT_CMD_AJUDA,	/* HELP, ? */
	REPORT_CMD_OK,		/* ACK */
	REPORT_CMD_FIM,		/* CLOSE */
	REPORT_CMD_LIBERAR,	/* RELEASE: an administrator releases a
				   held alert */
};

enum report_help {
	REPORT_HELP_GENERAL = 0,
	REPORT_HELP_AREAS,	/* AJUDA AREAS / ILHAS / ISLANDS */
	REPORT_HELP_FORMS,	/* AJUDA FORMAS / FORMS */
	REPORT_HELP_URGENCY,	/* AJUDA URG / URGENCIA / URGENCY */
	REPORT_HELP_ADMIN,	/* AJUDA ADMIN / LIBERAR / RELEASE */
};

enum report_err {
	REPORT_ERR_NONE = 0,
	REPORT_ERR_EMPTY,		/* nothing but spaces */
	REPORT_ERR_UNKNOWN_COMMAND,	/* first word is no command */
	REPORT_ERR_MISSING_REF,		/* INFO/ANULAR/... without a number */
	REPORT_ERR_BAD_REF,		/* "12a", "0", ten digits */
	REPORT_ERR_MISSING_AREA,	/* no area and no default area */
	REPORT_ERR_UNKNOWN_AREA,	/* no area; err token looks like one */
	REPORT_ERR_MISSING_FORM,
	REPORT_ERR_UNKNOWN_FORM,	/* no form; err token looks like one */
	REPORT_ERR_BAD_NUMBER,		/* V0, V1000, F1000 */
	REPORT_ERR_VICTIMS_MISMATCH,	/* F + M > V */
	REPORT_ERR_BAD_PIN,		/* P with more than 8 digits */
	REPORT_ERR_MISSING_TEXT,	/* INFO <ref> with no text */
	REPORT_ERR_USSD_SERVICE,	/* *999*...# is not our service code */
	REPORT_ERR_USSD_FORMAT,		/* not digits separated by '*' */
	REPORT_ERR_USSD_CHOICE,		/* a choice out of its list */
	REPORT_ERR_WHICH_AREA,		/* no area code, the text names one */
	REPORT_ERR_COUNT
};

enum report_note_kind {
	REPORT_NOTE_IMPLIED_COMMAND,	/* codes without a command: ALERTA */
	REPORT_NOTE_NEAR_COMMAND,	/* "ALERTS" read as ALERTA */
	REPORT_NOTE_NEAR_CODE,		/* "SVV" read as SV */
	REPORT_NOTE_LOOKALIKE,		/* "V1O" read as V10, "0R" as OR */
	REPORT_NOTE_GLUED_REF,		/* "OK123" read as OK 123 */
	REPORT_NOTE_SPLIT_CODE,		/* "V 2" read as V2 */
	REPORT_NOTE_DEFAULT_AREA,	/* area from the sender's registration */
	REPORT_NOTE_IGNORED,		/* "U3" after U1: a conflicting code */
};

struct report_note {
	enum report_note_kind kind;
	size_t off, len;	/* the token as typed, in the input */
	char as[24];		/* what it was read as, ASCII: "SV", "ALERTA" */
};

struct report {
	enum report_cmd cmd;
	enum report_help help;	/* AJUDA only */
	long ref;		/* 1..999999999, 0 when none */
	int area;		/* index in cb->areas, -1 when none */
	int text_area;		/* which_area: the area the text names, or -1 */
	int forms[CODEBOOK_MAX];	/* indexes in cb->forms, as typed */
	int n_forms;
	int urgency;		/* 1..3; 2 when not given */
	int victims;		/* -1 when unknown; F + M when only they are */
	int females, males;	/* -1 when not given */
	int minor;		/* 1 if MENOR or an alias was given */
	char pin[REPORT_PIN_MAX];	/* digits after P, "" when none */
	size_t pin_off, pin_len;	/* the PIN as typed, in the input */
	size_t text_off, text_len;	/* free text, in the original input */
	struct report_note notes[REPORT_MAX_NOTES];
	int n_notes;

	enum report_err err;	/* REPORT_ERR_NONE when valid */
	size_t err_off, err_len;	/* the offending token, if any */
};

struct parse_options {
	int default_area;	/* the sender's registered area, or -1 */
};

/*
 * Parse len bytes of text (an SMS body as UTF-8; invalid bytes are kept as
 * opaque characters, never codes). Fills *out completely. Returns 0 for a
 * valid report, -1 with out->err set otherwise; in both cases the fields
 * that could be read are filled (out->cmd is known for most errors). opt
 * may be NULL (no default area).
 */
int report_parse(const struct codebook *cb, const struct parse_options *opt,
    const char *text, size_t len, struct report *out);

/*
 * Hide the PINs typed in text (the input r was parsed from, len bytes):
 * every byte of a PIN token but its leading P becomes '*', so "P4321" is
 * stored as "P****". Covers the PIN read, one with too many digits (a
 * bad_pin error) and a second, conflicting one (an ignored code). Bytes
 * are only replaced, never moved: r's offsets stay right.
 */
void report_mask_pin(const struct report *r, char *text, size_t len);

/* Reset a report to its empty state (no command, U2, counts unknown). */
void report_clear(struct report *r);

/* Canonical names: "ALERTA" (pt) or "ALERT" (en) ...; "" for NONE. */
const char *report_cmd_name(enum report_cmd cmd, int english);

/* Short stable error code: "unknown_area"; "" for REPORT_ERR_NONE. */
const char *report_err_name(enum report_err err);

/*
 * Whether a folded word (upper-case ASCII) has a fixed meaning in the
 * language: a command or alias, URGENTE, MENOR and its aliases. Returns a
 * description such as "command ALERTA" or NULL. Used by codebook_validate.
 */
const char *report_reserved_word(const char *folded);

/*
 * One edit apart (insertion, deletion, substitution or transposition of two
 * neighbours)? a and b are folded ASCII of lengths na and nb.
 */
int report_one_edit(const char *a, size_t na, const char *b, size_t nb);

#endif
