/*
 * atemu.c: farol-atemu, an AT modem emulated on a pseudo-terminal so that
 * tests drive gammu's real AT driver without hardware.
 *
 *   farol-atemu -d DIR [-n SLOTS] [-v] [-E]
 *
 * Creates DIR/modem (symlink to the current /dev/pts/N) and DIR/control
 * (Unix socket, see control.c), then prints "READY DIR/modem DIR/control"
 * on stdout. Started by tests through atemu_client.c or by hand. A single
 * thread around poll(): nothing may block; it exits on "quit", SIGTERM or
 * SIGINT, removing the symlink and the socket.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atemu.h"

static volatile sig_atomic_t	stop;

static void
stop_cb(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: farol-atemu -d dir [-n slots] [-v] [-E]\n"
	    "  -d dir    where to create the modem symlink and control socket\n"
	    "  -n slots  SIM message slots (default 30, max %d)\n"
	    "  -v        log every AT exchange to stderr\n"
	    "  -E        do not echo the PDU typed after the \"> \" prompt\n",
	    EMU_MAX_SLOTS);
	exit(2);
}

static int
poll_timeout(const struct emu *e)
{
	int64_t	left;

	if (e->hang_until <= 0)
		return -1;
	left = e->hang_until - line_now_ms();
	return left < 0 ? 0 : (int)left;
}

static void
loop(struct emu *e)
{
	struct pollfd	pfd[2 + EMU_MAX_CLIENTS];
	int		map[2 + EMU_MAX_CLIENTS];
	int		n, i, r;

	while (!e->quit && !stop) {
		n = 0;
		if (e->master != -1) {
			pfd[n].fd = e->master;
			pfd[n].events = POLLIN | (e->outlen ? POLLOUT : 0);
			map[n++] = -1;
		}
		pfd[n].fd = e->listen_fd;
		pfd[n].events = POLLIN;
		map[n++] = -2;
		for (i = 0; i < EMU_MAX_CLIENTS; i++) {
			if (e->clients[i].fd == -1)
				continue;
			pfd[n].fd = e->clients[i].fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		r = poll(pfd, (nfds_t)n, poll_timeout(e));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			perror("atemu: poll");
			return;
		}
		if (e->hang_until > 0 && line_now_ms() >= e->hang_until) {
			e->hang_until = 0;
			line_flush_urcs(e);
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (map[i] == -1) {
				if (e->master == -1)
					continue;
				if (pfd[i].revents & POLLOUT)
					line_flush(e);
				if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
					line_read(e);
			} else if (map[i] == -2)
				control_accept(e);
			else if (e->clients[map[i]].fd != -1)
				control_read(e, &e->clients[map[i]]);
		}
	}
}

int
main(int argc, char **argv)
{
	static struct emu	 e;
	struct sigaction	 sa;
	const char		*errstr;
	int			 ch, i;

	memset(&e, 0, sizeof(e));
	e.master = e.slave = e.listen_fd = -1;
	e.nslots = 30;
	e.echo_pdu = 1;
	for (i = 0; i < EMU_MAX_CLIENTS; i++)
		e.clients[i].fd = -1;

	while ((ch = getopt(argc, argv, "d:n:vE")) != -1) {
		switch (ch) {
		case 'd':
			snprintf(e.dir, sizeof(e.dir), "%s", optarg);
			break;
		case 'n':
			e.nslots = atoi(optarg);
			if (e.nslots < 1 || e.nslots > EMU_MAX_SLOTS)
				usage();
			break;
		case 'v':
			e.verbose = 1;
			break;
		case 'E':
			e.echo_pdu = 0;
			break;
		default:
			usage();
		}
	}
	if (e.dir[0] == '\0' || optind != argc)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_cb;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	atcmd_init(&e);
	if (line_open(&e, &errstr) == -1 || control_open(&e, &errstr) == -1) {
		fprintf(stderr, "farol-atemu: %s\n", errstr);
		line_close(&e);
		control_close(&e);
		return 1;
	}
	if (e.verbose)
		fprintf(stderr, "atemu: %s -> %s\n", e.link, e.slave_name);
	printf("READY %s %s\n", e.link, e.ctl_path);
	fflush(stdout);

	loop(&e);

	line_close(&e);
	control_close(&e);
	free(e.out);
	free(e.urc);
	free(e.sent);
	return 0;
}
