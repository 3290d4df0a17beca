/*
 * control.c: the test-facing control channel of farol-atemu, a Unix
 * stream socket at <dir>/control. One command per line; one reply line
 * "OK ..." or "ERR reason", except listings ("OK <n>", n lines, "END").
 * The protocol is documented in tests/emulator/README.md.
 *
 * Called by atemu.c's poll loop. Nothing here may block: a client that
 * stops reading is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "atemu.h"

#define MAX_TEXT	4096

int
control_open(struct emu *e, const char **errstr)
{
	struct sockaddr_un	sun;

	snprintf(e->ctl_path, sizeof(e->ctl_path), "%s/control", e->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(e->ctl_path) >= sizeof(sun.sun_path)) {
		*errstr = "control socket path too long";
		return -1;
	}
	strcpy(sun.sun_path, e->ctl_path);
	unlink(e->ctl_path);
	e->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (e->listen_fd == -1 ||
	    bind(e->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(e->listen_fd, 4) == -1) {
		*errstr = "cannot listen on the control socket";
		return -1;
	}
	return 0;
}

void
control_close(struct emu *e)
{
	int	i;

	for (i = 0; i < EMU_MAX_CLIENTS; i++) {
		if (e->clients[i].fd != -1) {
			close(e->clients[i].fd);
			e->clients[i].fd = -1;
		}
	}
	if (e->listen_fd != -1) {
		close(e->listen_fd);
		e->listen_fd = -1;
		unlink(e->ctl_path);
	}
}

void
control_accept(struct emu *e)
{
	int	fd, i;

	fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd == -1)
		return;
	for (i = 0; i < EMU_MAX_CLIENTS; i++) {
		if (e->clients[i].fd == -1) {
			e->clients[i].fd = fd;
			e->clients[i].len = 0;
			return;
		}
	}
	close(fd);
}

static void
drop(struct emu_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Replies are small; the client reads them at once (blocking writes). */
static void
reply(struct emu_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
reply(struct emu_client *c, const char *fmt, ...)
{
	char	buf[PDU_MAX_HEX + 64];
	va_list	ap;
	int	n;
	size_t	off = 0;
	ssize_t	w;

	if (c->fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	while (off < (size_t)n) {
		w = write(c->fd, buf + off, (size_t)n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			drop(c);
			return;
		}
		off += (size_t)w;
	}
}

static int
parse_coding(const char *s, enum pdu_coding *coding)
{
	if (strcasecmp(s, "gsm7") == 0)
		*coding = PDU_GSM7;
	else if (strcasecmp(s, "ucs2") == 0)
		*coding = PDU_UCS2;
	else if (strcasecmp(s, "8bit") == 0)
		*coding = PDU_8BIT;
	else
		return -1;
	return 0;
}

static int
parse_hex_text(const char *hex, char *out, size_t sz, size_t *len)
{
	if (strcmp(hex, "-") == 0) {	/* empty text */
		*len = 0;
		out[0] = '\0';
		return 0;
	}
	if (pdu_hex_decode(hex, (unsigned char *)out, sz - 1, len) == -1)
		return -1;
	out[*len] = '\0';
	return 0;
}

static int
parse_int(const char *s, int *v)
{
	char	*end;
	long	 l;

	if (s == NULL)
		return -1;
	l = strtol(s, &end, 0);
	if (end == s || *end != '\0' || l < -1 || l > 1000000000)
		return -1;
	*v = (int)l;
	return 0;
}

static void
cmd_list(struct emu *e, struct emu_client *c, const char *what)
{
	int	i, n = 0;
	size_t	k;

	if (strcmp(what, "sent") == 0) {
		reply(c, "OK %zu", e->nsent);
		for (k = 0; k < e->nsent; k++)
			reply(c, "%d %s", e->sent[k].mr, e->sent[k].pdu);
	} else {
		n = sim_used(e);
		reply(c, "OK %d", n);
		for (i = 0; i < e->nslots; i++)
			if (e->slots[i].used)
				reply(c, "%d %d %s", i + 1, e->slots[i].stat,
				    e->slots[i].pdu);
	}
	reply(c, "END");
}

static void
cmd_stats(struct emu *e, struct emu_client *c)
{
	const struct emu_stats *s = &e->stats;

	reply(c, "OK commands=%lu errors=%lu cmgl=%lu cmgr=%lu cmgd=%lu "
	    "cmgs=%lu cusd=%lu urcs=%lu dropped=%lu inits=%lu stored=%d "
	    "sent=%zu cnmi=%d,%d,%d,%d,%d cscs=%s plugged=%d hung=%d "
	    "pin_attempts=%d",
	    s->commands, s->errors, s->cmgl, s->cmgr, s->cmgd, s->cmgs,
	    s->cusd, s->urcs, s->dropped, s->inits, sim_used(e), e->nsent,
	    e->cnmi[0], e->cnmi[1], e->cnmi[2], e->cnmi[3], e->cnmi[4],
	    e->cscs, e->master != -1, e->hang_until != 0, e->pin_attempts);
}

static void
control_execute(struct emu *e, struct emu_client *c, char *line)
{
	char		*argv[8], *rest = NULL, *p = line;
	int		 argc = 0, v, slot, code, count;
	enum pdu_coding	 coding;
	const char	*errstr = "bad arguments";
	static char	 text[MAX_TEXT];
	static char	 raw[sizeof(c->buf)];
	size_t		 len;

	snprintf(raw, sizeof(raw), "%s", line);

	while (argc < 8) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (argc == 1)
			rest = raw + (p - line);	/* untokenised remainder */
		argv[argc++] = p;
		while (*p != ' ' && *p != '\0')
			p++;
		if (*p == ' ')
			*p++ = '\0';
	}
	if (argc == 0) {
		reply(c, "ERR empty command");
		return;
	}
	if (e->verbose)
		fprintf(stderr, "atemu control: %s\n", argv[0]);

	if (strcmp(argv[0], "ping") == 0)
		reply(c, "OK pong");
	else if ((strcmp(argv[0], "sms") == 0 ||
	    strcmp(argv[0], "sms-quiet") == 0) && argc == 4) {
		if (parse_coding(argv[2], &coding) == -1 ||
		    parse_hex_text(argv[3], text, sizeof(text), &len) == -1)
			goto bad;
		if (sim_deliver(e, argv[1], coding, text, len,
		    strcmp(argv[0], "sms") == 0, &slot, &errstr) == -1)
			goto bad;
		reply(c, "OK %d", slot);
	} else if ((strcmp(argv[0], "sms-multi") == 0 ||
	    strcmp(argv[0], "sms-multi-quiet") == 0) && argc == 6) {
		if (parse_coding(argv[2], &coding) == -1 ||
		    parse_int(argv[3], &v) == -1 ||
		    parse_hex_text(argv[5], text, sizeof(text), &len) == -1)
			goto bad;
		if ((v = sim_deliver_multi(e, argv[1], coding, v, argv[4],
		    text, len, strcmp(argv[0], "sms-multi") == 0,
		    &errstr)) == -1)
			goto bad;
		reply(c, "OK %d", v);
	} else if (strcmp(argv[0], "cmt") == 0 && argc == 4) {
		if (parse_coding(argv[2], &coding) == -1 ||
		    parse_hex_text(argv[3], text, sizeof(text), &len) == -1)
			goto bad;
		if (sim_send_cmt(e, argv[1], coding, text, len, &errstr) == -1)
			goto bad;
		reply(c, "OK");
	} else if (strcmp(argv[0], "cds") == 0 && argc == 4) {
		if (parse_int(argv[1], &v) == -1 ||
		    parse_int(argv[3], &code) == -1)
			goto bad;
		if (sim_send_cds(e, v, argv[2], code, &errstr) == -1)
			goto bad;
		reply(c, "OK");
	} else if (strcmp(argv[0], "cusd") == 0 && rest != NULL) {
		atcmd_send_cusd(e, 0, rest);
		reply(c, "OK");
	} else if (strcmp(argv[0], "urc") == 0 && rest != NULL) {
		line_urc(e, "\r\n%s\r\n", rest);
		reply(c, "OK");
	} else if (strcmp(argv[0], "ussd-reply") == 0 && argc >= 3) {
		/* rest is "<code> <text...>" */
		p = rest + strlen(argv[1]) + 1;
		if (atcmd_set_ussd(e, argv[1], p) == -1) {
			errstr = "too many USSD replies";
			goto bad;
		}
		reply(c, "OK");
	} else if (strcmp(argv[0], "cms-error") == 0 &&
	    (argc == 3 || argc == 4)) {
		count = 1;
		if (parse_int(argv[2], &code) == -1 ||
		    (argc == 4 && parse_int(argv[3], &count) == -1))
			goto bad;
		if (atcmd_add_fault(e, argv[1], code, count) == -1) {
			errstr = "too many faults";
			goto bad;
		}
		reply(c, "OK");
	} else if (strcmp(argv[0], "pin") == 0 && argc == 2) {
		if (strcmp(argv[1], "none") == 0)
			e->pin_required = 0;
		else {
			e->pin_required = 1;
			snprintf(e->pin, sizeof(e->pin), "%s", argv[1]);
		}
		e->pin_attempts = 0;
		reply(c, "OK");
	} else if (strcmp(argv[0], "sim-full") == 0) {
		e->sim_full = 1;
		reply(c, "OK");
	} else if (strcmp(argv[0], "sim-free") == 0) {
		e->sim_full = 0;
		reply(c, "OK");
	} else if (strcmp(argv[0], "hang") == 0 && argc == 2) {
		if (strcmp(argv[1], "forever") == 0)
			e->hang_until = -1;
		else if (parse_int(argv[1], &v) == 0 && v > 0)
			e->hang_until = line_now_ms() + v;
		else
			goto bad;
		reply(c, "OK");
	} else if (strcmp(argv[0], "resume") == 0) {
		e->hang_until = 0;
		line_flush_urcs(e);
		reply(c, "OK");
	} else if (strcmp(argv[0], "unplug") == 0) {
		line_close(e);
		reply(c, "OK");
	} else if (strcmp(argv[0], "unplug-on") == 0 && argc == 2) {
		snprintf(e->unplug_on, sizeof(e->unplug_on), "%s", argv[1]);
		reply(c, "OK");
	} else if (strcmp(argv[0], "replug") == 0) {
		if (line_replug(e, &errstr) == -1)
			goto bad;
		reply(c, "OK %s", e->slave_name);
	} else if (strcmp(argv[0], "sent") == 0 ||
	    strcmp(argv[0], "stored") == 0)
		cmd_list(e, c, argv[0]);
	else if (strcmp(argv[0], "clear-sent") == 0) {
		e->nsent = 0;
		reply(c, "OK");
	} else if (strcmp(argv[0], "stats") == 0)
		cmd_stats(e, c);
	else if (strcmp(argv[0], "quit") == 0) {
		reply(c, "OK bye");
		e->quit = 1;
	} else {
		errstr = "unknown command or wrong argument count";
		goto bad;
	}
	return;
bad:
	reply(c, "ERR %s", errstr);
}

void
control_read(struct emu *e, struct emu_client *c)
{
	ssize_t	n;
	char	*nl;

	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		drop(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while (c->fd != -1 && (nl = strchr(c->buf, '\n')) != NULL) {
		char	line[sizeof(c->buf)];
		size_t	l = (size_t)(nl - c->buf);

		memcpy(line, c->buf, l);
		line[l] = '\0';
		if (l > 0 && line[l - 1] == '\r')
			line[l - 1] = '\0';
		memmove(c->buf, nl + 1, c->len - l - 1);
		c->len -= l + 1;
		c->buf[c->len] = '\0';
		control_execute(e, c, line);
	}
	if (c->fd != -1 && c->len == sizeof(c->buf) - 1) {
		reply(c, "ERR line too long");
		drop(c);
	}
}
