/*
 * modem.c: the worker thread that owns one modem's libgammu state machine.
 *
 * The worker connects (entering the PIN at most once), then loops: apply
 * the loop's commands (release: delete from the SIM; send: queue), submit
 * the next part of the message being sent when the rate limit allows, read
 * the SIM when the poll interval has passed or a +CMTI came, check the
 * modem's health now and then, and read the device between waits so that
 * +CMTI, +CMT and +CDS lines are seen. Worker and loop exchange only
 * records over a SOCK_SEQPACKET socketpair (one fixed size per record
 * type); a received message travels as a pointer the loop then owns.
 *
 * A watchdog on the loop aborts any libgammu call that outlives the
 * modem's configured timeout (GSM_AbortOperation only sets a flag and is
 * documented as safe from another thread). An aborted, unplugged or
 * failing modem is "lost": its queued messages are answered ok=0 (the
 * outbox retries them elsewhere), its state machine is freed and a new one
 * connects with backoff.
 *
 * Must never happen here: deleting a message before the loop released it,
 * calling libgammu without holding gammu_lock or from a gammu callback,
 * answering a queued message twice or never, entering a PIN again after
 * the SIM refused it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <gammu.h>

#include "latency.h"
#include "log.h"
#include "modem.h"

#define MODEM_MAX_PENDING 1024	/* messages handed over, not yet released */
#define MODEM_MAX_PARTIAL 256	/* incomplete multipart sets remembered */
#define MODEM_MAX_CAUGHT 32	/* +CDS/+CMT caught during one call */
#define MODEM_SLICE_MS 200	/* longest wait without reading the device */
#define MODEM_WATCHDOG_MS 250	/* how often the loop checks for hung calls */
#define MODEM_FAIL_STREAK 5	/* sends failing in a row: re-initialise */

/* Serialises every libgammu call in the process (shared static buffers). */
static pthread_mutex_t gammu_lock = PTHREAD_MUTEX_INITIALIZER;

enum modem_record_type {
	MODEM_REC_RECEIVED,	/* worker -> loop: a message (sms set) */
	MODEM_REC_STOPPED,	/* worker -> loop: the thread is ending */
	MODEM_REC_SENT,		/* worker -> loop: a send's outcome */
	MODEM_REC_DELIVERY,	/* worker -> loop: a status report */
	MODEM_REC_HEALTH,	/* worker -> loop: health changed */
	MODEM_REC_RELEASE,	/* loop -> worker: delete token from the SIM */
	MODEM_REC_STOP,		/* loop -> worker: stop */
	MODEM_REC_SEND,		/* loop -> worker: queue a message */
};

struct modem_outgoing {
	uint64_t id;
	char number[32];
	char text[MODEM_TEXT_MAX];
};

/* The only thing that crosses between threads; sent with the size of the
 * header plus the union member its type uses. */
struct modem_record {
	enum modem_record_type type;
	uint64_t token;
	struct inbound_sms *sms;
	union {
		struct modem_outgoing out;
		struct modem_send_result sent;
		struct modem_delivery delivery;
		struct modem_health health;
	} u;
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
	modem_sent_cb sent_cb;
	modem_delivery_cb delivery_cb;
	void *send_arg;
	void (*stopped)(struct modem *, void *);
	void *stopped_arg;

	int loop_fd, worker_fd;	/* the two ends of the socketpair */
	struct event *ev;
	struct event *watchdog;
	pthread_t thread;
	int thread_started;

	/* Loop-side state: touched by the loop's thread only. */
	struct modem_health health;	/* the worker's last report + counts */
	int stopping;

	/* Shared with the watchdog, under call_lock. */
	pthread_mutex_t call_lock;
	GSM_StateMachine *call_gsm;	/* in a libgammu call, or NULL */
	long long call_deadline_ms;
	int call_aborted;

	/* Worker-side state below: touched by the worker thread only. */
	GSM_StateMachine *gsm;
	int connected;
	int lost;		/* failed: disconnect and reconnect */
	int halted;		/* PIN problem: never reconnect */
	int pin_refused;
	char problem[128];
	uint64_t next_token;
	struct modem_pending *pending;
	int n_pending;
	GSM_SMSMessage *backlog;	/* read, not handed over: pending cap */
	int n_backlog, backlog_cap;
	int poll_now;		/* a +CMTI came */
	struct modem_partial partial[MODEM_MAX_PARTIAL];
	int n_partial;
	int stop;

	/* sending */
	struct modem_outgoing queue[MODEM_SEND_QUEUE_MAX];
	int q_head, q_len;
	GSM_MultiSMSMessage *multi;	/* parts of queue[q_head], or NULL */
	int part;			/* next part to submit */
	int last_ref;
	long long next_send_ms;
	int fail_streak;	/* messages refused in a row */

	/* what the gammu callbacks saw (set inside calls, read after) */
	int st_seen, st_status, st_mr;
	GSM_SMSMessage caught[MODEM_MAX_CAUGHT];
	int n_caught;
	int ussd_seen;
	char ussd_text[4 * GSM_MAX_USSD_LENGTH + 1];

	struct modem_health wh;		/* the worker's view */
	struct modem_health published;	/* last sent to the loop */
	long long next_health_ms;
	long long next_poll_ms;
};

static long long
modem_min(long long a, long long b)
{
	return a < b ? a : b;
}

static long long
modem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static size_t
modem_record_size(enum modem_record_type type)
{
	size_t head = offsetof(struct modem_record, u);

	switch (type) {
	case MODEM_REC_SEND:
		return head + sizeof(struct modem_outgoing);
	case MODEM_REC_SENT:
		return head + sizeof(struct modem_send_result);
	case MODEM_REC_DELIVERY:
		return head + sizeof(struct modem_delivery);
	case MODEM_REC_HEALTH:
		return head + sizeof(struct modem_health);
	default:
		return head;
	}
}

