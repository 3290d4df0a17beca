/*
 * console_act.h: the console's actions and its alert queries on the
 * admin socket (console_act.c: ack, close, resend, pause, resume;
 * console_alerts.c: alerts, alert REF). Each *_run is an
 * admin_deferred_handler; arg is the struct console_act_sources (the
 * actions) or the struct show_sources (the queries).
 */
#ifndef FAROL_CONSOLE_ACT_H
#define FAROL_CONSOLE_ACT_H

struct admin_reply;
struct db;
struct modem;

struct console_act_sources {
	struct db *db;
	struct modem *const *modems;
	const int *n_modems;
	void (*kick)(void *);	/* the outbox: look for due rows now */
	void *kick_arg;
};

/* Register the statements (before db_start). */
void console_act_prepare(struct db *db);
void console_alerts_prepare(struct db *db);

void console_ack_run(const char *args, struct admin_reply *r, void *arg);
void console_close_run(const char *args, struct admin_reply *r, void *arg);
void console_resend_run(const char *args, struct admin_reply *r, void *arg);
void console_pause_run(const char *args, struct admin_reply *r, void *arg);
void console_resume_run(const char *args, struct admin_reply *r, void *arg);
void console_alerts_run(const char *args, struct admin_reply *r, void *arg);
void console_alert_run(const char *args, struct admin_reply *r, void *arg);

/* Helpers of both files: a decimal bigint; args split at spaces into at
 * most max words (-1: more). */
int console_is_number(const char *w);
int console_words(char *buf, char **words, int max);

#endif
