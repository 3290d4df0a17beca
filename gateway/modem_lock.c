/*
 * modem_lock.c: the process-wide libgammu lock and the watchdog.
 *
 * Every libgammu call in the process is made under gammu_lock (the
 * exceptions, pure functions, are listed in modem_private.h). A worker's
 * call is armed with a deadline; the watchdog, on the loop, aborts a call
 * that outlives the modem's configured timeout (GSM_AbortOperation only
 * sets a flag and is documented as safe from another thread). It also
 * aborts a call at once when the modem's device node vanishes (a USB modem
 * unplugged): gammu 1.42's AT driver does not notice the hang-up and would
 * wait out the whole timeout, with an urgent forward in its queue. An
 * aborted call leaves the state machine unusable: the modem is then lost.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "log.h"
#include "modem_private.h"

/* Serialises every libgammu call in the process (shared static buffers). */
static pthread_mutex_t gammu_lock = PTHREAD_MUTEX_INITIALIZER;

/* The lock alone, for calls the watchdog cannot abort (no state machine
 * in a command: allocating, configuring, freeing, encoding). */
void
modem_gammu_lock(void)
{
	pthread_mutex_lock(&gammu_lock);
}

void
modem_gammu_unlock(void)
{
	pthread_mutex_unlock(&gammu_lock);
}

void
modem_global_init(void)
{
	GSM_InitLocales(NULL);
	GSM_SetDebugGlobal(FALSE, GSM_GetGlobalDebug());
}

/* Take the process-wide lock and arm the watchdog for this call. */
void
modem_lock(struct modem *m, int timeout_ms)
{
	pthread_mutex_lock(&gammu_lock);
	pthread_mutex_lock(&m->call.lock);
	m->call.gsm = m->worker.gsm;
	m->call.deadline_ms = modem_now_ms() + timeout_ms;
	m->call.aborted = 0;
	m->call.vanished = 0;
	pthread_mutex_unlock(&m->call.lock);
}

/* Disarm the watchdog; an aborted call leaves the state machine unusable
 * (gammu's abort flag is never cleared), so the modem is then lost. */
void
modem_unlock(struct modem *m)
{
	int aborted, vanished;

	pthread_mutex_lock(&m->call.lock);
	aborted = m->call.aborted;
	vanished = m->call.vanished;
	m->call.gsm = NULL;
	m->call.aborted = 0;
	m->call.vanished = 0;
	pthread_mutex_unlock(&m->call.lock);
	pthread_mutex_unlock(&gammu_lock);
	if (aborted && !m->worker.lost) {
		m->worker.lost = 1;
		if (vanished)
			snprintf(m->worker.problem, sizeof m->worker.problem,
			    "unplugged (its device vanished)");
		else
			snprintf(m->worker.problem, sizeof m->worker.problem,
			    "not answering (no reply within %d s)",
			    m->cfg.timeout_s);
	}
}

/* Whether the watchdog aborted the current call (read by the worker). */
int
modem_aborted(struct modem *m)
{
	int aborted;

	pthread_mutex_lock(&m->call.lock);
	aborted = m->call.aborted;
	pthread_mutex_unlock(&m->call.lock);
	return aborted;
}

int
modem_timeout_ms(const struct modem *m)
{
	return m->cfg.timeout_s * 1000;
}

/* Errors after which the modem is not trusted any more. */
int
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

void
modem_set_lost(struct modem *m, const char *what, GSM_Error err)
{
	if (m->worker.lost)
		return;
	m->worker.lost = 1;
	snprintf(m->worker.problem, sizeof m->worker.problem, "%s: %s", what,
	    GSM_ErrorString(err));
}

/* The modem's device node is gone. Only a path can vanish: a device
 * gammu reaches over the network or Bluetooth ("host:port", an address)
 * is not checked; the dummy driver's directory is, and stays. */
static int
modem_device_vanished(const struct modem *m)
{
	struct stat sb;

	if (m->cfg.device[0] != '/')
		return 0;
	return stat(m->cfg.device, &sb) != 0 && (errno == ENOENT ||
	    errno == ENODEV || errno == ENXIO);
}

/* Abort a libgammu call that outlived the modem's timeout, or whose
 * device vanished under it. */
void
modem_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&m->call.lock);
	if (m->call.gsm != NULL && !m->call.aborted &&
	    modem_now_ms() > m->call.deadline_ms) {
		GSM_AbortOperation(m->call.gsm);
		m->call.aborted = 1;
		log_warn("modem %s: a command took longer than %d s; "
		    "aborting it", m->cfg.name, m->cfg.timeout_s);
	} else if (m->call.gsm != NULL && !m->call.aborted &&
	    modem_device_vanished(m)) {
		GSM_AbortOperation(m->call.gsm);
		m->call.aborted = 1;
		m->call.vanished = 1;
		log_warn("modem %s: its device vanished in the middle of a "
		    "command (unplugged); aborting it", m->cfg.name);
	}
	pthread_mutex_unlock(&m->call.lock);
}