static int
modem_send_record(int fd, const struct modem_record *rec)
{
	size_t size = modem_record_size(rec->type);
	ssize_t n;

	do
		n = send(fd, rec, size, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)size) {
		log_error("modem: cannot pass a record between threads: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * After handing a message over, let the loop run. The kernel tends to
 * wake the loop thread on the worker's own CPU, where it would wait (up to
 * a few ms, measured) while the worker goes on reading the SIM; yielding
 * lets it take the message at once (worker read -> commit, bench_receive).
 */
static void
modem_yield_to_loop(void)
{
	sched_yield();
}

/* --- worker side: libgammu calls ------------------------------------- */

/* Take the process-wide lock and arm the watchdog for this call. */
static void
modem_lock(struct modem *m, int timeout_ms)
{
	pthread_mutex_lock(&gammu_lock);
	pthread_mutex_lock(&m->call_lock);
	m->call_gsm = m->gsm;
	m->call_deadline_ms = modem_now_ms() + timeout_ms;
	m->call_aborted = 0;
	pthread_mutex_unlock(&m->call_lock);
}

/* Disarm the watchdog; an aborted call leaves the state machine unusable
 * (gammu's abort flag is never cleared), so the modem is then lost. */
static void
modem_unlock(struct modem *m)
{
	int aborted;

	pthread_mutex_lock(&m->call_lock);
	aborted = m->call_aborted;
	m->call_gsm = NULL;
	m->call_aborted = 0;
	pthread_mutex_unlock(&m->call_lock);
	pthread_mutex_unlock(&gammu_lock);
	if (aborted && !m->lost) {
		m->lost = 1;
		snprintf(m->problem, sizeof m->problem,
		    "not answering (no reply within %d s)", m->cfg.timeout_s);
	}
}

/* Whether the watchdog aborted the current call (read by the worker). */
static int
modem_aborted(struct modem *m)
{
	int aborted;

	pthread_mutex_lock(&m->call_lock);
	aborted = m->call_aborted;
	pthread_mutex_unlock(&m->call_lock);
	return aborted;
}

static int
modem_timeout_ms(const struct modem *m)
{
	return m->cfg.timeout_s * 1000;
}

/* Errors after which the modem is not trusted any more. */
static int
modem_err_lost(GSM_Error err)
{
	switch (err) {
	case ERR_DEVICEWRITEERROR:
	case ERR_DEVICEREADERROR:
	case ERR_DEVICENOTEXIST:
	case ERR_DEVICEOPENERROR:
	case ERR_DEVICENOPERMISSION:
	case ERR_DEVICEBUSY:
	case ERR_DEVICECHANGESPEEDERROR:
	case ERR_DEVICEDTRRTSERROR:
	case ERR_DEVICEPARITYERROR:
	case ERR_DEVICELOCKED:
	case ERR_TIMEOUT:
	case ERR_ABORTED:
	case ERR_NOTCONNECTED:
		return 1;
	default:
		return 0;
	}
}

static void
modem_set_lost(struct modem *m, const char *what, GSM_Error err)
{
	if (m->lost)
		return;
	m->lost = 1;
	snprintf(m->problem, sizeof m->problem, "%s: %s", what,
	    GSM_ErrorString(err));
}

/* Gammu callbacks: run inside a libgammu call; record, never call gammu. */
static void
modem_sms_cb(GSM_StateMachine *s, GSM_SMSMessage *sms, void *arg)
{
	struct modem *m = arg;

	(void)s;
	if (sms->PDU != SMS_Status_Report && sms->State == 0) {
		/* +CMTI: stored; read it (a send-only modem leaves it). */
		if (m->cfg.role & MODEM_ROLE_RECEIVE)
			m->poll_now = 1;
		return;
	}
	if (m->n_caught < MODEM_MAX_CAUGHT)
		m->caught[m->n_caught++] = *sms;
	else if (m->cfg.role & MODEM_ROLE_RECEIVE)
		m->poll_now = 1;
}

static void
modem_status_cb(GSM_StateMachine *s, int status, int mr, void *arg)
{
	struct modem *m = arg;

	(void)s;
	m->st_seen = 1;
	m->st_status = status;
	m->st_mr = mr;
}

static void
modem_ussd_cb(GSM_StateMachine *s, GSM_USSDMessage *ussd, void *arg)
{
	struct modem *m = arg;

	(void)s;
	EncodeUTF8(m->ussd_text, ussd->Text);
	m->ussd_seen = 1;
}

static void
modem_disconnect(struct modem *m)
{
	pthread_mutex_lock(&gammu_lock);
	if (m->gsm != NULL) {
		if (GSM_IsConnected(m->gsm))
			GSM_TerminateConnection(m->gsm);
		GSM_FreeStateMachine(m->gsm);
	}
	m->gsm = NULL;
	pthread_mutex_unlock(&gammu_lock);
	m->connected = 0;
	m->wh.connected = 0;
	m->wh.healthy = 0;
	m->wh.signal_percent = -1;	/* unknown until the next check */
	free(m->backlog);		/* read again after the reconnect */
	m->backlog = NULL;
	m->n_backlog = 0;
	m->backlog_cap = 0;
	m->wh.network[0] = '\0';
}

/* Stop for good: a SIM problem that retrying would make worse. */
static void modem_halt(struct modem *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
modem_halt(struct modem *m, const char *fmt, ...)
{
	va_list ap;

	m->halted = 1;
	va_start(ap, fmt);
	vsnprintf(m->problem, sizeof m->problem, fmt, ap);
	va_end(ap);
	log_error("modem %s: %s; the modem is stopped until farold is "
	    "restarted", m->cfg.name, m->problem);
	modem_disconnect(m);
}

/* Enter the PIN if the SIM asks for one, once in the modem's life. */
static int
modem_unlock_sim(struct modem *m)
{
	GSM_SecurityCodeType st = SEC_None;
	GSM_SecurityCode code;
	GSM_Error err;

	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetSecurityStatus(m->gsm, &st);
	modem_unlock(m);
	if (err != ERR_NONE) {
		if (modem_err_lost(err) || m->lost) {
			modem_set_lost(m, "asking for the SIM status", err);
			return -1;
		}
		log_debug("modem %s: SIM status unknown (%s)", m->cfg.name,
		    GSM_ErrorString(err));
		return 0;
	}
	if (st == SEC_None)
		return 0;
	if (st != SEC_Pin) {
		modem_halt(m, "the SIM is locked (%s needed)",
		    st == SEC_Puk ? "PUK" : "another code");
		return -1;
	}
	if (m->cfg.pin[0] == '\0') {
		modem_halt(m, "the SIM asks for a PIN and none is configured");
		return -1;
	}
	if (m->pin_refused) {
		modem_halt(m, "the SIM refused the PIN before");
		return -1;
	}
	memset(&code, 0, sizeof code);
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof code.Code, "%s", m->cfg.pin);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_EnterSecurityCode(m->gsm, &code);
	modem_unlock(m);
	memset(&code, 0, sizeof code);
	if (err == ERR_NONE) {
		log_info("modem %s: PIN accepted", m->cfg.name);
		return 0;
	}
	if (m->lost || modem_err_lost(err)) {
		/* Not refused, not answered: the next connect may try it. */
		modem_set_lost(m, "entering the PIN", err);
		return -1;
	}
	m->pin_refused = 1;
	modem_halt(m, "the SIM refused the configured PIN (%s); it is never "
	    "entered twice, check it before the SIM locks",
	    GSM_ErrorString(err));
	return -1;
}

static void modem_read_commands(struct modem *m, int timeout_ms);

static speed_t
modem_speed(const char *connection)
{
	long baud = strtol(connection + 2, NULL, 10);	/* "at115200" */

	switch (baud) {
	case 9600:
		return B9600;
	case 38400:
		return B38400;
	case 57600:
		return B57600;
	case 115200:
		return B115200;
	case 230400:
		return B230400;
	case 460800:
		return B460800;
	default:
		return B19200;	/* gammu's "at" */
	}
}

/*
 * Does anything answer "AT" on the device? Asked without libgammu, so a
 * hung modem does not hold the process-wide lock (which GSM_InitConnection
 * would, for up to four timeouts, starving the other modems). AT
 * connections only; 0 when it answered, -1 with the problem set.
 */
static int
modem_probe(struct modem *m)
{
	struct termios t;
	struct pollfd pfd;
	char buf[256];
	size_t len = 0;
	ssize_t n;
	long long end;
	int fd, answered = 0;

	if (strncmp(m->cfg.connection, "at", 2) != 0)
		return 0;
	fd = open(m->cfg.device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(m->problem, sizeof m->problem, "cannot open %.60s: "
		    "%s", m->cfg.device, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, modem_speed(m->cfg.connection));
		t.c_cflag |= CLOCAL | CREAD;
		tcsetattr(fd, TCSANOW, &t);
	}
	tcflush(fd, TCIOFLUSH);
	/* ESC first, as gammu does: a modem left waiting for the PDU of an
	 * interrupted AT+CMGS would take "AT" as message text. */
	if (write(fd, "\033\rAT\r", 5) != 5) {
		snprintf(m->problem, sizeof m->problem, "cannot write to "
		    "%.60s: %s", m->cfg.device, strerror(errno));
		close(fd);
		return -1;
	}
	end = modem_now_ms() + modem_timeout_ms(m);
	while (!answered && modem_now_ms() < end) {
		modem_read_commands(m, 0);	/* a stop ends the wait */
		if (m->stop)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)modem_min(end - modem_now_ms(),
		    MODEM_SLICE_MS)) <= 0)
			continue;
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		answered = strstr(buf, "OK") != NULL ||
		    strstr(buf, "ERROR") != NULL;
		if (len == sizeof buf - 1)
			len = 0;
	}
	close(fd);
	if (!answered) {
		snprintf(m->problem, sizeof m->problem, "not answering (no "
		    "reply to AT within %d s)", m->cfg.timeout_s);
		return -1;
	}
	return 0;
}

