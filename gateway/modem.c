/*
 * modem.c: the worker thread that owns one modem's libgammu state machine.
 *
 * The worker connects, then loops: apply the loop's release commands
 * (delete from the SIM), read every message on the SIM, join multipart sets,
 * hand new messages to the loop, wait for the poll interval or a command.
 * Worker and loop exchange only fixed-size records over a SOCK_SEQPACKET
 * socketpair; a received message travels as a pointer the loop then owns.
 *
 * Sending: the loop queues an SMS as a MODEM_REC_SEND record; the worker
 * keeps a FIFO, submits one when the rate limit allows, pumps the device
 * until gammu's send-status callback has answered (or send_timeout: the
 * modem hangs, it is reconnected), and answers with a MODEM_REC_SENT
 * record. When the modem drops, every queued SMS is answered "not sent"
 * at once, so the outbox can give it to another modem.
 *
 * Must never happen here: deleting a message before the loop released it,
 * or calling libgammu without holding gammu_lock, or from a gammu callback;
 * an SMS queued and never answered.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gammu.h>

#include "log.h"
#include "modem.h"

#define MODEM_MAX_PENDING 256	/* messages handed over, not yet released */
#define MODEM_SEND_QUEUE 32	/* SMS queued in a worker */
#define MODEM_FAILING 3		/* consecutive failed submits: unhealthy */

/* Serialises every libgammu call in the process (shared static buffers). */
static pthread_mutex_t gammu_lock = PTHREAD_MUTEX_INITIALIZER;

enum modem_record_type {
	MODEM_REC_RECEIVED,	/* worker -> loop: a message (sms set) */
	MODEM_REC_STOPPED,	/* worker -> loop: the thread is ending */
	MODEM_REC_RELEASE,	/* loop -> worker: delete token from the SIM */
	MODEM_REC_STOP,		/* loop -> worker: stop */
	MODEM_REC_SEND,		/* loop -> worker: an SMS to send */
	MODEM_REC_SENT,		/* worker -> loop: its outcome */
};

/* An SMS to send; owned by the worker from MODEM_REC_SEND on. */
struct modem_outgoing {
	uint64_t id;
	char number[32];
	char *text;
	struct modem_outgoing *next;
};

/* The only thing that crosses between threads. */
struct modem_record {
	enum modem_record_type type;
	uint64_t token;
	struct inbound_sms *sms;
	struct modem_outgoing *out;
	struct modem_send_result *result;
};

struct modem_pending {
	uint64_t token;
	int released;		/* durable: delete when connected */
	int n;
	int locations[MODEM_MAX_PARTS];
};

/* An incomplete multipart set, remembered to time it out. */
struct modem_partial {
	char sender[32];
	int ref, total;
	time_t first_seen;
	int seen;		/* marked during a poll; unmarked ones are dropped */
};

struct modem {
	struct modem_config cfg;
	int multipart_timeout_s;
	modem_receive_cb cb;
	void *cb_arg;
	void (*stopped)(struct modem *, void *);
	void *stopped_arg;

	int loop_fd, worker_fd;	/* the two ends of the socketpair */
	struct event *ev;
	pthread_t thread;
	int thread_started;

	/* Loop-side state. */
	modem_sent_cb sent_cb;
	modem_delivery_cb delivery_cb;
	void *send_arg;
	int send_queue;		/* queued, not answered */
	int stopping;
	long long n_sent, n_failed, n_received;

	/* Shared: written by the worker, read by the loop, under lock. */
	pthread_mutex_t health_lock;
	int h_connected;
	int h_failing;		/* consecutive failed submits */
	int h_signal;
	char h_problem[128];

	/* Worker-side state below: touched by the worker thread only. */
	GSM_StateMachine *gsm;
	int connected;
	uint64_t next_token;
	struct modem_pending pending[MODEM_MAX_PENDING];
	int n_pending;
	struct modem_partial partial[MODEM_MAX_PENDING];
	int n_partial;
	int stop;
	int dead;		/* the PIN was refused: never retried */
	struct modem_outgoing *out_head, *out_tail;
	long long next_send_ms;	/* the rate limit */
	long long next_signal_ms;
	int status_seen, status, status_ref;	/* send-status callback */
};

void
inbound_sms_free(struct inbound_sms *sms)
{
	if (sms == NULL)
		return;
	free(sms->text);
	free(sms);
}

const char *
modem_name(const struct modem *m)
{
	return m->cfg.name;
}

