/*
 * test_raw.c: talks to farol-atemu's pty directly, byte by byte, to check
 * the framing gammu relies on but never shows: echo, the "> " prompt,
 * ESC cancelling a PDU, a wrong AT+CMGS length, text mode refused,
 * unsolicited codes held until a half-typed command is finished, and the
 * symlink moving on replug. Suite `modem`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "atemu_client.h"
#include "check.h"

static struct atemu	*emu;
static int		 fd = -1;
static char		 rx[8192];
static size_t		 rxlen;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
dev_open(void)
{
	struct termios	t;

	fd = open(atemu_device(emu), O_RDWR | O_NOCTTY);
	if (fd == -1) {
		perror("open device");
		exit(1);
	}
	tcgetattr(fd, &t);
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	rxlen = 0;
}

static void
dev_write(const char *s)
{
	size_t	n = strlen(s);

	if (write(fd, s, n) != (ssize_t)n) {
		perror("write");
		exit(1);
	}
}

/* Read until rx ends with want or the deadline passes; returns rx. */
static const char *
dev_expect(const char *want, int ms)
{
	long long	end = now_ms() + ms;
	struct pollfd	p;
	ssize_t		n;
	size_t		wl = strlen(want);

	rxlen = 0;
	rx[0] = '\0';
	while (now_ms() < end) {
		if (rxlen >= wl && strcmp(rx + rxlen - wl, want) == 0)
			break;
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, (int)(end - now_ms())) <= 0)
			continue;
		n = read(fd, rx + rxlen, sizeof(rx) - 1 - rxlen);
		if (n <= 0)
			break;
		rxlen += (size_t)n;
		rx[rxlen] = '\0';
	}
	return rx;
}

static void
ctl(const char *cmd, char *reply, size_t sz)
{
	const char	*errstr;

	REQUIRE(atemu_cmd(emu, reply, sz, &errstr, "%s", cmd) == 0,
	    "control %s: %s (%s)", cmd, errstr, reply);
}

int
main(void)
{
	struct atemu_opts	 o;
	const char		*errstr;
	char			 reply[512], link1[256], link2[256];
	ssize_t			 n;

	memset(&o, 0, sizeof(o));
	o.verbose = getenv("ATEMU_VERBOSE") != NULL;
	if (atemu_start(&o, &emu, &errstr) == -1) {
		fprintf(stderr, "start: %s\n", errstr);
		return 1;
	}
	dev_open();

	/* Echo, then the verbose final result. */
	dev_write("AT\r");
	CHECK_STR(dev_expect("OK\r\n", 2000), "AT\r\r\nOK\r\n");
	dev_write("ATE0\r");
	CHECK_STR(dev_expect("OK\r\n", 2000), "ATE0\r\r\nOK\r\n");
	dev_write("AT\r");
	CHECK_STR(dev_expect("OK\r\n", 2000), "\r\nOK\r\n");
	dev_write("ATE1\r");		/* typed with echo still off */
	CHECK_STR(dev_expect("OK\r\n", 2000), "\r\nOK\r\n");

	/* PDU mode only. */
	dev_write("AT+CMGF=1\r");
	CHECK_STR(dev_expect("ERROR\r\n", 2000), "AT+CMGF=1\r\r\nERROR\r\n");

	/* Prompt, then ESC cancels: nothing is sent, no final result. */
	dev_write("AT+CMGS=10\r");
	CHECK_STR(dev_expect("> ", 2000), "AT+CMGS=10\r\r\n> ");
	dev_write("0011\x1b");
	dev_write("AT\r");
	CHECK_STR(dev_expect("OK\r\n", 2000), "0011AT\r\r\nOK\r\n");
	ctl("stats", reply, sizeof(reply));
	CHECK(strstr(reply, " sent=0 ") != NULL);

	/* A PDU whose length differs from AT+CMGS=<n> is refused. */
	dev_write("AT+CMEE=1\r");
	dev_expect("OK\r\n", 2000);
	dev_write("AT+CMGS=99\r");
	dev_expect("> ", 2000);
	dev_write("0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a");
	CHECK(strstr(dev_expect("ERROR: 304\r\n", 2000), "+CMS ERROR: 304")
	    != NULL);
	dev_write("AT+CMGS=23\r");
	dev_expect("> ", 2000);
	dev_write("0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a");
	CHECK(strstr(dev_expect("OK\r\n", 2000), "\r\n+CMGS: 1\r\n\r\nOK\r\n")
	    != NULL);

	/* A URC waits while a command is half typed. */
	dev_write("AT+CNMI=2,1,0,2,0\r");
	dev_expect("OK\r\n", 2000);
	dev_write("AT+CS");
	dev_expect("AT+CS", 2000);
	ctl("sms +2381 gsm7 6869", reply, sizeof(reply));
	dev_write("Q\r");
	CHECK_STR(dev_expect("\"SM\",1\r\n", 2000),
	    "Q\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n");

	/* Unplug: the device vanishes; replug re-points the symlink. */
	n = readlink(atemu_device(emu), link1, sizeof(link1) - 1);
	link1[n > 0 ? n : 0] = '\0';
	ctl("unplug", reply, sizeof(reply));
	CHECK(access(atemu_device(emu), F_OK) == -1);
	errno = 0;
	CHECK(write(fd, "AT\r", 3) == -1);
	close(fd);
	ctl("replug", reply, sizeof(reply));
	n = readlink(atemu_device(emu), link2, sizeof(link2) - 1);
	link2[n > 0 ? n : 0] = '\0';
	CHECK(n > 0);
	CHECK_STR(reply + 3, link2);
	fprintf(stderr, "observed: %s before unplug, %s after replug\n",
	    link1, link2);
	dev_open();
	dev_write("AT\r");
	CHECK_STR(dev_expect("OK\r\n", 2000), "AT\r\r\nOK\r\n");
	close(fd);

	CHECK_INT(atemu_stop(emu), 0);
	return check_status();
}
