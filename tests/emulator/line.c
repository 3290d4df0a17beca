/*
 * line.c: the emulated modem's serial line. Opens a pseudo-terminal (the
 * slave stays open so gammu closing its end never hangs the line up),
 * points the stable symlink <dir>/modem at /dev/pts/N, cuts what gammu
 * writes into command lines (or a PDU after "> "), echoes, and queues
 * output. Unsolicited result codes are held while a command line or a PDU
 * is half typed, like a modem in AT+CNMI mode 2.
 *
 * Called by atemu.c's poll loop, atcmd.c and sim.c. Nothing here may
 * block: the master is non-blocking and output is buffered.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "atemu.h"

int64_t
line_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
line_log(struct emu *e, const char *dir, const char *buf, size_t len)
{
	size_t	i;

	if (!e->verbose)
		return;
	fprintf(stderr, "atemu %s ", dir);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\r')
			fputs("\\r", stderr);
		else if (c == '\n')
			fputs("\\n", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02X", c);
		else
			fputc(c, stderr);
	}
	fputc('\n', stderr);
}

static int
line_open_pty(struct emu *e, const char **errstr)
{
	struct termios	t;
	char		tmp[PATH_MAX + 8];
	int		flags;

	if (openpty(&e->master, &e->slave, e->slave_name, NULL, NULL) == -1) {
		*errstr = "openpty failed";
		return -1;
	}
	if (tcgetattr(e->slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(e->slave, TCSANOW, &t);
	}
	flags = fcntl(e->master, F_GETFL);
	fcntl(e->master, F_SETFL, flags | O_NONBLOCK);
	fcntl(e->master, F_SETFD, FD_CLOEXEC);
	fcntl(e->slave, F_SETFD, FD_CLOEXEC);

	/* Re-point the stable name atomically. */
	snprintf(tmp, sizeof(tmp), "%s.new", e->link);
	unlink(tmp);
	if (symlink(e->slave_name, tmp) == -1 || rename(tmp, e->link) == -1) {
		*errstr = "cannot create the device symlink";
		return -1;
	}
	e->inlen = 0;
	e->in_pdu = 0;
	e->pdulen = 0;
	e->outlen = 0;
	e->urclen = 0;
	return 0;
}

int
line_open(struct emu *e, const char **errstr)
{
	snprintf(e->link, sizeof(e->link), "%s/modem", e->dir);
	return line_open_pty(e, errstr);
}

void
line_close(struct emu *e)
{
	if (e->master != -1) {
		close(e->master);
		close(e->slave);
		e->master = -1;
		e->slave = -1;
	}
	unlink(e->link);
}

int
line_replug(struct emu *e, const char **errstr)
{
	line_close(e);
	return line_open_pty(e, errstr);
}

static void
buf_append(char **buf, size_t *len, size_t *sz, const char *p, size_t n)
{
	if (*len + n > *sz) {
		size_t nsz = *sz ? *sz : 4096;
		char *nb;

		while (nsz < *len + n)
			nsz *= 2;
		nb = realloc(*buf, nsz);
		if (nb == NULL) {
			fprintf(stderr, "atemu: out of memory\n");
			exit(1);
		}
		*buf = nb;
		*sz = nsz;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

void
line_write(struct emu *e, const char *p, size_t n)
{
	if (e->master == -1)
		return;
	line_log(e, ">>", p, n);
	buf_append(&e->out, &e->outlen, &e->outsz, p, n);
	line_flush(e);
}

void
line_printf(struct emu *e, const char *fmt, ...)
{
	char	buf[8192];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	line_write(e, buf, (size_t)n);
}

/* Is the modem in the middle of something (half a command, a PDU)? */
static int
line_busy(const struct emu *e)
{
	return e->inlen > 0 || e->in_pdu;
}

void
line_flush_urcs(struct emu *e)
{
	if (e->urclen == 0 || line_busy(e) || e->hang_until != 0)
		return;
	line_write(e, e->urc, e->urclen);
	e->urclen = 0;
}

void
line_urc(struct emu *e, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	n;

	if (e->master == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	e->stats.urcs++;
	buf_append(&e->urc, &e->urclen, &e->urcsz, buf, (size_t)n);
	line_flush_urcs(e);
}

int
line_flush(struct emu *e)
{
	ssize_t	n;

	while (e->outlen > 0 && e->master != -1) {
		n = write(e->master, e->out, e->outlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			/* Nobody will ever read it: drop. */
			e->outlen = 0;
			return -1;
		}
		memmove(e->out, e->out + n, e->outlen - (size_t)n);
		e->outlen -= (size_t)n;
	}
	return 0;
}

/* Echo one byte as the modem does (not logged: the command is). */
static void
line_echo(struct emu *e, char c)
{
	if (e->master == -1)
		return;
	buf_append(&e->out, &e->outlen, &e->outsz, &c, 1);
	line_flush(e);
}

static void
line_byte(struct emu *e, char c)
{
	if (e->in_pdu) {
		if (c == 0x1a) {		/* Ctrl-Z: send */
			e->pdu[e->pdulen] = '\0';
			e->in_pdu = 0;
			atcmd_submit_pdu(e, e->pdu);
			e->pdulen = 0;
			line_flush_urcs(e);
		} else if (c == 0x1b) {		/* ESC: cancel */
			e->in_pdu = 0;
			e->pdulen = 0;
			atcmd_cancel_pdu(e);
			line_flush_urcs(e);
		} else if (c == '\r' || c == '\n') {
			if (e->echo && e->echo_pdu)
				line_echo(e, c);
		} else {
			if (e->pdulen + 1 < sizeof(e->pdu))
				e->pdu[e->pdulen++] = c;
			if (e->echo && e->echo_pdu)
				line_echo(e, c);
		}
		return;
	}
	if (c == 0x1b || c == '\n' || c == '\0')
		return;			/* stray escape or line feed */
	if (e->echo)
		line_echo(e, c);
	if (c != '\r') {
		if (e->inlen + 1 < sizeof(e->in))
			e->in[e->inlen++] = c;
		return;
	}
	if (e->inlen == 0)
		return;
	e->in[e->inlen] = '\0';
	e->inlen = 0;
	line_log(e, "<<", e->in, strlen(e->in));
	atcmd_execute(e, e->in);
	line_flush_urcs(e);
}

void
line_read(struct emu *e)
{
	char	buf[1024];
	ssize_t	n, i;

	for (;;) {
		n = read(e->master, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (e->hang_until != 0) {
			if (e->hang_until > 0 && line_now_ms() >= e->hang_until)
				e->hang_until = 0;
			else {
				e->stats.dropped += (unsigned long)n;
				line_log(e, "<< (hung, dropped)", buf, (size_t)n);
				continue;
			}
		}
		for (i = 0; i < n; i++)
			line_byte(e, buf[i]);
	}
}