void
modem_global_init(void)
{
	GSM_InitLocales(NULL);
	GSM_SetDebugGlobal(FALSE, GSM_GetGlobalDebug());
}

/* --- worker side ----------------------------------------------------- */

static void
modem_send_record(int fd, const struct modem_record *rec)
{
	ssize_t n;

	do
		n = send(fd, rec, sizeof *rec, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof *rec)
		log_error("modem: cannot pass a record between threads: %s",
		    strerror(errno));
}

static long long
modem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Record the modem's state for the loop; log every change. */
static void
modem_set_health(struct modem *m, int connected, const char *problem)
{
	int changed;

	pthread_mutex_lock(&m->health_lock);
	changed = m->h_connected != connected ||
	    strcmp(m->h_problem, problem) != 0;
	m->h_connected = connected;
	snprintf(m->h_problem, sizeof m->h_problem, "%s", problem);
	pthread_mutex_unlock(&m->health_lock);
	if (changed && problem[0] != '\0')
		log_warn("modem %s: %s", m->cfg.name, problem);
	else if (changed)
		log_info("modem %s: healthy", m->cfg.name);
}

static void
modem_note_submit(struct modem *m, int ok)
{
	pthread_mutex_lock(&m->health_lock);
	m->h_failing = ok ? 0 : m->h_failing + 1;
	pthread_mutex_unlock(&m->health_lock);
}

/* gammu's send-status callback: record only (never call libgammu here). */
static void
modem_status_cb(GSM_StateMachine *s, int status, int ref, void *arg)
{
	struct modem *m = arg;

	m->status = status;
	m->status_ref = ref;
	m->status_seen = 1;
}

/* Answer one queued SMS to the loop and free it. */
static void
modem_answer(struct modem *m, struct modem_outgoing *o, int ok, int ref,
    const char *cause)
{
	struct modem_record rec = { .type = MODEM_REC_SENT };
	struct modem_send_result *r = calloc(1, sizeof *r);

	if (r != NULL) {
		r->id = o->id;
		r->ok = ok;
		r->message_ref = ref;
		snprintf(r->cause, sizeof r->cause, "%s", ok ? "" : cause);
		snprintf(r->modem, sizeof r->modem, "%s", m->cfg.name);
		rec.result = r;
		modem_send_record(m->worker_fd, &rec);
	}
	free(o->text);
	free(o);
}

/* Every queued SMS is answered "not sent" (the modem failed or stops). */
static void
modem_fail_queue(struct modem *m, const char *cause)
{
	struct modem_outgoing *o;

	while ((o = m->out_head) != NULL) {
		m->out_head = o->next;
		modem_answer(m, o, 0, -1, cause);
	}
	m->out_tail = NULL;
}

static void
modem_enqueue(struct modem *m, struct modem_outgoing *o)
{
	if (!m->connected) {
		modem_answer(m, o, 0, -1, "modem not connected");
		return;
	}
	o->next = NULL;
	if (m->out_tail != NULL)
		m->out_tail->next = o;
	else
		m->out_head = o;
	m->out_tail = o;
}

/*
 * Submit the first queued SMS, part after part, each with a delivery
 * report requested, pumping the device until gammu reports the result.
 * Returns -1 when the modem did not answer (it must be reconnected).
 */
