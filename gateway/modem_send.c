/*
 * modem_send.c: the worker's send queue. Each message is encoded into
 * parts, each part submitted when the rate limit allows, and each message
 * answered to the loop exactly once (ok, refused, or failed with the
 * modem). After an ok answer nothing more is submitted until the loop
 * says that answer is durable (modem_result_kept).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "modem_private.h"

static void
modem_result(struct modem *m, uint64_t id, int ok, int ref,
    const char *cause)
{
	struct modem_record rec;

	memset(&rec, 0, sizeof rec);
	rec.type = MODEM_REC_SENT;
	rec.u.sent.id = id;
	rec.u.sent.ok = ok;
	rec.u.sent.message_ref = ref;
	snprintf(rec.u.sent.cause, sizeof rec.u.sent.cause, "%s", cause);
	snprintf(rec.u.sent.modem, sizeof rec.u.sent.modem, "%s",
	    m->cfg.name);
	modem_send_record(m->worker.fd, &rec);
}

/* Answer the message at the head of the queue and drop it. */
static void
modem_finish(struct modem *m, int ok, const char *cause)
{
	struct modem_outgoing *o = &m->worker.queue[m->worker.q_head];
	const char *sent_log = getenv("FAROL_TEST_SENT_LOG");
	int fd;

	/* The tests count what a modem took across kill -9: one line per
	 * message, the modem's name and the recipient (a test's file, set
	 * by tests/integration/gateway_proc.c only; never the log). */
	if (ok && sent_log != NULL && (fd = open(sent_log, O_WRONLY |
	    O_APPEND | O_CREAT | O_CLOEXEC, 0600)) != -1) {
		dprintf(fd, "%s %s\n", m->cfg.name, o->number);
		close(fd);
	}

	if (ok)
		log_info("modem %s: sent message %llu (%d part(s), "
		    "reference %d)", m->cfg.name, (unsigned long long)o->id,
		    m->worker.multi != NULL ? m->worker.multi->Number : 0,
	    m->worker.last_ref);
	else
		log_warn("modem %s: message %llu not sent: %s", m->cfg.name,
		    (unsigned long long)o->id, cause);
	if (ok) {
		m->worker.awaiting_kept = 1;
		m->worker.unkept_id = o->id;
	}
	modem_result(m, o->id, ok, ok ? m->worker.last_ref : -1, cause);
	free(m->worker.multi);
	m->worker.multi = NULL;
	m->worker.part = 0;
	m->worker.last_ref = -1;
	memset(o, 0, sizeof *o);
	m->worker.q_head = (m->worker.q_head + 1) % MODEM_SEND_QUEUE_MAX;
	m->worker.q_len--;
}

/* Answer every queued message ok=0 (they go to another modem). */
void
modem_fail_queue(struct modem *m, const char *cause)
{
	char why[128];

	while (m->worker.q_len > 0) {
		if (m->worker.multi != NULL && m->worker.part > 0)
			snprintf(why, sizeof why, "%s (after part %d of %d)",
			    cause, m->worker.part, m->worker.multi->Number);
		else
			snprintf(why, sizeof why, "%s", cause);
		modem_finish(m, 0, why);
	}
}

static int
modem_encode(struct modem *m, const struct modem_outgoing *o)
{
	unsigned char ucs[(MODEM_TEXT_MAX + 1) * 2];
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *multi;
	GSM_Error err;
	int i;

	if ((multi = calloc(1, sizeof *multi)) == NULL)
		return -1;
	m->worker.multi = multi;
	modem_gammu_lock();
	GSM_ClearMultiPartSMSInfo(&info);
	info.EntriesNum = 1;
	info.Entries[0].ID = SMS_ConcatenatedAutoTextLong;
	info.Entries[0].Buffer = ucs;
	DecodeUTF8(ucs, o->text, strlen(o->text));
	/* Auto: GSM 7-bit when every character has a code there, UCS-2
	 * otherwise; never a transliteration. */
	err = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &info, multi);
	for (i = 0; err == ERR_NONE && i < multi->Number; i++) {
		GSM_SMSMessage *p = &multi->SMS[i];

		p->SMSC.Location = 1;	/* the SIM's SMSC (AT+CSCA?) */
		/* Not pure (mbtowc): under the lock. */
		EncodeUnicode(p->Number, o->number, strlen(o->number));
		p->PDU = SMS_Status_Report;	/* a delivery report, please */
	}
	modem_gammu_unlock();
	if (err != ERR_NONE || multi->Number < 1)
		return -1;
	return 0;
}

