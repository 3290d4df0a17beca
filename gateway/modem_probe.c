/*
 * modem_probe.c: does anything answer "AT" on the device? Asked on the raw
 * serial line, without libgammu and its lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "modem_private.h"

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
int
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
		snprintf(m->worker.problem, sizeof m->worker.problem,
		    "cannot open %.60s: %s", m->cfg.device, strerror(errno));
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
		snprintf(m->worker.problem, sizeof m->worker.problem,
		    "cannot write to %.60s: %s", m->cfg.device,
		    strerror(errno));
		close(fd);
		return -1;
	}
	end = modem_now_ms() + modem_timeout_ms(m);
	while (!answered && modem_now_ms() < end) {
		modem_read_commands(m, 0);	/* a stop ends the wait */
		if (m->worker.stop)
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
		snprintf(m->worker.problem, sizeof m->worker.problem,
		    "not answering (no reply to AT within %d s)",
		    m->cfg.timeout_s);
		return -1;
	}
	return 0;
}