static int
modem_send_first(struct modem *m)
{
	struct modem_outgoing *o = m->out_head;
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *multi;
	unsigned char *ucs;
	char cause[128] = "";
	long long deadline;
	size_t len = strlen(o->text);
	int i, ref = -1, hang = 0;
	GSM_Error err;

	m->out_head = o->next;
	if (m->out_head == NULL)
		m->out_tail = NULL;
	multi = calloc(1, sizeof *multi);
	ucs = calloc(len + 2, 4);	/* UCS-2, surrogate pairs included */
	if (multi == NULL || ucs == NULL) {
		free(multi);
		free(ucs);
		modem_answer(m, o, 0, -1, "out of memory");
		return 0;
	}
	DecodeUTF8(ucs, o->text, len);
	GSM_ClearMultiPartSMSInfo(&info);
	info.EntriesNum = 1;
	info.Entries[0].ID = SMS_ConcatenatedAutoTextLong;
	info.Entries[0].Buffer = ucs;
	pthread_mutex_lock(&gammu_lock);
	err = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &info, multi);
	pthread_mutex_unlock(&gammu_lock);
	if (err != ERR_NONE)
		snprintf(cause, sizeof cause, "cannot encode: %s",
		    GSM_ErrorString(err));
	for (i = 0; err == ERR_NONE && i < multi->Number; i++) {
		GSM_SMSMessage *p = &multi->SMS[i];

		p->SMSC.Location = 1;
		EncodeUnicode(p->Number, o->number, strlen(o->number));
		p->PDU = SMS_Status_Report;	/* ask for a delivery report */
		m->status_seen = 0;
		pthread_mutex_lock(&gammu_lock);
		err = GSM_SendSMS(m->gsm, p);
		pthread_mutex_unlock(&gammu_lock);
		if (err != ERR_NONE) {
			snprintf(cause, sizeof cause, "submit refused: %s",
			    GSM_ErrorString(err));
			hang = err == ERR_TIMEOUT ||
			    err == ERR_DEVICEWRITEERROR ||
			    err == ERR_DEVICENOTWORK;
			break;
		}
		deadline = modem_now_ms() + m->cfg.send_timeout_s * 1000LL;
		while (!m->status_seen && modem_now_ms() < deadline) {
			pthread_mutex_lock(&gammu_lock);
			GSM_ReadDevice(m->gsm, TRUE);
			pthread_mutex_unlock(&gammu_lock);
		}
		if (!m->status_seen) {
			snprintf(cause, sizeof cause, "no answer to the submit "
			    "within %d s", m->cfg.send_timeout_s);
			err = ERR_TIMEOUT;
			hang = 1;
			break;
		}
		if (m->status != 0) {
			snprintf(cause, sizeof cause, "the network refused "
			    "part %d of %d (+CMS ERROR %d)", i + 1,
			    multi->Number, m->status);
			err = ERR_UNKNOWN;
			break;
		}
		ref = m->status_ref;
	}
	modem_note_submit(m, err == ERR_NONE);
	modem_answer(m, o, err == ERR_NONE, ref, cause);
	free(multi);
	free(ucs);
	return hang ? -1 : 0;
}

/* The SIM's PIN: entered once; refused or missing stops this modem. */
static int
modem_check_pin(struct modem *m)
{
	GSM_SecurityCodeType status;
	GSM_SecurityCode code;
	GSM_Error err;
	char problem[128];

	pthread_mutex_lock(&gammu_lock);
	err = GSM_GetSecurityStatus(m->gsm, &status);
	pthread_mutex_unlock(&gammu_lock);
	if (err != ERR_NONE || status == SEC_None)
		return 0;	/* not asked, or the modem cannot tell */
	if (status != SEC_Pin || m->cfg.pin[0] == '\0') {
		snprintf(problem, sizeof problem, "STOPPED: the SIM asks for "
		    "%s and %s; fix the config and restart farold",
		    status == SEC_Pin ? "its PIN" : "a PUK or another code",
		    m->cfg.pin[0] == '\0' ? "no pin is configured" :
		    "farold enters only a PIN");
		m->dead = 1;
		modem_set_health(m, 0, problem);
		return -1;
	}
	memset(&code, 0, sizeof code);
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof code.Code, "%s", m->cfg.pin);
	pthread_mutex_lock(&gammu_lock);
	err = GSM_EnterSecurityCode(m->gsm, &code);
	pthread_mutex_unlock(&gammu_lock);
	if (err != ERR_NONE) {
		/* Never retried: a few wrong PINs lock the SIM. */
		snprintf(problem, sizeof problem, "STOPPED: the PIN was refused "
		    "(%s); it is not tried again: fix modems.pin and restart",
		    GSM_ErrorString(err));
		m->dead = 1;
		modem_set_health(m, 0, problem);
		return -1;
	}
	log_info("modem %s: PIN accepted", m->cfg.name);
	return 0;
}

static void
modem_read_signal(struct modem *m)
{
	GSM_SignalQuality sq;
	GSM_Error err;

	pthread_mutex_lock(&gammu_lock);
	err = GSM_GetSignalQuality(m->gsm, &sq);
	pthread_mutex_unlock(&gammu_lock);
	pthread_mutex_lock(&m->health_lock);
	m->h_signal = err == ERR_NONE ? sq.SignalPercent : -1;
	pthread_mutex_unlock(&m->health_lock);
	m->next_signal_ms = modem_now_ms() + 60000;
}