/* A message failed while the modem answered: after several in a row the
 * modem itself is suspect (SIM, network registration): re-initialise. */
static void
modem_count_failure(struct modem *m)
{
	if (m->worker.lost || ++m->worker.fail_streak < MODEM_FAIL_STREAK)
		return;
	m->worker.lost = 1;
	snprintf(m->worker.problem, sizeof m->worker.problem, "keeps failing "
	    "(%d messages in a row not sent)", m->worker.fail_streak);
	m->worker.fail_streak = 0;
}

/* Submit the next part of the head message; the rate limit is checked by
 * the caller. */
void
modem_send_part(struct modem *m)
{
	struct modem_outgoing *o = &m->worker.queue[m->worker.q_head];
	char cause[128];
	GSM_Error err;
	long long end;

	if (m->worker.multi == NULL && modem_encode(m, o) != 0) {
		modem_finish(m, 0, "cannot encode the text");
		return;
	}
	m->worker.st_seen = 0;
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_SendSMS(m->worker.gsm, &m->worker.multi->SMS[m->worker.part]);
	/* The +CMGS answer is read later: pump until the status callback. */
	end = modem_now_ms() + modem_timeout_ms(m);
	while (err == ERR_NONE && !m->worker.st_seen && modem_now_ms() < end &&
	    !modem_aborted(m))
		GSM_ReadDevice(m->worker.gsm, TRUE);
	modem_unlock(m);
	m->worker.next_send_ms = modem_now_ms() +
	    60000 / m->cfg.send_per_minute;
	if (err != ERR_NONE) {
		if (modem_err_lost(err) || m->worker.lost)
			modem_set_lost(m, "sending", err);
		/* Aborted by the watchdog: gammu's own error says little. */
		snprintf(cause, sizeof cause, "part %d of %d: %.90s",
		    m->worker.part + 1, m->worker.multi->Number,
		    m->worker.lost ? m->worker.problem : GSM_ErrorString(err));
		modem_finish(m, 0, cause);
		modem_count_failure(m);
		return;
	}
	if (!m->worker.st_seen) {
		if (!m->worker.lost) {
			m->worker.lost = 1;
			snprintf(m->worker.problem, sizeof m->worker.problem,
			    "not answering (no result for a submitted SMS "
			    "within %d s)", m->cfg.timeout_s);
		}
		snprintf(cause, sizeof cause, "part %d of %d: no answer from "
		    "the modem", m->worker.part + 1, m->worker.multi->Number);
		modem_finish(m, 0, cause);
		return;
	}
	if (m->worker.st_status != 0) {
		snprintf(cause, sizeof cause, "part %d of %d refused by the "
		    "network (+CMS ERROR %d)", m->worker.part + 1,
		    m->worker.multi->Number, m->worker.st_status);
		modem_finish(m, 0, cause);
		modem_count_failure(m);
		return;
	}
	m->worker.last_ref = m->worker.st_mr;
	if (++m->worker.part == m->worker.multi->Number) {
		modem_finish(m, 1, "");
		m->worker.fail_streak = 0;
	}
}

void
modem_queue_send(struct modem *m, const struct modem_outgoing *o)
{
	const char *why = NULL;

	if (!(m->cfg.role & MODEM_ROLE_SEND))
		why = "this modem only receives";
	else if (m->worker.halted || m->worker.lost || !m->worker.connected)
		why = m->worker.problem[0] != '\0' ? m->worker.problem :
		    "not connected";
	else if (m->worker.q_len == MODEM_SEND_QUEUE_MAX)
		why = "the modem's send queue is full";
	if (why != NULL) {
		modem_result(m, o->id, 0, -1, why);
		return;
	}
	m->worker.queue[(m->worker.q_head + m->worker.q_len) %
	    MODEM_SEND_QUEUE_MAX] = *o;
	m->worker.q_len++;
}
