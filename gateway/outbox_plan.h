/*
 * outbox_plan.h: every outgoing SMS farold sends is decided here: to
 * whom, with which words, for what purpose, when (seconds after the
 * message's receipt) and as which rung of an authority's ladder.
 *
 * From a decision (decide.h), a command's outcome or the start of a flood
 * quarantine it fills a plan of rows. ingest.c writes the rows into the
 * transaction that stores the message (outbox_plan_json: they become
 * outbox rows, sent by outbox.c's dispatcher when due); outbox.c sends
 * the rows of outbox_plan_spooled straight to a modem while the database
 * is down. Escalation is these rows: each rung is a row due at its time;
 * the forwards and the rungs due after escalation.rung_horizon are kept
 * as the alert's plan (outbox_plan_json_later) until the claim (the
 * forwards) or the janitor (the later rungs) writes them.
 * Pure but for outbox_plan_json; no clock.
 */
#ifndef FAROL_OUTBOX_PLAN_H
#define FAROL_OUTBOX_PLAN_H

#include "config.h"
#include "decide.h"

struct jsonw;

/*
 * The alert number is only known inside the transaction: texts are
 * rendered with this stand-in (as wide as the largest number, so the
 * 160-character budget holds), which the plan turns into "{ref}", and
 * the database into the number.
 */
#define OUTBOX_REF_STANDIN "#########"

#define OUTBOX_PLAN_MAX (ROUTE_MAX_STEPS + CONFIG_MAX_ADMINS + 2)

/* One SMS to send. */
struct outbox_row {
	char recipient[PHONE_E164_MAX];
	char text[REPLY_MAX_BYTES];	/* "{ref}" where the number goes */
	const char *purpose;	/* receipt reply forward escalation digest
				   admin ack_notice cancel_notice info
				   taken_notice */
	const char *authority;	/* its id, for a rung of its ladder; NULL */
	int rung;		/* 1-based, with authority */
	long after_s;		/* due this long after receipt; 0: now */
	/* A command's candidate reply (outbox_plan_command); NULL, 0
	 * otherwise. */
	const char *if_result;	/* ok already unknown_ref not_allowed */
	const char *if_state;	/* the alert's state (ESTADO); NULL: any */
	const char *to;		/* sender focal holders others */
	const char *lang;	/* "pt" "en"; NULL: any recipient */
	char but[PHONE_E164_MAX];	/* others: this number is not told */
	int named;		/* "{authority}" in text */
	int if_verified;	/* focal: only if the alert's sender is a
				   registered focal point (unknown numbers
				   hear nothing, issue 16) */
	/* "submitted": already sent while the database was down (a
	 * spooled alert's forward, db/fwdq.h); "held": sent only if an
	 * administrator releases the alert; NULL: queued. */
	const char *state;
	char modem[32];		/* "" unknown */
	int message_ref;	/* -1 unknown */
	long long submitted_at;	/* epoch seconds; 0 unknown */
	/* A rung due later than escalation.rung_horizon, or a forward:
	 * kept in the alert's plan (outbox_plan_json_later), not written
	 * at ingest. */
	int later;
};

struct outbox_plan {
	struct outbox_row rows[OUTBOX_PLAN_MAX];
	int n;
	/* security.reply_limit: a receipt or reply beyond reply_max to one
	 * number within reply_per_s seconds is not sent (the database
	 * counts, so the limit holds across restarts); 0: no limit. */
	int reply_max, reply_per_s;
};

/*
 * What a stored message sends (d decided with OUTBOX_REF_STANDIN as its
 * ref): the receipt or reply to the sender; for an alert held for its
 * PIN the administrators' notice; for a routed U1/U2 every rung of every
 * ladder at its time and the administrators' notice when nobody answers;
 * for a U3 each authority's `digest` row, which the database keeps as an
 * item of that authority's next digest, not as an SMS (digest.h). A rung
 * due later than escalation.rung_horizon (when it is not 0) is marked
 * `later`: the alert keeps it as its plan and the janitor writes it
 * shortly before it is due (farol_alert_plan_write, gateway/alerts.md);
 * so is a forward (the first rung, due at once), which the claim writes
 * straight as sent (farol_outbox_claim_plans).
 */