static GSM_Error
modem_connect(struct modem *m)
{
	GSM_Config *gc;
	GSM_Error err;

	pthread_mutex_lock(&gammu_lock);
	if (m->gsm == NULL)
		m->gsm = GSM_AllocStateMachine();
	gc = GSM_GetConfig(m->gsm, 0);
	free(gc->Device);
	free(gc->Connection);
	gc->Device = strdup(m->cfg.device);
	gc->Connection = strdup(m->cfg.connection);
	snprintf(gc->Model, sizeof gc->Model, "%s", m->cfg.model);
	gc->DebugLevel[0] = '\0';
	gc->LockDevice = FALSE;
	gc->StartInfo = FALSE;
	gc->SyncTime = FALSE;
	gc->UseGlobalDebugFile = FALSE;
	for (int i = 0; i < 5; i++)
		gc->CNMIParams[i] = -1;
	GSM_SetConfigNum(m->gsm, 1);
	err = GSM_InitConnection(m->gsm, 1);
	/* InitConnection clears every callback: install them again. */
	if (err == ERR_NONE)
		GSM_SetSendSMSStatusCallback(m->gsm, modem_status_cb, m);
	pthread_mutex_unlock(&gammu_lock);
	return err;
}

static void
modem_disconnect(struct modem *m)
{
	pthread_mutex_lock(&gammu_lock);
	if (m->gsm != NULL && GSM_IsConnected(m->gsm))
		GSM_TerminateConnection(m->gsm);
	pthread_mutex_unlock(&gammu_lock);
	m->connected = 0;
	modem_fail_queue(m, "the modem was disconnected");
}

static struct modem_pending *
modem_find_pending(struct modem *m, uint64_t token)
{
	for (int i = 0; i < m->n_pending; i++)
		if (m->pending[i].token == token)
			return &m->pending[i];
	return NULL;
}

static int
modem_location_pending(const struct modem *m, int location)
{
	for (int i = 0; i < m->n_pending; i++)
		for (int j = 0; j < m->pending[i].n; j++)
			if (m->pending[i].locations[j] == location)
				return 1;
	return 0;
}

static void
modem_delete(struct modem *m, struct modem_pending *p)
{
	GSM_SMSMessage sms;
	GSM_Error err;

	for (int i = 0; i < p->n; i++) {
		memset(&sms, 0, sizeof sms);
		sms.Folder = 0;
		sms.Location = p->locations[i];
		pthread_mutex_lock(&gammu_lock);
		err = GSM_DeleteSMS(m->gsm, &sms);
		pthread_mutex_unlock(&gammu_lock);
		if (err != ERR_NONE && err != ERR_EMPTY)
			log_warn("modem %s: cannot delete SIM slot %d: %s "
			    "(it will be read again and recognised as a "
			    "duplicate)", m->cfg.name, p->locations[i],
			    GSM_ErrorString(err));
	}
	*p = m->pending[--m->n_pending];
}

/* Delete from the SIM every message the loop has released. */
static void
modem_delete_released(struct modem *m)
{
	for (int i = 0; i < m->n_pending; )
		if (m->pending[i].released)
			modem_delete(m, &m->pending[i]);
		else
			i++;
}

