/*
 * modem.c: the loop's side of a modem: starting and stopping its worker,
 * queueing sends and releases, and taking the worker's records.
 *
 * The worker is made of modem_*.c (see modem_private.h for who owns what).
 * Must never happen: deleting a message before the loop released it (the
 * worker deletes only released tokens), losing a release or a `kept' (a
 * full socket keeps it here until the worker takes it: modem_flush),
 * calling libgammu without gammu_lock or from a gammu callback, answering
 * a queued message twice or never, submitting a message before the last
 * ok answer is kept, entering a PIN again after the SIM refused it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cause.h"
#include "log.h"
#include "modem_private.h"

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
			m->loop.health.received++;
			m->loop.cb(rec.sms, m->loop.cb_arg);
			break;
		case MODEM_REC_USSD:
			if (m->loop.ussd_cb != NULL)
				m->loop.ussd_cb(rec.sms, m->loop.ussd_arg);
			else
				inbound_sms_free(rec.sms);
			break;
		case MODEM_REC_SENT:
			m->loop.health.send_queue--;
			if (rec.u.sent.ok)
				m->loop.health.sent++;
			else
				m->loop.health.failed++;
			if (m->loop.sent_cb != NULL)
				m->loop.sent_cb(&rec.u.sent, m->loop.send_arg);
			else if (rec.u.sent.ok)
				modem_result_kept(m, rec.u.sent.id);
			break;
		case MODEM_REC_DELIVERY:
			if (m->loop.delivery_cb != NULL)
				m->loop.delivery_cb(&rec.u.delivery,
				    m->loop.send_arg);
			break;
		case MODEM_REC_HEALTH: {
			int queued = m->loop.health.send_queue;
			long long s = m->loop.health.sent;
			long long f = m->loop.health.failed;
			long long r = m->loop.health.received;

			m->loop.health = rec.u.health;
			m->loop.health.send_queue = queued;
			m->loop.health.sent = s;
			m->loop.health.failed = f;
			m->loop.health.received = r;
			break;
		}
		case MODEM_REC_STOPPED:
			pthread_join(m->loop.thread, NULL);
			m->loop.thread_started = 0;
			event_del(m->loop.ev);
			event_del(m->loop.watchdog);
			event_del(m->loop.flush_ev);
			event_del(m->loop.retry_ev);
			event_del(m->loop.flush_soon);
			m->loop.flush_scheduled = 0;
			log_info("modem %s: stopped", m->cfg.name);
			if (m->loop.stopped != NULL)
				m->loop.stopped(m, m->loop.stopped_arg);
			return;	/* the callback may have freed m */
		default:
			break;
		}
	}
}

/*
 * Pass the queued releases and `kept's, then a queued stop, to the worker.
 * Releases in a row go as one record (up to MODEM_RELEASE_MAX): a batch's
 * commit releases its messages together, and one send wakes the worker
 * once rather than once a message. What a full socket refuses waits
 * until it is writable again (any other failure: a second later), in
 * order, however long that takes.
 */
static void
modem_flush(struct modem *m)
{
	struct modem_loop_side *l = &m->loop;
	struct timeval later = { 1, 0 };
	struct modem_record rec;
	size_t i;
	int failed = 0;

	memset(&rec, 0, offsetof(struct modem_record, u));
	while (l->head < l->n_commands) {
		rec.type = l->commands[l->head].type;
		rec.token = l->commands[l->head].token;
		i = l->head;
		if (rec.type == MODEM_REC_RELEASE) {
			rec.token = 0;
			rec.u.release.n = 0;
			while (i < l->n_commands && rec.u.release.n <
			    MODEM_RELEASE_MAX && l->commands[i].type ==
			    MODEM_REC_RELEASE)
				rec.u.release.tokens[rec.u.release.n++] =
				    l->commands[i++].token;
		} else
			i++;
		if ((failed = modem_send_record(l->fd, &rec)) != 0)
			break;
		l->head = i;
	}
	if (l->head == l->n_commands)
		l->head = l->n_commands = 0;
	if (!failed && l->stop_queued) {
		rec.type = MODEM_REC_STOP;
		rec.token = 0;
		if ((failed = modem_send_record(l->fd, &rec)) == 0)
			l->stop_queued = 0;
	}
	if (!failed)
		return;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		event_add(l->flush_ev, NULL);
	else
		event_add(l->retry_ev, &later);
}

