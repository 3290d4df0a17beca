/*
 * modem_receive.c: reading the SIM and handing messages to the loop. A
 * message's SIM slots stay "pending" until the loop releases it (it is
 * durable); only then are they deleted. At the pending cap the read
 * stops (what the cap refused of gammu's last answer waits in a small
 * backlog) and goes on from that slot once releases make room.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"
#include "log.h"
#include "modem_private.h"
#include "wallclock.h"

struct modem_pending *
modem_find_pending(struct modem *m, uint64_t token)
{
	for (int i = 0; i < m->worker.n_pending; i++)
		if (m->worker.pending[i].token == token)
			return &m->worker.pending[i];
	return NULL;
}

static int
modem_location_pending(const struct modem *m, int location)
{
	if (m->worker.n_pending == 0 || location > m->worker.pending_top)
		return 0;
	for (int i = 0; i < m->worker.n_pending; i++)
		for (int j = 0; j < m->worker.pending[i].n; j++)
			if (m->worker.pending[i].locations[j] == location)
				return 1;
	return 0;
}

/* Raise pending_top to p's slots (it only falls when nothing is
 * pending: a bound, not the highest slot). */
static void
modem_pending_top(struct modem *m, const struct modem_pending *p)
{
	if (m->worker.n_pending == 1)
		m->worker.pending_top = p->n > 0 ? p->locations[0] : 0;
	for (int i = 0; i < p->n; i++)
		if (p->locations[i] > m->worker.pending_top)
			m->worker.pending_top = p->locations[i];
}

static void
modem_delete(struct modem *m, struct modem_pending *p)
{
	GSM_SMSMessage sms;
	GSM_Error err;

	for (int i = 0; i < p->n && !m->worker.lost; i++) {
		memset(&sms, 0, sizeof sms);
		sms.Folder = 0;
		sms.Location = p->locations[i];
		modem_lock(m, modem_timeout_ms(m));
		err = GSM_DeleteSMS(m->worker.gsm, &sms);
		modem_unlock(m);
		if (modem_err_lost(err)) {
			/* Kept pending: deleted after the reconnect. */
			modem_set_lost(m, "deleting from the SIM", err);
			return;
		}
		if (err != ERR_NONE && err != ERR_EMPTY)
			log_warn("modem %s: cannot delete SIM slot %d: %s "
			    "(it will be read again and recognised as a "
			    "duplicate)", m->cfg.name, p->locations[i],
			    GSM_ErrorString(err));
	}
	free(p->locations);
	*p = m->worker.pending[--m->worker.n_pending];
}

/* Delete from the SIM every message the loop has released. */
void
modem_delete_released(struct modem *m)
{
	for (int i = 0; i < m->worker.n_pending && !m->worker.lost; )
		if (m->worker.pending[i].released)
			modem_delete(m, &m->worker.pending[i]);
		else
			i++;
}

static void
modem_format_time(const GSM_DateTime *dt, char *out, size_t size)
{
	int tz = dt->Timezone, sign = tz < 0 ? '-' : '+';

	if (dt->Year == 0) {
		out[0] = '\0';
		return;
	}
	if (tz < 0)
		tz = -tz;
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d%c%02d:%02d",
	    dt->Year, dt->Month, dt->Day, dt->Hour, dt->Minute, dt->Second,
	    sign, tz / 3600, tz % 3600 / 60);
}