/* Apply the loop's commands; wait up to timeout_ms for the first one. */
static void
modem_read_commands(struct modem *m, int timeout_ms)
{
	struct pollfd pfd = { .fd = m->worker_fd, .events = POLLIN };
	struct modem_pending *p;
	struct modem_record rec;
	ssize_t n;

	while (poll(&pfd, 1, timeout_ms) > 0) {
		n = recv(m->worker_fd, &rec, sizeof rec, MSG_DONTWAIT);
		if (n == 0) {
			m->stop = 1;
			return;
		}
		if (n != (ssize_t)sizeof rec)
			return;
		if (rec.type == MODEM_REC_STOP)
			m->stop = 1;
		else if (rec.type == MODEM_REC_RELEASE &&
		    (p = modem_find_pending(m, rec.token)) != NULL)
			p->released = 1;
		else if (rec.type == MODEM_REC_SEND && rec.out != NULL)
			modem_enqueue(m, rec.out);
		timeout_ms = 0;	/* drain what is there, then go on */
	}
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

static int
modem_concat(const GSM_SMSMessage *sms, int *ref, int *part, int *total)
{
	const GSM_UDHHeader *u = &sms->UDH;

	if (u->Type == UDH_NoUDH || u->AllParts <= 1 || u->PartNumber < 1)
		return 0;
	*ref = u->ID16bit >= 0 ? u->ID16bit : u->ID8bit;
	*part = u->PartNumber;
	*total = u->AllParts;
	return 1;
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

/*
 * Build the message for parts[0..n) (sorted by part number) and hand it to
 * the loop. The SIM slots become pending until the loop releases them.
 */
static void
modem_hand_over(struct modem *m, GSM_SMSMessage **parts, int n, int ref,
    int total)
{
	struct modem_record rec = { .type = MODEM_REC_RECEIVED };
	struct inbound_sms *in;
	struct modem_pending *p;
	unsigned char *ucs;
	size_t units = 0, len;
	int i;

	if (m->n_pending == MODEM_MAX_PENDING)
		return;		/* the loop is behind; read it next time */
	if ((in = calloc(1, sizeof *in)) == NULL)
		return;
	snprintf(in->modem, sizeof in->modem, "%s", m->cfg.name);
	EncodeUTF8(in->sender, parts[0]->Number);
	modem_format_time(&parts[0]->DateTime, in->smsc_time,
	    sizeof in->smsc_time);
	in->received_at = time(NULL);
	in->parts = n;
	in->parts_expected = total;
	in->concat_ref = total > 1 ? ref : -1;
	in->message_ref = parts[0]->MessageReference;
	in->source = m;

	if (parts[0]->PDU == SMS_Status_Report) {
		in->kind = INBOUND_STATUS_REPORT;
		in->delivery_status = parts[0]->DeliveryStatus;
		in->text = strdup("");
	} else if (parts[0]->Coding == SMS_Coding_8bit) {
		/* Binary: never parsed as a report; kept as hex. */
		in->kind = INBOUND_BINARY;
		in->text = modem_hex(parts[0]->Text, (size_t)parts[0]->Length);
	} else {
		in->kind = INBOUND_TEXT;
		for (i = 0; i < n; i++)
			units += UnicodeLength(parts[i]->Text);
		ucs = calloc(units + 1, 2);
		in->text = malloc(units * 3 + 4);	/* <= 3 bytes/unit */
		if (ucs != NULL && in->text != NULL) {
			len = 0;
			for (i = 0; i < n; i++) {
				size_t l = UnicodeLength(parts[i]->Text) * 2;
				memcpy(ucs + len, parts[i]->Text, l);
				len += l;
			}
			EncodeUTF8(in->text, ucs);
		}
		free(ucs);
	}
	if (in->text == NULL) {
		inbound_sms_free(in);
		return;
	}

	p = &m->pending[m->n_pending++];
	p->token = in->token = ++m->next_token;
	p->n = n;
	for (i = 0; i < n; i++)
		p->locations[i] = parts[i]->Location;
	rec.sms = in;
	rec.token = in->token;
	modem_send_record(m->worker_fd, &rec);
}

static struct modem_partial *
modem_partial_find(struct modem *m, const char *sender, int ref, int total)
{
	struct modem_partial *p;

	for (int i = 0; i < m->n_partial; i++) {
		p = &m->partial[i];
		if (p->ref == ref && p->total == total &&
		    strcmp(p->sender, sender) == 0)
			return p;
	}
	if (m->n_partial == MODEM_MAX_PENDING)
		return NULL;
	p = &m->partial[m->n_partial++];
	memset(p, 0, sizeof *p);
	snprintf(p->sender, sizeof p->sender, "%s", sender);
	p->ref = ref;
	p->total = total;
	p->first_seen = time(NULL);
	return p;
}

static int
modem_part_cmp(const void *a, const void *b)
{
	int ra = 0, pa = 0, ta = 0, rb = 0, pb = 0, tb = 0;

	modem_concat(*(GSM_SMSMessage *const *)a, &ra, &pa, &ta);
	modem_concat(*(GSM_SMSMessage *const *)b, &rb, &pb, &tb);
	return pa - pb;
}

/* Group the messages read in one poll into sets and hand over the ready. */
static void
modem_process(struct modem *m, GSM_SMSMessage *all, int count)
{
	GSM_SMSMessage *set[MODEM_MAX_PARTS];
	char sender[32], other[32];
	struct modem_partial *partial;
	int *used = calloc((size_t)count + 1, sizeof *used);
	int i, j, n, ref, part, total, r2, p2, t2;

	if (used == NULL)
		return;
	for (i = 0; i < m->n_partial; i++)
		m->partial[i].seen = 0;
	for (i = 0; i < count; i++) {
		if (used[i])
			continue;
		used[i] = 1;
		if (!modem_concat(&all[i], &ref, &part, &total)) {
			set[0] = &all[i];
			modem_hand_over(m, set, 1, -1, 1);
			continue;
		}
		EncodeUTF8(sender, all[i].Number);
		set[0] = &all[i];
		n = 1;
		for (j = i + 1; j < count && n < MODEM_MAX_PARTS; j++) {
			if (used[j] || !modem_concat(&all[j], &r2, &p2, &t2) ||
			    r2 != ref || t2 != total)
				continue;
			EncodeUTF8(other, all[j].Number);
			if (strcmp(other, sender) != 0)
				continue;
			used[j] = 1;
			set[n++] = &all[j];
		}
		qsort(set, (size_t)n, sizeof set[0], modem_part_cmp);
		if (n >= total || n == MODEM_MAX_PARTS) {
			modem_hand_over(m, set, n, ref, total);
			continue;
		}
		partial = modem_partial_find(m, sender, ref, total);
		if (partial == NULL)
			continue;
		partial->seen = 1;
		if (time(NULL) - partial->first_seen >= m->multipart_timeout_s) {
			log_warn("modem %s: multipart set %d has %d of %d parts "
			    "after %d s; storing it incomplete", m->cfg.name,
			    ref, n, total, m->multipart_timeout_s);
			modem_hand_over(m, set, n, ref, total);
		}
	}
	/* Forget sets that are gone (handed over or deleted). */
	for (i = 0; i < m->n_partial; )
		if (!m->partial[i].seen)
			m->partial[i] = m->partial[--m->n_partial];
		else
			i++;
	free(used);
}

/* Read the whole SIM; returns 0, or -1 if the modem failed. */
static int
modem_poll(struct modem *m)
{
	GSM_MultiSMSMessage multi;
	GSM_SMSMessage *all = NULL, *grown;
	GSM_Error err;
	int count = 0, cap = 0, start = 1, i, rc = 0;

	memset(&multi, 0, sizeof multi);
	for (;;) {
		multi.SMS[0].Folder = 0;
		pthread_mutex_lock(&gammu_lock);
		err = GSM_GetNextSMS(m->gsm, &multi, start);
		pthread_mutex_unlock(&gammu_lock);
		start = 0;
		if (err == ERR_EMPTY)
			break;
		if (err != ERR_NONE) {
			log_warn("modem %s: reading the SIM failed: %s",
			    m->cfg.name, GSM_ErrorString(err));
			rc = -1;
			break;
		}
		for (i = 0; i < multi.Number; i++) {
			if (multi.SMS[i].State == SMS_Sent ||
			    multi.SMS[i].State == SMS_UnSent ||
			    modem_location_pending(m, multi.SMS[i].Location))
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 32;
				grown = realloc(all, (size_t)cap * sizeof *all);
				if (grown == NULL)
					break;
				all = grown;
			}
			all[count++] = multi.SMS[i];
		}
	}
	if (count > 0)
		modem_process(m, all, count);
	free(all);
	return rc;
}

/* How long the worker may wait for a command before its next duty. */
static int
modem_wait_ms(const struct modem *m)
{
	long long wait = m->cfg.poll_interval_s * 1000LL, now;

	if (!(m->cfg.role & MODEM_ROLE_RECEIVE))
		wait = 60000;
	if (m->out_head != NULL) {
		now = modem_now_ms();
		wait = m->next_send_ms <= now ? 0 :
		    (m->next_send_ms - now < wait ? m->next_send_ms - now :
		    wait);
	}
	return (int)wait;
}

static void *
modem_main(void *arg)
{
	struct modem *m = arg;
	struct modem_record rec = { .type = MODEM_REC_STOPPED };
	char problem[CONFIG_PATH_MAX + 128];
	int backoff_s = 1;
	GSM_Error err;

	while (!m->stop) {
		if (m->dead) {
			/* Stopped for good (PIN): answer sends, wait. */
			modem_fail_queue(m, "modem stopped (SIM code)");
			modem_read_commands(m, 60000);
			continue;
		}
		if (!m->connected) {
			err = modem_connect(m);
			if (err != ERR_NONE) {
				snprintf(problem, sizeof problem, "cannot "
				    "connect to %s: %s; retrying in %d s",
				    m->cfg.device, GSM_ErrorString(err),
				    backoff_s);
				modem_set_health(m, 0, problem);
				modem_read_commands(m, backoff_s * 1000);
				modem_fail_queue(m, "modem not connected");
				backoff_s = backoff_s < 60 ? backoff_s * 2 : 60;
				continue;
			}
			if (modem_check_pin(m) != 0) {
				modem_disconnect(m);
				continue;
			}
			m->connected = 1;
			backoff_s = 1;
			log_info("modem %s: connected (%s, %s)", m->cfg.name,
			    m->cfg.connection, m->cfg.model);
			modem_read_signal(m);
			modem_set_health(m, 1, "");
		}
		modem_read_commands(m, 0);
		modem_delete_released(m);
		if (m->stop)
			break;
		if ((m->cfg.role & MODEM_ROLE_RECEIVE) && modem_poll(m) != 0) {
			modem_set_health(m, 0, "reading the SIM failed; "
			    "reconnecting");
			modem_disconnect(m);
			continue;
		}
		if (m->out_head != NULL && modem_now_ms() >= m->next_send_ms) {
			m->next_send_ms = modem_now_ms() +
			    60000 / m->cfg.send_per_minute;
			if (modem_send_first(m) != 0) {
				modem_set_health(m, 0, "not answering a "
				    "submit; reconnecting");
				modem_disconnect(m);
				continue;
			}
		}
		if (modem_now_ms() >= m->next_signal_ms)
			modem_read_signal(m);
		modem_read_commands(m, modem_wait_ms(m));
	}
	if (m->connected)
		modem_delete_released(m);
	modem_disconnect(m);
	modem_fail_queue(m, "the modem stopped");
	pthread_mutex_lock(&gammu_lock);
	if (m->gsm != NULL)
		GSM_FreeStateMachine(m->gsm);
	m->gsm = NULL;
	pthread_mutex_unlock(&gammu_lock);
	modem_send_record(m->worker_fd, &rec);
	return NULL;
}

/* --- loop side ------------------------------------------------------- */

/* A final status report goes to the delivery callback too. TP-ST: below
 * 0x20 delivered, 0x20-0x3f still trying (not final), above failed. */
static void
modem_report_delivery(struct modem *m, const struct inbound_sms *sms)
{
	struct modem_delivery d;

	if (sms->kind != INBOUND_STATUS_REPORT || m->delivery_cb == NULL ||
	    (sms->delivery_status >= 0x20 && sms->delivery_status < 0x40))
		return;
	memset(&d, 0, sizeof d);
	snprintf(d.modem, sizeof d.modem, "%s", m->cfg.name);
	snprintf(d.recipient, sizeof d.recipient, "%s", sms->sender);
	d.message_ref = sms->message_ref;
	d.delivered = sms->delivery_status < 0x20;
	m->delivery_cb(&d, m->send_arg);
}

static void
modem_record_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;
	struct modem_record rec;
	ssize_t n;

	while ((n = recv(fd, &rec, sizeof rec, MSG_DONTWAIT)) ==
	    (ssize_t)sizeof rec) {
		switch (rec.type) {
		case MODEM_REC_RECEIVED:
			m->n_received++;
			modem_report_delivery(m, rec.sms);
			m->cb(rec.sms, m->cb_arg);
			break;
		case MODEM_REC_SENT:
			m->send_queue--;
			if (rec.result->ok)
				m->n_sent++;
			else
				m->n_failed++;
			if (m->sent_cb != NULL)
				m->sent_cb(rec.result, m->send_arg);
			free(rec.result);
			break;
		case MODEM_REC_STOPPED:
			pthread_join(m->thread, NULL);
			m->thread_started = 0;
			event_del(m->ev);
			log_info("modem %s: stopped", m->cfg.name);
			if (m->stopped != NULL)
				m->stopped(m, m->stopped_arg);
			return;	/* the callback may have freed m */
		default:
			break;
		}
	}
}

