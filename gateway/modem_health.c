/*
 * modem_health.c: the modem's health (signal, network, SIM use, airtime
 * balance by USSD), checked by the worker now and then and published to
 * the loop when it changes.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modem_private.h"

void
modem_health_publish(struct modem *m)
{
	struct modem_worker_side *w = &m->worker;
	struct modem_health *wh = &w->wh;
	struct modem_record rec;
	char line[512];

	wh->connected = w->connected && !w->lost;
	wh->healthy = w->connected && !w->lost && !w->halted &&
	    w->problem[0] == '\0';
	snprintf(wh->problem, sizeof wh->problem, "%s", w->problem);
	if (memcmp(wh, &w->published, sizeof *wh) == 0)
		return;
	snprintf(line, sizeof line, "modem %s: health: connected=%d "
	    "healthy=%d signal=%d%% network=\"%s\" sim=%d/%d "
	    "balance=\"%s\" problem=\"%s\"", m->cfg.name, wh->connected,
	    wh->healthy, wh->signal_percent, wh->network, wh->sim_used,
	    wh->sim_total, wh->balance, wh->problem);
	if (wh->healthy)
		log_info("%s", line);
	else
		log_warn("%s", line);
	w->published = *wh;
	memset(&rec, 0, offsetof(struct modem_record, u));
	rec.type = MODEM_REC_HEALTH;
	rec.u.health = m->worker.wh;
	modem_send_record(m->worker.fd, &rec);
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

	m->worker.ussd_seen = 0;
	m->worker.ussd_waiting = 1;
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_SetIncomingUSSD(m->worker.gsm, TRUE);
	if (err == ERR_NONE)
		err = GSM_DialService(m->worker.gsm, m->cfg.balance_ussd);
	end = modem_now_ms() + modem_timeout_ms(m);
	while (err == ERR_NONE && !m->worker.ussd_seen &&
	    modem_now_ms() < end && !modem_aborted(m))
		GSM_ReadDevice(m->worker.gsm, TRUE);
	modem_unlock(m);
	m->worker.ussd_waiting = 0;
	if (m->worker.lost)
		return;
	if (err != ERR_NONE || !m->worker.ussd_seen) {
		if (modem_err_lost(err))
			modem_set_lost(m, "asking for the balance", err);
		else
			log_warn("modem %s: no answer to %s: %s", m->cfg.name,
			    m->cfg.balance_ussd, err != ERR_NONE ?
			    GSM_ErrorString(err) : "timeout");
		return;
	}
	snprintf(m->worker.wh.balance, sizeof m->worker.wh.balance, "%.63s",
	    m->worker.ussd_text);
	value = modem_balance_value(m->worker.ussd_text);
	m->worker.wh.balance_value = value;
	if (m->cfg.balance_warn > 0 && value >= 0 &&
	    value < m->cfg.balance_warn)
		log_warn("modem %s: airtime balance low: \"%s\" (warning "
		    "below %d)", m->cfg.name, m->worker.ussd_text,
		    m->cfg.balance_warn);
}

void
modem_check_health(struct modem *m)
{
	GSM_SignalQuality sig;
	GSM_NetworkInfo ni;
	GSM_SMSMemoryStatus ms;
	GSM_Error err;
	char name[sizeof ni.NetworkName * 2];

	memset(&sig, 0, sizeof sig);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetSignalQuality(m->worker.gsm, &sig);
	modem_unlock(m);
	if (m->worker.lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for the signal", err);
		return;
	}
	m->worker.wh.signal_percent = err == ERR_NONE ? sig.SignalPercent : -1;

	memset(&ni, 0, sizeof ni);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetNetworkInfo(m->worker.gsm, &ni);
	modem_unlock(m);
	if (m->worker.lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for the network", err);
		return;
	}
	if (err == ERR_NONE) {
		EncodeUTF8(name, ni.NetworkName);
		snprintf(m->worker.wh.network, sizeof m->worker.wh.network,
		    "%s %.40s", modem_network_state(ni.State),
		    name[0] != '\0' ? name : ni.NetworkCode);
	} else
		snprintf(m->worker.wh.network, sizeof m->worker.wh.network,
		    "unknown");

	memset(&ms, 0, sizeof ms);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetSMSStatus(m->worker.gsm, &ms);
	modem_unlock(m);
	if (m->worker.lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for the SIM use", err);
		return;
	}
	if (err == ERR_NONE) {
		m->worker.wh.sim_used = ms.SIMUsed;
		m->worker.wh.sim_total = ms.SIMSize;
		if (ms.SIMSize > 0 && ms.SIMUsed >= ms.SIMSize)
			log_warn("modem %s: the SIM is full (%d of %d)",
			    m->cfg.name, ms.SIMUsed, ms.SIMSize);
	}
	if (m->cfg.balance_ussd[0] != '\0')
		modem_check_balance(m);
}

/* Health waits while messages are in flight (it costs several commands),
 * unless it is a whole interval late. */
long long
modem_health_due(const struct modem *m)
{
	const struct modem_worker_side *w = &m->worker;

	if (w->n_pending == 0 && w->n_backlog == 0 && !w->poll_now &&
	    w->n_caught == 0 && !w->read_stopped)
		return w->next_health_ms;
	return w->next_health_ms + m->cfg.health_interval_s * 1000LL;
}