static void
modem_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	(void)fd;
	(void)what;
	m->loop.flush_scheduled = 0;
	modem_flush(m);
}

/* Keep a release or a `kept' until the worker has it, and pass it on
 * when the socket has room; out of memory is fatal here, as dropping a
 * release would keep the message on the SIM until a restart, a `kept'
 * the modem's sends. */
static void
modem_command(struct modem *m, enum modem_record_type type, uint64_t token)
{
	struct modem_loop_side *l = &m->loop;
	struct modem_command *grown;
	size_t cap;

	if (l->n_commands == l->commands_cap && l->head > 0) {
		memmove(l->commands, l->commands + l->head,
		    (l->n_commands - l->head) * sizeof *l->commands);
		l->n_commands -= l->head;
		l->head = 0;
	}
	if (l->n_commands == l->commands_cap) {
		cap = l->commands_cap ? l->commands_cap * 2 : 64;
		if ((grown = reallocarray(l->commands, cap, sizeof *grown)) ==
		    NULL)
			fatalx("modem %s: out of memory keeping a command",
			    m->cfg.name);
		l->commands = grown;
		l->commands_cap = cap;
	}
	l->commands[l->n_commands].type = type;
	l->commands[l->n_commands++].token = token;
	/* Passed when the running callback is done, with whatever else it
	 * queued (a batch's releases: one record). */
	if (!l->flush_scheduled &&
	    !event_pending(l->flush_ev, EV_WRITE, NULL) &&
	    !event_pending(l->retry_ev, EV_TIMEOUT, NULL)) {
		l->flush_scheduled = 1;
		event_active(l->flush_soon, EV_TIMEOUT, 1);
	}
}

struct modem *
modem_start(struct event_base *base, const struct modem_config *mc,
    int multipart_timeout_s, modem_receive_cb cb, void *arg,
    char **cause)
{
	struct timeval tick = { 0, MODEM_WATCHDOG_MS * 1000 };
	struct modem *m;
	int sv[2], size = 1 << 20;

	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->worker.pending = calloc(MODEM_MAX_PENDING,
	    sizeof *m->worker.pending)) == NULL) {
		if (m != NULL)
			free(m);
		cause_set(cause, "out of memory");
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
	m->loop.cb = cb;
	m->loop.cb_arg = arg;
	m->worker.last_ref = -1;
	pthread_mutex_init(&m->call.lock, NULL);
	snprintf(m->loop.health.name, sizeof m->loop.health.name, "%s",
	    mc->name);
	m->loop.health.can_send = (mc->role & MODEM_ROLE_SEND) != 0;
	m->loop.health.can_receive = (mc->role & MODEM_ROLE_RECEIVE) != 0;
	m->loop.health.signal_percent = -1;
	m->loop.health.balance_value = -1;
	m->worker.wh = m->worker.published = m->loop.health;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		cause_set(cause, "cannot create a socketpair");
		free(m->worker.pending);
		free(m);
		return NULL;
	}
	m->loop.fd = sv[0];
	m->worker.fd = sv[1];
	/* Room for a full send queue and many releases (best effort). */
	setsockopt(m->loop.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	evutil_make_socket_nonblocking(m->loop.fd);
	m->loop.ev = event_new(base, m->loop.fd, EV_READ | EV_PERSIST,
	    modem_record_cb, m);
	event_add(m->loop.ev, NULL);
	m->loop.watchdog = event_new(base, -1, EV_PERSIST, modem_watchdog_cb,
	    m);
	event_add(m->loop.watchdog, &tick);
	m->loop.flush_ev = event_new(base, m->loop.fd, EV_WRITE,
	    modem_flush_cb, m);
	m->loop.retry_ev = evtimer_new(base, modem_flush_cb, m);
	m->loop.flush_soon = event_new(base, -1, 0, modem_flush_cb, m);
	if (pthread_create(&m->loop.thread, NULL, modem_main, m) != 0) {
		cause_set(cause, "cannot start the worker thread");
		modem_free(m);
		return NULL;
	}
	m->loop.thread_started = 1;
	log_info("modem %s: worker started on %s", m->cfg.name,
	    m->cfg.device);
	return m;
}

void
modem_set_send_callbacks(struct modem *m, modem_sent_cb sent,
    modem_delivery_cb delivery, void *arg)
{
	m->loop.sent_cb = sent;
	m->loop.delivery_cb = delivery;
	m->loop.send_arg = arg;
}