struct modem *
modem_start(struct event_base *base, const struct modem_config *mc,
    int multipart_timeout_s, modem_receive_cb cb, void *arg,
    const char **cause)
{
	struct modem *m;
	int sv[2];

	if ((m = calloc(1, sizeof *m)) == NULL) {
		*cause = "out of memory";
		return NULL;
	}
	m->cfg = *mc;
	if (m->cfg.send_per_minute < 1)
		m->cfg.send_per_minute = 10;
	if (m->cfg.send_timeout_s < 1)
		m->cfg.send_timeout_s = 30;
	m->h_signal = -1;
	pthread_mutex_init(&m->health_lock, NULL);
	m->multipart_timeout_s = multipart_timeout_s;
	m->cb = cb;
	m->cb_arg = arg;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		*cause = "cannot create a socketpair";
		free(m);
		return NULL;
	}
	m->loop_fd = sv[0];
	m->worker_fd = sv[1];
	evutil_make_socket_nonblocking(m->loop_fd);
	m->ev = event_new(base, m->loop_fd, EV_READ | EV_PERSIST,
	    modem_record_cb, m);
	event_add(m->ev, NULL);
	if (pthread_create(&m->thread, NULL, modem_main, m) != 0) {
		*cause = "cannot start the worker thread";
		modem_free(m);
		return NULL;
	}
	m->thread_started = 1;
	log_info("modem %s: worker started on %s", m->cfg.name,
	    m->cfg.device);
	return m;
}