static char *
modem_hex(const unsigned char *data, size_t len)
{
	char *out = malloc(len * 2 + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		sprintf(out + i * 2, "%02x", data[i]);
	out[len * 2] = '\0';
	return out;
}

/* A status report: to the loop's delivery callback, never to the inbox. */
static void
modem_report(struct modem *m, const GSM_SMSMessage *sms)
{
	struct modem_record rec;
	int st = sms->DeliveryStatus;

	if (st >= 0x20 && st < 0x40) {
		log_debug("modem %s: reference %d still pending (status "
		    "0x%02x)", m->cfg.name, sms->MessageReference, st);
		return;		/* temporary: the SMSC keeps trying */
	}
	memset(&rec, 0, sizeof rec);
	rec.type = MODEM_REC_DELIVERY;
	snprintf(rec.u.delivery.modem, sizeof rec.u.delivery.modem, "%s",
	    m->cfg.name);
	EncodeUTF8(rec.u.delivery.recipient, sms->Number);
	rec.u.delivery.message_ref = sms->MessageReference;
	rec.u.delivery.delivered = st < 0x20;
	modem_send_record(m->worker.fd, &rec);
}

/*
 * How many UCS-2 units of sms->Text are the message's. gammu ends Text at
 * the first 0x0000 unit, but a UCS-2 message may carry a real U+0000: its
 * Length (in units) counts past it. A GSM 7-bit text has no U+0000 (septet
 * 0 is '@') and its Length counts septets, not characters: the terminator
 * is right there.
 */
static size_t
modem_text_units(const GSM_SMSMessage *sms)
{
	size_t units = UnicodeLength(sms->Text);
	size_t max = sizeof sms->Text / 2 - 1;

	if (sms->Coding == SMS_Coding_Unicode_No_Compression &&
	    sms->Length > 0 && (size_t)sms->Length > units)
		units = (size_t)sms->Length < max ? (size_t)sms->Length : max;
	return units;
}

/*
 * Replace each U+0000 of ucs (units long, big-endian) by U+FFFD, the
 * replacement character: the text is stored whole rather than cut where
 * C strings and PostgreSQL would end it. Returns how many were replaced.
 */
static int
modem_replace_nul(unsigned char *ucs, size_t units)
{
	int n = 0;

	for (size_t i = 0; i < units; i++) {
		if (ucs[2 * i] == 0 && ucs[2 * i + 1] == 0) {
			ucs[2 * i] = 0xff;
			ucs[2 * i + 1] = 0xfd;
			n++;
		}
	}
	return n;
}

/*
 * Build the message for parts[0..n) (distinct, sorted by part number) and
 * hand it to the loop. The SIM slots become pending until the loop
 * releases them (none for a +CMT message, which was never stored), with
 * those of copies[0..n_copies), parts received twice, which are deleted
 * with the message but not joined. Returns -1 when the pending cap is
 * reached.
 */
int
modem_hand_over(struct modem *m, GSM_SMSMessage **parts, int n, int ref,
    int total, int stored, GSM_SMSMessage **copies, int n_copies)
{
	struct modem_record rec;
	struct inbound_sms *in;
	struct modem_pending *p;
	unsigned char *ucs;
	size_t units = 0, len;
	int i, nul;

	if (parts[0]->PDU == SMS_Status_Report) {
		modem_report(m, parts[0]);
		if (!stored || m->worker.n_pending == MODEM_MAX_PENDING)
			return 0;
		/* Stored on the SIM: delete it, nothing else to keep. */
		p = &m->worker.pending[m->worker.n_pending];
		if ((p->locations = malloc(sizeof *p->locations)) == NULL)
			return 0;	/* read and reported again */
		m->worker.n_pending++;
		p->token = ++m->worker.next_token;
		p->released = 1;
		p->n = 1;
		p->locations[0] = parts[0]->Location;
		modem_pending_top(m, p);
		return 0;
	}
	if (m->worker.n_pending == MODEM_MAX_PENDING)
		return -1;	/* the loop is behind: kept in the backlog */
	if ((in = calloc(1, sizeof *in)) == NULL)
		return 0;
	in->read_us = latency_now_us();
	snprintf(in->modem, sizeof in->modem, "%s", m->cfg.name);
	EncodeUTF8(in->sender, parts[0]->Number);
	modem_format_time(&parts[0]->DateTime, in->smsc_time,
	    sizeof in->smsc_time);
	in->received_at = wallclock_now();
	in->parts = n;
	in->parts_expected = total;
	in->concat_ref = total > 1 ? ref : -1;
	in->message_ref = parts[0]->MessageReference;
	in->source = m;

	if (parts[0]->Coding == SMS_Coding_8bit) {
		/* Binary: never parsed as a report; kept as hex. */
		in->kind = INBOUND_BINARY;
		in->text = modem_hex(parts[0]->Text, (size_t)parts[0]->Length);
	} else {
		in->kind = INBOUND_TEXT;
		for (i = 0; i < n; i++)
			units += modem_text_units(parts[i]);
		ucs = calloc(units + 1, 2);
		in->text = malloc(units * 3 + 4);	/* <= 3 bytes/unit */
		if (ucs != NULL && in->text != NULL) {
			len = 0;
			for (i = 0; i < n; i++) {
				size_t l = modem_text_units(parts[i]) * 2;
				memcpy(ucs + len, parts[i]->Text, l);
				len += l;
			}
			if ((nul = modem_replace_nul(ucs, units)) > 0)
				log_warn("modem %s: a message had %d NUL "
				    "character(s); each is stored as U+FFFD",
				    m->cfg.name, nul);
			EncodeUTF8(in->text, ucs);
		}
		free(ucs);
	}
	if (in->text == NULL) {
		inbound_sms_free(in);
		return 0;
	}

	p = &m->worker.pending[m->worker.n_pending];
	p->n = stored ? n + n_copies : 0;
	p->locations = NULL;
	if (p->n > 0 &&
	    (p->locations = calloc((size_t)p->n, sizeof *p->locations)) ==
	    NULL) {
		inbound_sms_free(in);
		return 0;	/* read again at the next poll */
	}
	m->worker.n_pending++;
	p->token = in->token = ++m->worker.next_token;
	p->released = 0;
	for (i = 0; i < p->n; i++)
		p->locations[i] = i < n ? parts[i]->Location :
		    copies[i - n]->Location;
	modem_pending_top(m, p);
	memset(&rec, 0, offsetof(struct modem_record, u));
	rec.type = MODEM_REC_RECEIVED;
	rec.sms = in;
	rec.token = in->token;
	modem_send_record(m->worker.fd, &rec);
	/* The loop holds none of this modem's other messages: it may be
	 * idle, let it take this one at once. Holding some, it is busy with
	 * them (or waits for their commit) and finds this one when done: a
	 * yield per message of a burst would only switch threads. */
	if (m->worker.n_pending == 1)
		modem_yield_to_loop();
	return 0;
}

/* Keep messages the pending cap refused, to hand over without reading
 * the SIM again (if memory runs out they are simply read again). */
void
modem_backlog_add(struct modem *m, GSM_SMSMessage **set, int k)
{
	GSM_SMSMessage *grown;

	if (m->worker.n_backlog + k > m->worker.backlog_cap) {
		int cap = m->worker.backlog_cap ? m->worker.backlog_cap * 2 :
		    64;

		while (cap < m->worker.n_backlog + k)
			cap *= 2;
		grown = realloc(m->worker.backlog, (size_t)cap * sizeof *grown);
		if (grown == NULL)
			return;
		m->worker.backlog = grown;
		m->worker.backlog_cap = cap;
	}
	for (int i = 0; i < k; i++)
		m->worker.backlog[m->worker.n_backlog++] = *set[i];
}

/* Room for the backlog: all of it, or half the cap (each drain copies what
 * is left, so it must not run for every single release). */
int
modem_backlog_ready(const struct modem *m)
{
	const struct modem_worker_side *w = &m->worker;

	return w->n_backlog > 0 && (w->n_pending <= MODEM_MAX_PENDING / 2 ||
	    w->n_pending + w->n_backlog <= MODEM_MAX_PENDING);
}

/* Hand over what the pending cap held back, as releases make room. */
void
modem_drain_backlog(struct modem *m)
{
	GSM_SMSMessage *b = m->worker.backlog;
	int n = m->worker.n_backlog;

	m->worker.backlog = NULL;
	m->worker.n_backlog = 0;
	m->worker.backlog_cap = 0;
	modem_process(m, b, n, 0);	/* refused ones: a new backlog */
	free(b);
}

/* A stopped read's state, dropped (the modem is lost: read again from
 * the start after the reconnect). */
void
modem_read_forget(struct modem *m)
{
	free(m->worker.read_parts);
	m->worker.read_parts = NULL;
	m->worker.n_read_parts = 0;
	m->worker.read_parts_cap = 0;
	m->worker.read_stopped = 0;
}

/* Keep a part of a set until the read ends. */
static void
modem_read_keep_part(struct modem *m, const GSM_SMSMessage *part)
{
	struct modem_worker_side *w = &m->worker;
	GSM_SMSMessage *grown;
	int cap;

	if (w->n_read_parts == w->read_parts_cap) {
		cap = w->read_parts_cap ? w->read_parts_cap * 2 : 32;
		grown = realloc(w->read_parts, (size_t)cap * sizeof *grown);
		if (grown == NULL)
			return;	/* read again at the next poll */
		w->read_parts = grown;
		w->read_parts_cap = cap;
	}
	w->read_parts[w->n_read_parts++] = *part;
}

/*
 * Read the SIM; a failure marks the modem lost. The read stops at the
 * first message the pending cap refuses (that message, and the rest of
 * gammu's answer, wait in the backlog) and goes on from there once the
 * backlog is handed over: memory holds at most the cap's messages
 * whatever the SIM holds, and what is not read stays on the SIM. (A SIM
 * holds fewer messages than the cap: only a phone's memory, or the dummy
 * driver, stops a read.) Parts of sets wait for the end of the whole read.
 */
void
modem_poll(struct modem *m)
{
	struct modem_worker_side *w = &m->worker;
	GSM_MultiSMSMessage multi;
	GSM_Error err;
	int start = !w->read_stopped, refused = 0, i, singles = 0;
	int parts = w->n_read_parts;
	long long t0 = modem_now_ms(), t1;

	memset(&multi, 0, sizeof multi);
	multi.SMS[0].Location = w->read_stopped ? w->read_location : 0;
	w->read_stopped = 0;
	while (!refused) {
		multi.SMS[0].Folder = 0;
		modem_lock(m, modem_timeout_ms(m));
		err = GSM_GetNextSMS(w->gsm, &multi, start);
		modem_unlock(m);
		start = 0;
		if (err == ERR_EMPTY)
			break;
		if (err != ERR_NONE || w->lost) {
			log_warn("modem %s: reading the SIM failed: %s",
			    m->cfg.name, GSM_ErrorString(err));
			modem_set_lost(m, "reading the SIM", err);
			break;
		}
		for (i = 0; i < multi.Number; i++) {
			GSM_SMSMessage *one = &multi.SMS[i];
			int r, p, t;

			if (one->State == SMS_Sent || one->State == SMS_UnSent ||
			    modem_location_pending(m, one->Location))
				continue;
			/* A single message is built and handed over at once,
			 * without copying it: the rest of the read can take
			 * long (a full SIM scan), and the message must not
			 * wait for it. Parts of sets wait for the whole read. */
			if (!modem_concat(one, &r, &p, &t)) {
				if (refused || modem_hand_over(m, &one, 1, -1,
				    1, 1, NULL, 0) != 0) {
					modem_backlog_add(m, &one, 1);
					refused = 1;
				}
				singles++;
				continue;
			}
			modem_read_keep_part(m, one);
		}
		if (refused) {
			w->read_stopped = 1;
			w->read_location = multi.SMS[0].Location;
		}
	}
	t1 = modem_now_ms();
	parts = w->n_read_parts - parts;
	if (!w->read_stopped) {
		/* The whole SIM is read: sets are grouped, partial ones aged. */
		modem_process(m, w->read_parts, w->n_read_parts, 1);
		free(w->read_parts);
		w->read_parts = NULL;
		w->n_read_parts = 0;
		w->read_parts_cap = 0;
	}
	if (singles + parts > 0)
		log_debug("modem %s: read %d message(s) and %d part(s) in "
		    "%lld ms, handed over in %lld ms%s", m->cfg.name, singles,
		    parts, t1 - t0, modem_now_ms() - t1, w->read_stopped ?
		    "; the pending cap stopped the read" : "");
}

/* Messages caught by the callback (+CDS, +CMT): not on the SIM. */
void
modem_handle_caught(struct modem *m)
{
	GSM_SMSMessage *set[1];
	int i;

	for (i = 0; i < m->worker.n_caught; i++) {
		set[0] = &m->worker.caught[i];
		if (modem_hand_over(m, set, 1, -1, 1, 0, NULL, 0) != 0)
			break;	/* the cap: kept until releases make room */
	}
	if (i > 0 && i < m->worker.n_caught)
		memmove(m->worker.caught, m->worker.caught + i,
		    (size_t)(m->worker.n_caught - i) *
		    sizeof m->worker.caught[0]);
	m->worker.n_caught -= i;
}

/* Network-initiated USSD caught by the callback: each to the loop as it
 * came (ussd_push.c decides whether it is a report). */
void
modem_handle_pushed(struct modem *m)
{
	struct modem_worker_side *w = &m->worker;
	struct modem_record rec;
	struct inbound_sms *in;

	if (w->pushed_dropped > 0) {
		log_warn("modem %s: %d network-initiated USSD dropped (more "
		    "than %d in one modem call)", m->cfg.name,
		    w->pushed_dropped, MODEM_MAX_PUSHED);
		w->pushed_dropped = 0;
	}
	for (int i = 0; i < w->n_pushed; i++) {
		if ((in = calloc(1, sizeof *in)) == NULL ||
		    (in->text = strdup(w->pushed[i])) == NULL) {
			free(in);
			continue;
		}
		in->read_us = latency_now_us();
		snprintf(in->modem, sizeof in->modem, "%s", m->cfg.name);
		in->received_at = wallclock_now();
		in->kind = INBOUND_USSD;
		in->parts = in->parts_expected = 1;
		in->concat_ref = -1;
		in->message_ref = -1;
		memset(&rec, 0, offsetof(struct modem_record, u));
		rec.type = MODEM_REC_USSD;
		rec.sms = in;
		if (modem_send_record(w->fd, &rec) != 0)
			inbound_sms_free(in);
	}
	w->n_pushed = 0;
}