static int
modem_connect(struct modem *m)
{
	GSM_Config *gc;
	GSM_Error err;

	if (modem_probe(m) != 0)
		return -1;
	pthread_mutex_lock(&gammu_lock);
	m->gsm = GSM_AllocStateMachine();
	if (m->gsm != NULL) {
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
	}
	pthread_mutex_unlock(&gammu_lock);
	if (m->gsm == NULL) {
		snprintf(m->problem, sizeof m->problem, "out of memory");
		return -1;
	}

	m->lost = 0;
	modem_lock(m, 4 * modem_timeout_ms(m));	/* ~15 commands */
	err = GSM_InitConnection(m->gsm, 1);
	modem_unlock(m);
	if (err != ERR_NONE || m->lost) {
		if (!m->lost || err != ERR_ABORTED)
			snprintf(m->problem, sizeof m->problem,
			    "cannot connect to %.60s: %s", m->cfg.device,
			    GSM_ErrorString(err));
		m->lost = 0;
		modem_disconnect(m);
		return -1;
	}
	/* InitConnection cleared every callback: install them again. */
	pthread_mutex_lock(&gammu_lock);
	GSM_SetIncomingSMSCallback(m->gsm, modem_sms_cb, m);
	GSM_SetSendSMSStatusCallback(m->gsm, modem_status_cb, m);
	GSM_SetIncomingUSSDCallback(m->gsm, modem_ussd_cb, m);
	pthread_mutex_unlock(&gammu_lock);

	if (modem_unlock_sim(m) != 0) {
		if (!m->halted)
			modem_disconnect(m);
		return -1;
	}
	/* +CMTI for receiving, +CDS for the delivery reports of sends. */
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_SetIncomingSMS(m->gsm, TRUE);
	modem_unlock(m);
	if (m->lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for notifications", err);
		modem_disconnect(m);
		return -1;
	}
	if (err != ERR_NONE)
		log_warn("modem %s: no +CMTI/+CDS notifications (%s); "
		    "polling only", m->cfg.name, GSM_ErrorString(err));
	m->connected = 1;
	m->problem[0] = '\0';
	return 0;
}

/* --- worker side: health --------------------------------------------- */