void
modem_release(struct modem *m, uint64_t token)
{
	struct modem_record rec = { .type = MODEM_REC_RELEASE,
	    .token = token };

	modem_send_record(m->loop_fd, &rec);
}

void
modem_set_send_callbacks(struct modem *m, modem_sent_cb sent,
    modem_delivery_cb delivery, void *arg)
{
	m->sent_cb = sent;
	m->delivery_cb = delivery;
	m->send_arg = arg;
}

int
modem_send(struct modem *m, uint64_t id, const char *number,
    const char *text, const char **cause)
{
	struct modem_record rec = { .type = MODEM_REC_SEND };
	struct modem_outgoing *o;
	ssize_t n;

	if (!(m->cfg.role & MODEM_ROLE_SEND)) {
		*cause = "receive-only modem";
		return -1;
	}
	if (m->stopping || !m->thread_started) {
		*cause = "modem stopping";
		return -1;
	}
	if (m->send_queue >= MODEM_SEND_QUEUE) {
		*cause = "send queue full";
		return -1;
	}
	if ((o = calloc(1, sizeof *o)) == NULL ||
	    (o->text = strdup(text)) == NULL) {
		free(o);
		*cause = "out of memory";
		return -1;
	}
	o->id = id;
	snprintf(o->number, sizeof o->number, "%s", number);
	rec.out = o;
	do
		n = send(m->loop_fd, &rec, sizeof rec, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof rec) {
		free(o->text);
		free(o);
		*cause = "cannot reach the worker";
		return -1;
	}
	m->send_queue++;
	return 0;
}