void
modem_set_ussd_callback(struct modem *m, modem_receive_cb cb, void *arg)
{
	m->loop.ussd_cb = cb;
	m->loop.ussd_arg = arg;
}

int
modem_send(struct modem *m, uint64_t id, const char *number,
    const char *text, char **cause)
{
	struct modem_record *rec;
	int rc;

	if (!(m->cfg.role & MODEM_ROLE_SEND)) {
		cause_set(cause, "this modem only receives");
		return -1;
	}
	if (m->loop.stopping || !m->loop.thread_started) {
		cause_set(cause, "the modem is stopped");
		return -1;
	}
	if (m->loop.paused) {
		cause_set(cause, "the modem is paused");
		return -1;
	}
	if (!m->loop.health.healthy && m->loop.health.problem[0] != '\0') {
		cause_set(cause, "the modem is unhealthy");
		return -1;
	}
	if (m->loop.health.send_queue >= MODEM_SEND_QUEUE_MAX) {
		cause_set(cause, "the modem's send queue is full");
		return -1;
	}
	if (strlen(number) >= sizeof rec->u.out.number || number[0] == '\0') {
		cause_set(cause, "bad recipient number");
		return -1;
	}
	if (strlen(text) >= sizeof rec->u.out.text) {
		cause_set(cause, "text too long");
		return -1;
	}
	if ((rec = calloc(1, sizeof *rec)) == NULL) {
		cause_set(cause, "out of memory");
		return -1;
	}
	rec->type = MODEM_REC_SEND;
	rec->u.out.id = id;
	snprintf(rec->u.out.number, sizeof rec->u.out.number, "%s", number);
	snprintf(rec->u.out.text, sizeof rec->u.out.text, "%s", text);
	rc = modem_send_record(m->loop.fd, rec);
	free(rec);
	if (rc != 0) {
		cause_set(cause, "the modem's send queue is full");
		return -1;
	}
	m->loop.health.send_queue++;
	return 0;
}

void
modem_get_health(const struct modem *m, struct modem_health *h)
{
	*h = m->loop.health;
	h->paused = m->loop.paused;
}

void
modem_set_paused(struct modem *m, int paused)
{
	m->loop.paused = paused;
}

void
modem_release(struct modem *m, uint64_t token)
{
	modem_command(m, MODEM_REC_RELEASE, token);
}

void
modem_result_kept(struct modem *m, uint64_t id)
{
	modem_command(m, MODEM_REC_KEPT, id);
}

/* The stop follows the releases queued before it: the worker deletes
 * those messages before it ends. */
void
modem_stop(struct modem *m, void (*done)(struct modem *, void *), void *arg)
{
	m->loop.stopped = done;
	m->loop.stopped_arg = arg;
	m->loop.stopping = 1;
	m->loop.stop_queued = 1;
	if (!event_pending(m->loop.flush_ev, EV_WRITE, NULL) &&
	    !event_pending(m->loop.retry_ev, EV_TIMEOUT, NULL))
		modem_flush(m);
}

void
modem_free(struct modem *m)
{
	int flags;

	if (m == NULL)
		return;
	if (m->loop.thread_started) {
		/* Only when stopping failed: don't leave the thread running.
		 * No loop runs now: pass what is queued, then the stop,
		 * waiting for room (the worker reads until it stops). */
		if ((flags = fcntl(m->loop.fd, F_GETFL)) != -1)
			fcntl(m->loop.fd, F_SETFL, flags & ~O_NONBLOCK);
		event_del(m->loop.flush_ev);
		event_del(m->loop.retry_ev);
		event_del(m->loop.flush_soon);
		m->loop.stop_queued = 1;
		modem_flush(m);
		pthread_join(m->loop.thread, NULL);
	}
	if (m->loop.ev != NULL)
		event_free(m->loop.ev);
	if (m->loop.watchdog != NULL)
		event_free(m->loop.watchdog);
	if (m->loop.flush_ev != NULL)
		event_free(m->loop.flush_ev);
	if (m->loop.retry_ev != NULL)
		event_free(m->loop.retry_ev);
	if (m->loop.flush_soon != NULL)
		event_free(m->loop.flush_soon);
	free(m->loop.commands);
	close(m->loop.fd);
	close(m->worker.fd);
	pthread_mutex_destroy(&m->call.lock);
	for (int i = 0; i < m->worker.n_pending; i++)
		free(m->worker.pending[i].locations);
	free(m->worker.pending);
	free(m);
}
