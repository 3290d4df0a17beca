/*
 * modem_connect.c: bringing a modem up (probe, libgammu state machine,
 * PIN, notifications) and down, and the gammu callbacks installed on it.
 * The callbacks run inside a libgammu call: they record what they saw in
 * the worker's state and call nothing but pure libgammu functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modem_private.h"

/* Gammu callbacks: run inside a libgammu call (the lock held); record,
 * call nothing in gammu but the pure functions of modem_private.h. */
static void
modem_sms_cb(GSM_StateMachine *s, GSM_SMSMessage *sms, void *arg)
{
	struct modem *m = arg;

	(void)s;
	if (sms->PDU != SMS_Status_Report && sms->State == 0) {
		/* +CMTI: stored; read it (a send-only modem leaves it). */
		if (m->cfg.role & MODEM_ROLE_RECEIVE)
			m->worker.poll_now = 1;
		return;
	}
	if (m->worker.n_caught < MODEM_MAX_CAUGHT)
		m->worker.caught[m->worker.n_caught++] = *sms;
	else if (m->cfg.role & MODEM_ROLE_RECEIVE)
		m->worker.poll_now = 1;
}

static void
modem_status_cb(GSM_StateMachine *s, int status, int mr, void *arg)
{
	struct modem *m = arg;

	(void)s;
	m->worker.st_seen = 1;
	m->worker.st_status = status;
	m->worker.st_mr = mr;
}

/* A +CUSD: the balance check's answer while it waits for one; else
 * network-initiated, kept for modem_handle_pushed (one that ends or
 * refuses a session carries no text and is not kept). */
static void
modem_ussd_cb(GSM_StateMachine *s, GSM_USSDMessage *ussd, void *arg)
{
	struct modem *m = arg;
	struct modem_worker_side *w = &m->worker;

	(void)s;
	if (w->ussd_waiting) {
		EncodeUTF8(w->ussd_text, ussd->Text);
		w->ussd_seen = 1;
		return;
	}
	if (ussd->Status != USSD_NoActionNeeded &&
	    ussd->Status != USSD_ActionNeeded &&
	    ussd->Status != USSD_Terminated)
		return;
	if (w->n_pushed == MODEM_MAX_PUSHED) {
		w->pushed_dropped++;
		return;
	}
	EncodeUTF8(w->pushed[w->n_pushed++], ussd->Text);
}

void
modem_disconnect(struct modem *m)
{
	modem_gammu_lock();
	if (m->worker.gsm != NULL) {
		if (GSM_IsConnected(m->worker.gsm))
			GSM_TerminateConnection(m->worker.gsm);
		GSM_FreeStateMachine(m->worker.gsm);
	}
	m->worker.gsm = NULL;
	modem_gammu_unlock();
	m->worker.connected = 0;
	m->worker.wh.connected = 0;
	m->worker.wh.healthy = 0;
	m->worker.wh.signal_percent = -1;	/* unknown until checked */
	m->worker.wh.balance_value = -1;
	free(m->worker.backlog);	/* read again after the reconnect */
	m->worker.backlog = NULL;
	m->worker.n_backlog = 0;
	m->worker.backlog_cap = 0;
	modem_read_forget(m);
	m->worker.wh.network[0] = '\0';
}

int
modem_connect(struct modem *m)
{
	GSM_Config *gc;
	GSM_Error err;

	if (modem_probe(m) != 0)
		return -1;
	modem_gammu_lock();
	m->worker.gsm = GSM_AllocStateMachine();
	if (m->worker.gsm != NULL) {
		gc = GSM_GetConfig(m->worker.gsm, 0);
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
		GSM_SetConfigNum(m->worker.gsm, 1);
	}
	modem_gammu_unlock();
	if (m->worker.gsm == NULL) {
		snprintf(m->worker.problem, sizeof m->worker.problem,
		    "out of memory");
		return -1;
	}

	m->worker.lost = 0;
	modem_lock(m, 4 * modem_timeout_ms(m));	/* ~15 commands */
	err = GSM_InitConnection(m->worker.gsm, 1);
	modem_unlock(m);
	if (err != ERR_NONE || m->worker.lost) {
		if (!m->worker.lost || err != ERR_ABORTED)
			snprintf(m->worker.problem, sizeof m->worker.problem,
			    "cannot connect to %.60s: %s", m->cfg.device,
			    GSM_ErrorString(err));
		m->worker.lost = 0;
		modem_disconnect(m);
		return -1;
	}
	/* InitConnection cleared every callback: install them again. */
	modem_gammu_lock();
	GSM_SetIncomingSMSCallback(m->worker.gsm, modem_sms_cb, m);
	GSM_SetSendSMSStatusCallback(m->worker.gsm, modem_status_cb, m);
	GSM_SetIncomingUSSDCallback(m->worker.gsm, modem_ussd_cb, m);
	modem_gammu_unlock();

	if (modem_unlock_sim(m) != 0) {
		if (!m->worker.halted)
			modem_disconnect(m);
		return -1;
	}
	/* +CMTI for receiving, +CDS for the delivery reports of sends. */
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_SetIncomingSMS(m->worker.gsm, TRUE);
	modem_unlock(m);
	if (m->worker.lost || modem_err_lost(err)) {
		modem_set_lost(m, "asking for notifications", err);
		modem_disconnect(m);
		return -1;
	}
	if (err != ERR_NONE)
		log_warn("modem %s: no +CMTI/+CDS notifications (%s); "
		    "polling only", m->cfg.name, GSM_ErrorString(err));
	/* +CUSD the network sends: reports in the single-shot form
	 * (gateway/ussd.md, "Network-initiated USSD"). */
	if (m->cfg.role & MODEM_ROLE_RECEIVE) {
		modem_lock(m, modem_timeout_ms(m));
		err = GSM_SetIncomingUSSD(m->worker.gsm, TRUE);
		modem_unlock(m);
		if (m->worker.lost || modem_err_lost(err)) {
			modem_set_lost(m, "asking for USSD notifications",
			    err);
			modem_disconnect(m);
			return -1;
		}
		if (err != ERR_NONE)
			log_warn("modem %s: no network-initiated USSD (%s)",
			    m->cfg.name, GSM_ErrorString(err));
	}
	m->worker.connected = 1;
	m->worker.problem[0] = '\0';
	return 0;
}