void
modem_get_health(const struct modem *m, struct modem_health *h)
{
	struct modem *mm = (struct modem *)m;	/* the lock only */

	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", m->cfg.name);
	h->can_send = (m->cfg.role & MODEM_ROLE_SEND) != 0;
	h->can_receive = (m->cfg.role & MODEM_ROLE_RECEIVE) != 0;
	pthread_mutex_lock(&mm->health_lock);
	h->connected = m->h_connected;
	h->signal_percent = m->h_signal;
	snprintf(h->problem, sizeof h->problem, "%s", m->h_problem);
	if (m->h_connected && m->h_failing >= MODEM_FAILING)
		snprintf(h->problem, sizeof h->problem, "%d submits failed "
		    "in a row", m->h_failing);
	pthread_mutex_unlock(&mm->health_lock);
	h->healthy = h->connected && h->problem[0] == '\0' && !m->stopping;
	h->send_queue = m->send_queue;
	h->sent = m->n_sent;
	h->failed = m->n_failed;
	h->received = m->n_received;
}

void
modem_stop(struct modem *m, void (*done)(struct modem *, void *), void *arg)
{
	struct modem_record rec = { .type = MODEM_REC_STOP };

	m->stopping = 1;
	m->stopped = done;
	m->stopped_arg = arg;
	modem_send_record(m->loop_fd, &rec);
}

void
modem_free(struct modem *m)
{
	if (m == NULL)
		return;
	if (m->thread_started) {
		/* Only when stopping failed: don't leave the thread running. */
		struct modem_record rec = { .type = MODEM_REC_STOP };
		modem_send_record(m->loop_fd, &rec);
		pthread_join(m->thread, NULL);
	}
	if (m->ev != NULL)
		event_free(m->ev);
	close(m->loop_fd);
	close(m->worker_fd);
	pthread_mutex_destroy(&m->health_lock);
	free(m);
}
