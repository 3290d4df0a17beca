/*
 * message.h: one received message, the one type it has from the modem
 * worker that reads it to the database that stores it.
 *
 * The worker fills it (gateway/modem.c), the inbox hands it to ingest or
 * to the spool, the spool writes and reads back its durable fields
 * (db/spool.c), the replay hands it to ingest again. Only the fields above
 * "in memory only" are durable: they are what the spool writes and what
 * the deduplication key is made of.
 */
#ifndef FAROL_MESSAGE_H
#define FAROL_MESSAGE_H

#include <stdint.h>
#include <time.h>

#define INBOUND_MODEM_MAX 32	/* a modem's name (CONFIG_NAME_MAX) */
#define INBOUND_SENDER_MAX 32
#define INBOUND_TIME_MAX 40
#define INBOUND_SESSION_MAX 72	/* a USSD session id, NUL included */

enum inbound_kind {
	INBOUND_TEXT,		/* a text SMS (GSM 7-bit or UCS-2): "sms" */
	INBOUND_BINARY,		/* 8-bit data: stored as hex, never parsed */
	INBOUND_STATUS_REPORT,	/* a delivery report */
	INBOUND_USSD,		/* a USSD session's string */
};
#define INBOUND_KINDS 4

/* A typed PIN's verdict, taken before the text is spooled with the PIN
 * masked (gateway/ingest.c, ingest_seal_pin): replay cannot check it
 * again on the masked text. */
enum inbound_pin {
	INBOUND_PIN_UNCHECKED,	/* the text is as typed: check any PIN */
	INBOUND_PIN_RIGHT,	/* a PIN was typed and matched; masked */
	INBOUND_PIN_WRONG,	/* a PIN was typed and did not; masked */
};
#define INBOUND_PINS 3

struct modem;

/* A message as read from the SIM; owned by the loop once handed over. */
struct inbound_sms {
	char modem[INBOUND_MODEM_MAX];
	char sender[INBOUND_SENDER_MAX];
	char smsc_time[INBOUND_TIME_MAX]; /* "2026-11-22 14:02:36+00:00",
					     "" if unknown */
	time_t received_at;	/* seconds since the epoch */
	enum inbound_kind kind;
	int parts;		/* parts joined into text */
	int parts_expected;	/* > parts when stored incomplete */
	int concat_ref;		/* concatenation reference, -1 if single */
	int message_ref;	/* status reports: the reference reported on */
	char *text;		/* UTF-8, NUL-terminated; NULL means "" */
	char session[INBOUND_SESSION_MAX]; /* USSD: the operator's
					     sessionId, part of the
					     deduplication key; "" for SMS */
	int pin_verdict;	/* enum inbound_pin */

	/* In memory only: never spooled, never stored. */
	uint64_t token;		/* identifies the SIM slots for release */
	long long read_us;	/* when the worker had it (latency_now_us) */
	struct modem *source;	/* the worker to release it to */
};

/* The kind as the database and the spool write it ("sms", "binary",
 * "status_report", "ussd"), or NULL if kind is out of range. */
const char *inbound_kind_name(enum inbound_kind kind);

/* The kind named name; -1 if there is none. */
int inbound_kind_from_name(const char *name, enum inbound_kind *kind);

/* Free text (as spool_read allocates it) and zero sms; not sms itself. */
void inbound_sms_clear(struct inbound_sms *sms);

#endif