void outbox_plan_message(const struct config *cfg, const struct decision *d,
    struct outbox_plan *out);

/*
 * What the release of a held alert sends (released decided with
 * decide_params.released, and without the flood hold): the rows of
 * outbox_plan_message, each in state "held", written with the alert and
 * queued only by farol_alert_release (db/functions/held.sql).
 */
void outbox_plan_held(const struct config *cfg,
    const struct decision *released, struct outbox_plan *out);

/*
 * What goes out at once while the database is down (d decided with
 * spooled set): the first rung of each authority of a routed, urgent
 * (U1, U2), not held alert; nothing for anything else. The numbered
 * forward follows from outbox_plan_message when the spool is replayed.
 */
void outbox_plan_spooled(const struct config *cfg, const struct decision *d,
    struct outbox_plan *out);

/* A command, before it is applied: its outcome is only known inside the
 * transaction that applies it. */
struct outbox_command {
	enum report_cmd cmd;
	long ref;
	const char *sender;	/* E.164 of whoever sent it; "": none */
	enum reply_lang lang;	/* of the sender */
	const char *text;	/* INFO's news; NULL if none */
};

/*
 * The replies of every outcome a command can have (decide_command_
 * replies), rendered now; farol_ingest_command queues those of the
 * outcome it reaches, in the command's own transaction, so that a crash
 * can never store a command and lose its reply. Each row is a candidate:
 * if_result (and if_state for ESTADO) name its outcome, to its
 * recipient (sender: recipient; focal, holders, others: the database
 * knows them), lang the recipient's language it is written in, named
 * that "{authority}" stands for who took the alert.
 */
void outbox_plan_command(const struct config *cfg,
    const struct outbox_command *c, struct outbox_plan *out);

/* A flood quarantine begins for sender: the administrators' notice. */
void outbox_plan_flood(const struct config *cfg, const char *sender,
    struct outbox_plan *out);

/* One U3 alert of a digest, as the database has it. */
struct outbox_digest_alert {
	long ref;
	const char *area;	/* its code; NULL: none */
	const char *forms;	/* "SX+TF"; NULL: none */
	int victims;		/* -1: not given */
};

/*
 * The U3 digest for one duty phone (recipient, of the authority with id
 * authority, whose language it is in): alerts[0..n) as lines, split into
 * as many SMS as needed, numbered 1/2, 2/2 (outbox_plan_digest.c). Rows
 * are added to out; returns how many alerts they list, from the first
 * (fewer than n only when out is full: the caller keeps the rest for
 * the next digest).
 */
int outbox_plan_digest(const struct config *cfg, const char *authority,
    const char *recipient, const struct outbox_digest_alert *alerts, int n,
    struct outbox_plan *out);

/* The rows as elements of a JSON array (the caller opens and closes it)
 * of farol_outbox_insert; alert_id and message_id (may be NULL) are set
 * on every row when given. Rows marked later are left out. */
void outbox_plan_json(struct jsonw *w, const struct outbox_plan *p,
    const char *alert_id, const char *message_id);

/* The rows marked later as the alert's plan, the value of key (the
 * caller's object's "rung_plan", farol_ingest_report): {"texts": [each
 * text once], "rungs": [{"after_s", "purpose", "rung" (with an
 * authority), "text": its index in texts, "to": [authority or null,
 * recipient, ...]}, ...]}, each entry of "rungs" a run of consecutive
 * rows alike but for their recipients (db/database.md, "The rung
 * plan"). */
void outbox_plan_json_later(struct jsonw *w, const char *key,
    const struct outbox_plan *p);

/* The smallest after_s of the rows marked later; -1: none is. */
long outbox_plan_later_first(const struct outbox_plan *p);

#endif