static void
modem_health_publish(struct modem *m)
{
	struct modem_record rec;
	char line[512];

	m->wh.connected = m->connected && !m->lost;
	m->wh.healthy = m->connected && !m->lost && !m->halted &&
	    m->problem[0] == '\0';
	snprintf(m->wh.problem, sizeof m->wh.problem, "%s", m->problem);
	if (memcmp(&m->wh, &m->published, sizeof m->wh) == 0)
		return;
	snprintf(line, sizeof line, "modem %s: health: connected=%d "
	    "healthy=%d signal=%d%% network=\"%s\" sim=%d/%d "
	    "balance=\"%s\" problem=\"%s\"", m->cfg.name, m->wh.connected,
	    m->wh.healthy, m->wh.signal_percent, m->wh.network,
	    m->wh.sim_used, m->wh.sim_total, m->wh.balance, m->wh.problem);
	if (m->wh.healthy)
		log_info("%s", line);
	else
		log_warn("%s", line);
	m->published = m->wh;
	memset(&rec, 0, offsetof(struct modem_record, u));
	rec.type = MODEM_REC_HEALTH;
	rec.u.health = m->wh;
	modem_send_record(m->worker_fd, &rec);
}

static const char *
modem_network_state(GSM_NetworkInfo_State st)
{
	switch (st) {
	case GSM_HomeNetwork:
		return "home";
	case GSM_RoamingNetwork:
		return "roaming";
	case GSM_RequestingNetwork:
		return "searching";
	case GSM_NoNetwork:
		return "no network";
	case GSM_RegistrationDenied:
		return "registration denied";
	default:
		return "unknown";
	}
}

