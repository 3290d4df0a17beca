/*
 * modem_worker.c: the worker thread's loop. It connects (entering the PIN
 * at most once), then loops: apply the loop's commands (release: delete
 * from the SIM; send: queue; kept: the last answer is durable), submit
 * the next part of the message being sent when the rate limit allows and
 * the modem's last answer is durable, read the SIM when the poll interval
 * has passed or a +CMTI came, check the modem's health now and then, and
 * read the device between waits so that +CMTI, +CMT, +CDS and +CUSD
 * lines are seen. A lost modem (aborted, unplugged, failing) answers its queued
 * messages ok=0, is freed and connects again with backoff.
 */
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "modem_private.h"

/* Apply the loop's commands; wait up to timeout_ms for the first one. */
void
modem_read_commands(struct modem *m, int timeout_ms)
{
	struct pollfd pfd = { .fd = m->worker.fd, .events = POLLIN };
	struct modem_pending *p;
	struct modem_record rec;
	ssize_t n;

	while (poll(&pfd, 1, timeout_ms) > 0) {
		n = recv(m->worker.fd, &rec, sizeof rec, MSG_DONTWAIT);
		if (n == 0) {
			m->worker.stop = 1;
			return;
		}
		if (n < (ssize_t)offsetof(struct modem_record, u))
			return;
		if (rec.type == MODEM_REC_STOP)
			m->worker.stop = 1;
		else if (rec.type == MODEM_REC_RELEASE &&
		    n == (ssize_t)modem_record_size(MODEM_REC_RELEASE)) {
			for (int i = 0; i < rec.u.release.n &&
			    i < MODEM_RELEASE_MAX; i++)
				if ((p = modem_find_pending(m,
				    rec.u.release.tokens[i])) != NULL)
					p->released = 1;
		} else if (rec.type == MODEM_REC_KEPT) {
			if (m->worker.awaiting_kept &&
			    rec.token == m->worker.unkept_id)
				m->worker.awaiting_kept = 0;
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
modem_read_device(struct modem *m)
{
	modem_lock(m, modem_timeout_ms(m));
	GSM_ReadDevice(m->worker.gsm, FALSE);
	modem_unlock(m);
}

/* Connected: one round of work, then wait for the next thing to do. */
static void
modem_work(struct modem *m)
{
	long long now, wake;

	modem_read_commands(m, 0);
	modem_delete_released(m);
	modem_handle_caught(m);
	modem_handle_pushed(m);
	now = modem_now_ms();
	if (!m->worker.lost && m->worker.q_len > 0 &&
	    !m->worker.awaiting_kept && now >= m->worker.next_send_ms)
		modem_send_part(m);
	modem_handle_caught(m);
	now = modem_now_ms();
	/* The cap held messages back: hand them over as soon as releases
	 * make room, without reading the SIM again; read on (a read the
	 * cap stopped) or poll only once empty. */
	if (!m->worker.lost && modem_backlog_ready(m))
		modem_drain_backlog(m);
	if (!m->worker.lost && (m->cfg.role & MODEM_ROLE_RECEIVE) &&
	    m->worker.n_backlog == 0 && (m->worker.poll_now ||
	    m->worker.read_stopped || now >= m->worker.next_poll_ms)) {
		m->worker.poll_now = 0;
		modem_poll(m);
		m->worker.next_poll_ms = modem_now_ms() +
		    m->cfg.poll_interval_s * 1000LL;
	}
	if (!m->worker.lost && now >= modem_health_due(m)) {
		modem_check_health(m);
		m->worker.next_health_ms = modem_now_ms() +
		    m->cfg.health_interval_s * 1000LL;
	}
	modem_health_publish(m);
	if (m->worker.lost || m->worker.stop)
		return;
	now = modem_now_ms();
	wake = modem_health_due(m);
	if (m->cfg.role & MODEM_ROLE_RECEIVE)
		wake = modem_min(wake, m->worker.poll_now ? now :
		    m->worker.next_poll_ms);
	/* Waiting for the last answer to be kept: the loop's record wakes
	 * the wait below. */
	if (m->worker.q_len > 0 && !m->worker.awaiting_kept)
		wake = modem_min(wake, m->worker.next_send_ms);
	for (int i = 0; i < m->worker.n_pending; i++)
		if (m->worker.pending[i].released)
			wake = now;	/* never sleep with deletions to do */
	if ((m->worker.n_caught > 0 &&
	    m->worker.n_pending < MODEM_MAX_PENDING) ||
	    modem_backlog_ready(m) ||
	    (m->worker.read_stopped && m->worker.n_backlog == 0))
		wake = now;
	if (wake > now)
		modem_read_commands(m, (int)modem_min(wake - now,
		    MODEM_SLICE_MS));
	if (!m->worker.lost)
		modem_read_device(m);
}

/* Wait ms (applying commands meanwhile), unless asked to stop. */
static void
modem_wait(struct modem *m, int ms)
{
	long long end = modem_now_ms() + ms, now;

	while (!m->worker.stop && (now = modem_now_ms()) < end)
		modem_read_commands(m, (int)(end - now));
}

void *
modem_main(void *arg)
{
	struct modem *m = arg;
	struct modem_record rec;
	int backoff_s = 1;

	while (!m->worker.stop) {
		if (m->worker.halted) {
			modem_fail_queue(m, m->worker.problem);
			modem_health_publish(m);
			modem_wait(m, 1000);
			continue;
		}
		if (!m->worker.connected) {
			if (modem_connect(m) != 0) {
				modem_fail_queue(m, m->worker.problem);
				modem_health_publish(m);
				if (m->worker.halted)
					continue;
				log_warn("modem %s: %s; retrying in %d s",
				    m->cfg.name, m->worker.problem, backoff_s);
				modem_wait(m, backoff_s * 1000);
				backoff_s = backoff_s < 60 ? backoff_s * 2 : 60;
				continue;
			}
			backoff_s = 1;
			m->worker.next_poll_ms = 0;
			m->worker.next_health_ms = modem_now_ms();
			log_info("modem %s: connected (%s, %s)", m->cfg.name,
			    m->cfg.connection, m->cfg.model);
		}
		modem_work(m);
		if (m->worker.lost) {
			log_warn("modem %s: %s; re-initialising", m->cfg.name,
			    m->worker.problem);
			modem_fail_queue(m, m->worker.problem);
			modem_disconnect(m);
			m->worker.lost = 0;
			modem_health_publish(m);
		}
	}
	modem_fail_queue(m, "the modem was stopped");
	if (m->worker.connected && !m->worker.lost)
		modem_delete_released(m);
	modem_disconnect(m);
	memset(&rec, 0, sizeof rec);
	rec.type = MODEM_REC_STOPPED;
	modem_send_record(m->worker.fd, &rec);
	return NULL;
}
