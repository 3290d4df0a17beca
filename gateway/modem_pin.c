/*
 * modem_pin.c: the SIM's PIN, entered at most once in the modem's life;
 * a SIM problem that retrying would make worse halts the modem.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "modem_private.h"

/* Stop for good: a SIM problem that retrying would make worse. */
static void modem_halt(struct modem *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
modem_halt(struct modem *m, const char *fmt, ...)
{
	va_list ap;

	m->worker.halted = 1;
	va_start(ap, fmt);
	vsnprintf(m->worker.problem, sizeof m->worker.problem, fmt, ap);
	va_end(ap);
	log_error("modem %s: %s; the modem is stopped until farold is "
	    "restarted", m->cfg.name, m->worker.problem);
	modem_disconnect(m);
}

/* Enter the PIN if the SIM asks for one, once in the modem's life. */
int
modem_unlock_sim(struct modem *m)
{
	GSM_SecurityCodeType st = SEC_None;
	GSM_SecurityCode code;
	GSM_Error err;

	modem_lock(m, modem_timeout_ms(m));
	err = GSM_GetSecurityStatus(m->worker.gsm, &st);
	modem_unlock(m);
	if (err != ERR_NONE) {
		if (modem_err_lost(err) || m->worker.lost) {
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
	if (m->worker.pin_refused) {
		modem_halt(m, "the SIM refused the PIN before");
		return -1;
	}
	memset(&code, 0, sizeof code);
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof code.Code, "%s", m->cfg.pin);
	modem_lock(m, modem_timeout_ms(m));
	err = GSM_EnterSecurityCode(m->worker.gsm, &code);
	modem_unlock(m);
	memset(&code, 0, sizeof code);
	if (err == ERR_NONE) {
		log_info("modem %s: PIN accepted", m->cfg.name);
		return 0;
	}
	if (m->worker.lost || modem_err_lost(err)) {
		/* Not refused, not answered: the next connect may try it. */
		modem_set_lost(m, "entering the PIN", err);
		return -1;
	}
	m->worker.pin_refused = 1;
	modem_halt(m, "the SIM refused the configured PIN (%s); it is never "
	    "entered twice, check it before the SIM locks",
	    GSM_ErrorString(err));
	return -1;
}