/* The first number in a balance answer ("Saldo: 123,45 CVE"), or -1. */
static double
modem_balance_value(const char *text)
{
	const char *p = text;
	char num[32];
	size_t n = 0;

	while (*p != '\0' && (*p < '0' || *p > '9'))
		p++;
	if (*p == '\0')
		return -1;
	while (n + 1 < sizeof num && ((*p >= '0' && *p <= '9') ||
	    ((*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9'))) {
		num[n++] = *p == ',' ? '.' : *p;
		p++;
	}
	num[n] = '\0';
	return strtod(num, NULL);
}

static void
modem_check_balance(struct modem *m)
{
	GSM_Error err;
	long long end;
	double value;

	m->ussd_seen = 0;
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_SetIncomingUSSD(m->gsm, TRUE);
	if (err == ERR_NONE)
		err = GSM_DialService(m->gsm, m->cfg.balance_ussd);
	end = modem_now_ms() + modem_timeout_ms(m);
	while (err == ERR_NONE && !m->ussd_seen && modem_now_ms() < end &&
	    !modem_aborted(m))
		GSM_ReadDevice(m->gsm, TRUE);
	modem_unlock(m);
	if (m->lost)
		return;
	if (err != ERR_NONE || !m->ussd_seen) {
		if (modem_err_lost(err))
			modem_set_lost(m, "asking for the balance", err);
		else
			log_warn("modem %s: no answer to %s: %s", m->cfg.name,
			    m->cfg.balance_ussd, err != ERR_NONE ?
			    GSM_ErrorString(err) : "timeout");
		return;
	}
	snprintf(m->wh.balance, sizeof m->wh.balance, "%.63s", m->ussd_text);
	value = modem_balance_value(m->ussd_text);
	if (m->cfg.balance_warn > 0 && value >= 0 &&
	    value < m->cfg.balance_warn)
		log_warn("modem %s: airtime balance low: \"%s\" (warning "
		    "below %d)", m->cfg.name, m->ussd_text,
		    m->cfg.balance_warn);
}

static void
modem_check_health(struct modem *m)
{
	GSM_SignalQuality sig;
	GSM_NetworkInfo ni;
	GSM_SMSMemoryStatus ms;
	GSM_Error err;
	char name[sizeof ni.NetworkName * 2];

	memset(&sig, 0, sizeof sig);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetSignalQuality(m->gsm, &sig);
	modem_unlock(m);
	if (m->lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for the signal", err);
		return;
	}
	m->wh.signal_percent = err == ERR_NONE ? sig.SignalPercent : -1;

	memset(&ni, 0, sizeof ni);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetNetworkInfo(m->gsm, &ni);
	modem_unlock(m);
	if (m->lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for the network", err);
		return;
	}
	if (err == ERR_NONE) {
		EncodeUTF8(name, ni.NetworkName);
		snprintf(m->wh.network, sizeof m->wh.network, "%s %.40s",
		    modem_network_state(ni.State), name[0] != '\0' ? name :
		    ni.NetworkCode);
	} else
		snprintf(m->wh.network, sizeof m->wh.network, "unknown");

	memset(&ms, 0, sizeof ms);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetSMSStatus(m->gsm, &ms);
	modem_unlock(m);
	if (m->lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for the SIM use", err);
		return;
	}
	if (err == ERR_NONE) {
		m->wh.sim_used = ms.SIMUsed;
		m->wh.sim_total = ms.SIMSize;
		if (ms.SIMSize > 0 && ms.SIMUsed >= ms.SIMSize)
			log_warn("modem %s: the SIM is full (%d of %d)",
			    m->cfg.name, ms.SIMUsed, ms.SIMSize);
	}
	if (m->cfg.balance_ussd[0] != '\0')
		modem_check_balance(m);
}

/* --- worker side: sending -------------------------------------------- */

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
	modem_send_record(m->worker_fd, &rec);
}

/* Answer the message at the head of the queue and drop it. */
static void
modem_finish(struct modem *m, int ok, const char *cause)
{
	struct modem_outgoing *o = &m->queue[m->q_head];

	if (ok)
		log_info("modem %s: sent message %llu (%d part(s), "
		    "reference %d)", m->cfg.name, (unsigned long long)o->id,
		    m->multi != NULL ? m->multi->Number : 0, m->last_ref);
	else
		log_warn("modem %s: message %llu not sent: %s", m->cfg.name,
		    (unsigned long long)o->id, cause);
	modem_result(m, o->id, ok, ok ? m->last_ref : -1, cause);
	free(m->multi);
	m->multi = NULL;
	m->part = 0;
	m->last_ref = -1;
	memset(o, 0, sizeof *o);
	m->q_head = (m->q_head + 1) % MODEM_SEND_QUEUE_MAX;
	m->q_len--;
}

/* Answer every queued message ok=0 (they go to another modem). */
static void
modem_fail_queue(struct modem *m, const char *cause)
{
	char why[128];

	while (m->q_len > 0) {
		if (m->multi != NULL && m->part > 0)
			snprintf(why, sizeof why, "%s (after part %d of %d)",
			    cause, m->part, m->multi->Number);
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
	GSM_Error err;
	int i;

	if ((m->multi = calloc(1, sizeof *m->multi)) == NULL)
		return -1;
	GSM_ClearMultiPartSMSInfo(&info);
	info.EntriesNum = 1;
	info.Entries[0].ID = SMS_ConcatenatedAutoTextLong;
	info.Entries[0].Buffer = ucs;
	pthread_mutex_lock(&gammu_lock);
	DecodeUTF8(ucs, o->text, strlen(o->text));
	/* Auto: GSM 7-bit when every character has a code there, UCS-2
	 * otherwise; never a transliteration. */
	err = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &info, m->multi);
	pthread_mutex_unlock(&gammu_lock);
	if (err != ERR_NONE || m->multi->Number < 1)
		return -1;
	for (i = 0; i < m->multi->Number; i++) {
		GSM_SMSMessage *p = &m->multi->SMS[i];

		p->SMSC.Location = 1;	/* the SIM's SMSC (AT+CSCA?) */
		EncodeUnicode(p->Number, o->number, strlen(o->number));
		p->PDU = SMS_Status_Report;	/* a delivery report, please */
	}
	return 0;
}

/* A message failed while the modem answered: after several in a row the
 * modem itself is suspect (SIM, network registration): re-initialise. */
static void
modem_count_failure(struct modem *m)
{
	if (m->lost || ++m->fail_streak < MODEM_FAIL_STREAK)
		return;
	m->lost = 1;
	snprintf(m->problem, sizeof m->problem, "keeps failing (%d "
	    "messages in a row not sent)", m->fail_streak);
	m->fail_streak = 0;
}

/* Submit the next part of the head message; the rate limit is checked by
 * the caller. */
static void
modem_send_part(struct modem *m)
{
	struct modem_outgoing *o = &m->queue[m->q_head];
	char cause[128];
	GSM_Error err;
	long long end;

	if (m->multi == NULL && modem_encode(m, o) != 0) {
		modem_finish(m, 0, "cannot encode the text");
		return;
	}
	m->st_seen = 0;
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_SendSMS(m->gsm, &m->multi->SMS[m->part]);
	/* The +CMGS answer is read later: pump until the status callback. */
	end = modem_now_ms() + modem_timeout_ms(m);
	while (err == ERR_NONE && !m->st_seen && modem_now_ms() < end &&
	    !modem_aborted(m))
		GSM_ReadDevice(m->gsm, TRUE);
	modem_unlock(m);
	m->next_send_ms = modem_now_ms() + 60000 / m->cfg.send_per_minute;
	if (err != ERR_NONE) {
		if (modem_err_lost(err) || m->lost)
			modem_set_lost(m, "sending", err);
		/* Aborted by the watchdog: gammu's own error says little. */
		snprintf(cause, sizeof cause, "part %d of %d: %.90s", m->part + 1,
		    m->multi->Number, m->lost ? m->problem :
		    GSM_ErrorString(err));
		modem_finish(m, 0, cause);
		modem_count_failure(m);
		return;
	}
	if (!m->st_seen) {
		if (!m->lost) {
			m->lost = 1;
			snprintf(m->problem, sizeof m->problem, "not "
			    "answering (no result for a submitted SMS "
			    "within %d s)", m->cfg.timeout_s);
		}
		snprintf(cause, sizeof cause, "part %d of %d: no answer from "
		    "the modem", m->part + 1, m->multi->Number);
		modem_finish(m, 0, cause);
		return;
	}
	if (m->st_status != 0) {
		snprintf(cause, sizeof cause, "part %d of %d refused by the "
		    "network (+CMS ERROR %d)", m->part + 1, m->multi->Number,
		    m->st_status);
		modem_finish(m, 0, cause);
		modem_count_failure(m);
		return;
	}
	m->last_ref = m->st_mr;
	if (++m->part == m->multi->Number) {
		modem_finish(m, 1, "");
		m->fail_streak = 0;
	}
}

/* --- worker side: receiving ------------------------------------------ */

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

	for (int i = 0; i < p->n && !m->lost; i++) {
		memset(&sms, 0, sizeof sms);
		sms.Folder = 0;
		sms.Location = p->locations[i];
		modem_lock(m, modem_timeout_ms(m));
		err = GSM_DeleteSMS(m->gsm, &sms);
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
	*p = m->pending[--m->n_pending];
}

/* Delete from the SIM every message the loop has released. */
static void
modem_delete_released(struct modem *m)
{
	for (int i = 0; i < m->n_pending && !m->lost; )
		if (m->pending[i].released)
			modem_delete(m, &m->pending[i]);
		else
			i++;
}

static void
modem_queue_send(struct modem *m, const struct modem_outgoing *o)
{
	const char *why = NULL;

	if (!(m->cfg.role & MODEM_ROLE_SEND))
		why = "this modem only receives";
	else if (m->halted || m->lost || !m->connected)
		why = m->problem[0] != '\0' ? m->problem : "not connected";
	else if (m->q_len == MODEM_SEND_QUEUE_MAX)
		why = "the modem's send queue is full";
	if (why != NULL) {
		modem_result(m, o->id, 0, -1, why);
		return;
	}
	m->queue[(m->q_head + m->q_len) % MODEM_SEND_QUEUE_MAX] = *o;
	m->q_len++;
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
		if (n < (ssize_t)offsetof(struct modem_record, u))
			return;
		if (rec.type == MODEM_REC_STOP)
			m->stop = 1;
		else if (rec.type == MODEM_REC_RELEASE &&
		    (p = modem_find_pending(m, rec.token)) != NULL) {
			p->released = 1;
		} else if (rec.type == MODEM_REC_SEND &&
		    n == (ssize_t)modem_record_size(MODEM_REC_SEND)) {
			rec.u.out.number[sizeof rec.u.out.number - 1] = '\0';
			rec.u.out.text[sizeof rec.u.out.text - 1] = '\0';
			modem_queue_send(m, &rec.u.out);
		}
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
	modem_send_record(m->worker_fd, &rec);
}

/*
 * Build the message for parts[0..n) (sorted by part number) and hand it to
 * the loop. The SIM slots become pending until the loop releases them
 * (none for a +CMT message, which was never stored). Returns -1 when the
 * pending cap is reached.
 */
static int
modem_hand_over(struct modem *m, GSM_SMSMessage **parts, int n, int ref,
    int total, int stored)
{
	struct modem_record rec;
	struct inbound_sms *in;
	struct modem_pending *p;
	unsigned char *ucs;
	size_t units = 0, len;
	int i;

	if (parts[0]->PDU == SMS_Status_Report) {
		modem_report(m, parts[0]);
		if (!stored || m->n_pending == MODEM_MAX_PENDING)
			return 0;
		/* Stored on the SIM: delete it, nothing else to keep. */
		p = &m->pending[m->n_pending++];
		p->token = ++m->next_token;
		p->released = 1;
		p->n = 1;
		p->locations[0] = parts[0]->Location;
		return 0;
	}
	if (m->n_pending == MODEM_MAX_PENDING)
		return -1;	/* the loop is behind: kept in the backlog */
	if ((in = calloc(1, sizeof *in)) == NULL)
		return 0;
	in->read_us = latency_now_us();
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

	if (parts[0]->Coding == SMS_Coding_8bit) {
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
		return 0;
	}

	p = &m->pending[m->n_pending++];
	p->token = in->token = ++m->next_token;
	p->released = 0;
	p->n = stored ? n : 0;
	for (i = 0; i < p->n; i++)
		p->locations[i] = parts[i]->Location;
	memset(&rec, 0, offsetof(struct modem_record, u));
	rec.type = MODEM_REC_RECEIVED;
	rec.sms = in;
	rec.token = in->token;
	modem_send_record(m->worker_fd, &rec);
	modem_yield_to_loop();
	return 0;
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
	if (m->n_partial == MODEM_MAX_PARTIAL)
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

/* Keep messages the pending cap refused, to hand over without reading
 * the SIM again (if memory runs out they are simply read again). */
static void
modem_backlog_add(struct modem *m, GSM_SMSMessage **set, int k)
{
	GSM_SMSMessage *grown;

	if (m->n_backlog + k > m->backlog_cap) {
		int cap = m->backlog_cap ? m->backlog_cap * 2 : 64;

		while (cap < m->n_backlog + k)
			cap *= 2;
		grown = realloc(m->backlog, (size_t)cap * sizeof *grown);
		if (grown == NULL)
			return;
		m->backlog = grown;
		m->backlog_cap = cap;
	}
	for (int i = 0; i < k; i++)
		m->backlog[m->n_backlog++] = *set[i];
}

/*
 * Group messages into sets and hand over the ready ones; those the pending
 * cap refuses become the backlog. `full`: all is a whole read of the SIM
 * (incomplete sets not in it are forgotten).
 */
static void
modem_process(struct modem *m, GSM_SMSMessage *all, int count, int full)
{
	GSM_SMSMessage *set[MODEM_MAX_PARTS];
	char sender[32], other[32];
	struct modem_partial *partial;
	int *used = calloc((size_t)count + 1, sizeof *used);
	int i, j, n, ref, part, total, r2, p2, t2;

	if (used == NULL)
		return;
	if (full)
		for (i = 0; i < m->n_partial; i++)
			m->partial[i].seen = 0;
	for (i = 0; i < count; i++) {
		if (used[i])
			continue;
		used[i] = 1;
		if (!modem_concat(&all[i], &ref, &part, &total)) {
			set[0] = &all[i];
			if (modem_hand_over(m, set, 1, -1, 1, 1) != 0)
				modem_backlog_add(m, set, 1);
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
			if (modem_hand_over(m, set, n, ref, total, 1) != 0)
				modem_backlog_add(m, set, n);
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
			if (modem_hand_over(m, set, n, ref, total, 1) != 0)
				modem_backlog_add(m, set, n);
		}
	}
	/* Forget sets that are gone (handed over or deleted). */
	for (i = 0; full && i < m->n_partial; )
		if (!m->partial[i].seen)
			m->partial[i] = m->partial[--m->n_partial];
		else
			i++;
	free(used);
}

/* Room for the backlog: all of it, or half the cap (each drain copies what
 * is left, so it must not run for every single release). */
static int
modem_backlog_ready(const struct modem *m)
{
	return m->n_backlog > 0 && (m->n_pending <= MODEM_MAX_PENDING / 2 ||
	    m->n_pending + m->n_backlog <= MODEM_MAX_PENDING);
}

/* Hand over what the pending cap held back, as releases make room. */
static void
modem_drain_backlog(struct modem *m)
{
	GSM_SMSMessage *b = m->backlog;
	int n = m->n_backlog;

	m->backlog = NULL;
	m->n_backlog = 0;
	m->backlog_cap = 0;
	modem_process(m, b, n, 0);	/* refused ones: a new backlog */
	free(b);
}

/* Read the whole SIM; a failure marks the modem lost. */
static void
modem_poll(struct modem *m)
{
	GSM_MultiSMSMessage multi;
	GSM_SMSMessage *all = NULL, *grown;
	GSM_Error err;
	int count = 0, cap = 0, start = 1, i, singles = 0;
	long long t0 = modem_now_ms(), t1;

	memset(&multi, 0, sizeof multi);
	for (;;) {
		multi.SMS[0].Folder = 0;
		modem_lock(m, modem_timeout_ms(m));
		err = GSM_GetNextSMS(m->gsm, &multi, start);
		modem_unlock(m);
		start = 0;
		if (err == ERR_EMPTY)
			break;
		if (err != ERR_NONE || m->lost) {
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
				if (modem_hand_over(m, &one, 1, -1, 1, 1) != 0)
					modem_backlog_add(m, &one, 1);
				singles++;
				continue;
			}
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
	t1 = modem_now_ms();
	modem_process(m, all, count, 1);	/* also ages partial sets */
	free(all);
	if (count + singles > 0)
		log_debug("modem %s: read %d message(s) and %d part(s) in "
		    "%lld ms, handed over in %lld ms", m->cfg.name, singles,
		    count, t1 - t0, modem_now_ms() - t1);
}

/* Messages caught by the callback (+CDS, +CMT): not on the SIM. */
static void
modem_handle_caught(struct modem *m)
{
	GSM_SMSMessage *set[1];
	int i;

	for (i = 0; i < m->n_caught; i++) {
		set[0] = &m->caught[i];
		if (modem_hand_over(m, set, 1, -1, 1, 0) != 0)
			break;	/* the cap: kept until releases make room */
	}
	if (i > 0 && i < m->n_caught)
		memmove(m->caught, m->caught + i,
		    (size_t)(m->n_caught - i) * sizeof m->caught[0]);
	m->n_caught -= i;
}

static void
modem_read_device(struct modem *m)
{
	modem_lock(m, modem_timeout_ms(m));
	GSM_ReadDevice(m->gsm, FALSE);
	modem_unlock(m);
}

/* Health waits while messages are in flight (it costs several commands),
 * unless it is a whole interval late. */
static long long
modem_health_due(const struct modem *m)
{
	if (m->n_pending == 0 && m->n_backlog == 0 && !m->poll_now &&
	    m->n_caught == 0)
		return m->next_health_ms;
	return m->next_health_ms + m->cfg.health_interval_s * 1000LL;
}

/* Connected: one round of work, then wait for the next thing to do. */
static void
modem_work(struct modem *m)
{
	long long now, wake;

	modem_read_commands(m, 0);
	modem_delete_released(m);
	modem_handle_caught(m);
	now = modem_now_ms();
	if (!m->lost && m->q_len > 0 && now >= m->next_send_ms)
		modem_send_part(m);
	modem_handle_caught(m);
	now = modem_now_ms();
	/* The cap held messages back: hand them over as soon as releases
	 * make room, without reading the SIM again; poll only once empty. */
	if (!m->lost && modem_backlog_ready(m))
		modem_drain_backlog(m);
	if (!m->lost && (m->cfg.role & MODEM_ROLE_RECEIVE) &&
	    m->n_backlog == 0 && (m->poll_now || now >= m->next_poll_ms)) {
		m->poll_now = 0;
		modem_poll(m);
		m->next_poll_ms = modem_now_ms() +
		    m->cfg.poll_interval_s * 1000LL;
	}
	if (!m->lost && now >= modem_health_due(m)) {
		modem_check_health(m);
		m->next_health_ms = modem_now_ms() +
		    m->cfg.health_interval_s * 1000LL;
	}
	modem_health_publish(m);
	if (m->lost || m->stop)
		return;
	now = modem_now_ms();
	wake = modem_health_due(m);
	if (m->cfg.role & MODEM_ROLE_RECEIVE)
		wake = modem_min(wake, m->poll_now ? now : m->next_poll_ms);
	if (m->q_len > 0)
		wake = modem_min(wake, m->next_send_ms);
	for (int i = 0; i < m->n_pending; i++)
		if (m->pending[i].released)
			wake = now;	/* never sleep with deletions to do */
	if ((m->n_caught > 0 && m->n_pending < MODEM_MAX_PENDING) ||
	    modem_backlog_ready(m))
		wake = now;
	if (wake > now)
		modem_read_commands(m, (int)modem_min(wake - now,
		    MODEM_SLICE_MS));
	if (!m->lost)
		modem_read_device(m);
}

/* Wait ms (applying commands meanwhile), unless asked to stop. */
static void
modem_wait(struct modem *m, int ms)
{
	long long end = modem_now_ms() + ms, now;

	while (!m->stop && (now = modem_now_ms()) < end)
		modem_read_commands(m, (int)(end - now));
}

static void *
modem_main(void *arg)
{
	struct modem *m = arg;
	struct modem_record rec;
	int backoff_s = 1;

	while (!m->stop) {
		if (m->halted) {
			modem_fail_queue(m, m->problem);
			modem_health_publish(m);
			modem_wait(m, 1000);
			continue;
		}
		if (!m->connected) {
			if (modem_connect(m) != 0) {
				modem_fail_queue(m, m->problem);
				modem_health_publish(m);
				if (m->halted)
					continue;
				log_warn("modem %s: %s; retrying in %d s",
				    m->cfg.name, m->problem, backoff_s);
				modem_wait(m, backoff_s * 1000);
				backoff_s = backoff_s < 60 ? backoff_s * 2 : 60;
				continue;
			}
			backoff_s = 1;
			m->next_poll_ms = 0;
			m->next_health_ms = modem_now_ms();
			log_info("modem %s: connected (%s, %s)", m->cfg.name,
			    m->cfg.connection, m->cfg.model);
		}
		modem_work(m);
		if (m->lost) {
			log_warn("modem %s: %s; re-initialising", m->cfg.name,
			    m->problem);
			modem_fail_queue(m, m->problem);
			modem_disconnect(m);
			m->lost = 0;
			modem_health_publish(m);
		}
	}
	modem_fail_queue(m, "the modem was stopped");
	if (m->connected && !m->lost)
		modem_delete_released(m);
	modem_disconnect(m);
	memset(&rec, 0, sizeof rec);
	rec.type = MODEM_REC_STOPPED;
	modem_send_record(m->worker_fd, &rec);
	return NULL;
}

/* --- loop side ------------------------------------------------------- */

static void
modem_record_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;
	struct modem_record rec;
	ssize_t n;

	(void)what;
	while ((n = recv(fd, &rec, sizeof rec, MSG_DONTWAIT)) >=
	    (ssize_t)offsetof(struct modem_record, u)) {
		switch (rec.type) {
		case MODEM_REC_RECEIVED:
			m->health.received++;
			m->cb(rec.sms, m->cb_arg);
			break;
		case MODEM_REC_SENT:
			m->health.send_queue--;
			if (rec.u.sent.ok)
				m->health.sent++;
			else
				m->health.failed++;
			if (m->sent_cb != NULL)
				m->sent_cb(&rec.u.sent, m->send_arg);
			break;
		case MODEM_REC_DELIVERY:
			if (m->delivery_cb != NULL)
				m->delivery_cb(&rec.u.delivery, m->send_arg);
			break;
		case MODEM_REC_HEALTH: {
			int queued = m->health.send_queue;
			long long s = m->health.sent, f = m->health.failed;
			long long r = m->health.received;

			m->health = rec.u.health;
			m->health.send_queue = queued;
			m->health.sent = s;
			m->health.failed = f;
			m->health.received = r;
			break;
		}
		case MODEM_REC_STOPPED:
			pthread_join(m->thread, NULL);
			m->thread_started = 0;
			event_del(m->ev);
			event_del(m->watchdog);
			log_info("modem %s: stopped", m->cfg.name);
			if (m->stopped != NULL)
				m->stopped(m, m->stopped_arg);
			return;	/* the callback may have freed m */
		default:
			break;
		}
	}
}

/* Abort a libgammu call that outlived the modem's timeout. */
static void
modem_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&m->call_lock);
	if (m->call_gsm != NULL && !m->call_aborted &&
	    modem_now_ms() > m->call_deadline_ms) {
		GSM_AbortOperation(m->call_gsm);
		m->call_aborted = 1;
		log_warn("modem %s: a command took longer than %d s; "
		    "aborting it", m->cfg.name, m->cfg.timeout_s);
	}
	pthread_mutex_unlock(&m->call_lock);
}

struct modem *
modem_start(struct event_base *base, const struct modem_config *mc,
    int multipart_timeout_s, modem_receive_cb cb, void *arg,
    const char **cause)
{
	struct timeval tick = { 0, MODEM_WATCHDOG_MS * 1000 };
	struct modem *m;
	int sv[2], size = 1 << 20;

	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->pending = calloc(MODEM_MAX_PENDING, sizeof *m->pending)) ==
	    NULL) {
		if (m != NULL)
			free(m);
		*cause = "out of memory";
		return NULL;
	}
	m->cfg = *mc;
	if (m->cfg.send_per_minute < 1)
		m->cfg.send_per_minute = 10;
	if (m->cfg.timeout_s < 1)
		m->cfg.timeout_s = 60;
	if (m->cfg.health_interval_s < 1)
		m->cfg.health_interval_s = 300;
	if (m->cfg.poll_interval_s < 1)
		m->cfg.poll_interval_s = 5;
	m->multipart_timeout_s = multipart_timeout_s;
	m->cb = cb;
	m->cb_arg = arg;
	m->last_ref = -1;
	pthread_mutex_init(&m->call_lock, NULL);
	snprintf(m->health.name, sizeof m->health.name, "%s", mc->name);
	m->health.can_send = (mc->role & MODEM_ROLE_SEND) != 0;
	m->health.can_receive = (mc->role & MODEM_ROLE_RECEIVE) != 0;
	m->health.signal_percent = -1;
	m->wh = m->published = m->health;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		*cause = "cannot create a socketpair";
		free(m->pending);
		free(m);
		return NULL;
	}
	m->loop_fd = sv[0];
	m->worker_fd = sv[1];
	/* Room for a full send queue and many releases (best effort). */
	setsockopt(m->loop_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	evutil_make_socket_nonblocking(m->loop_fd);
	m->ev = event_new(base, m->loop_fd, EV_READ | EV_PERSIST,
	    modem_record_cb, m);
	event_add(m->ev, NULL);
	m->watchdog = event_new(base, -1, EV_PERSIST, modem_watchdog_cb, m);
	event_add(m->watchdog, &tick);
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
	struct modem_record *rec;
	int rc;

	if (!(m->cfg.role & MODEM_ROLE_SEND)) {
		*cause = "this modem only receives";
		return -1;
	}
	if (m->stopping || !m->thread_started) {
		*cause = "the modem is stopped";
		return -1;
	}
	if (!m->health.healthy && m->health.problem[0] != '\0') {
		*cause = "the modem is unhealthy";
		return -1;
	}
	if (m->health.send_queue >= MODEM_SEND_QUEUE_MAX) {
		*cause = "the modem's send queue is full";
		return -1;
	}
	if (strlen(number) >= sizeof rec->u.out.number || number[0] == '\0') {
		*cause = "bad recipient number";
		return -1;
	}
	if (strlen(text) >= sizeof rec->u.out.text) {
		*cause = "text too long";
		return -1;
	}
	if ((rec = calloc(1, sizeof *rec)) == NULL) {
		*cause = "out of memory";
		return -1;
	}
	rec->type = MODEM_REC_SEND;
	rec->u.out.id = id;
	snprintf(rec->u.out.number, sizeof rec->u.out.number, "%s", number);
	snprintf(rec->u.out.text, sizeof rec->u.out.text, "%s", text);
	rc = modem_send_record(m->loop_fd, rec);
	free(rec);
	if (rc != 0) {
		*cause = "the modem's send queue is full";
		return -1;
	}
	m->health.send_queue++;
	return 0;
}

void
modem_get_health(const struct modem *m, struct modem_health *h)
{
	*h = m->health;
}

void
modem_release(struct modem *m, uint64_t token)
{
	struct modem_record rec;

	memset(&rec, 0, offsetof(struct modem_record, u));
	rec.type = MODEM_REC_RELEASE;
	rec.token = token;
	modem_send_record(m->loop_fd, &rec);
}

void
modem_stop(struct modem *m, void (*done)(struct modem *, void *), void *arg)
{
	struct modem_record rec;

	memset(&rec, 0, offsetof(struct modem_record, u));
	rec.type = MODEM_REC_STOP;
	m->stopped = done;
	m->stopped_arg = arg;
	m->stopping = 1;
	modem_send_record(m->loop_fd, &rec);
}

void
modem_free(struct modem *m)
{
	if (m == NULL)
		return;
	if (m->thread_started) {
		/* Only when stopping failed: don't leave the thread running. */
		struct modem_record rec;

		memset(&rec, 0, offsetof(struct modem_record, u));
		rec.type = MODEM_REC_STOP;
		modem_send_record(m->loop_fd, &rec);
		pthread_join(m->thread, NULL);
	}
	if (m->ev != NULL)
		event_free(m->ev);
	if (m->watchdog != NULL)
		event_free(m->watchdog);
	close(m->loop_fd);
	close(m->worker_fd);
	pthread_mutex_destroy(&m->call_lock);
	free(m->pending);
	free(m);
}
