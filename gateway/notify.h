/*
 * notify.h: systemd's service notification protocol, written by hand (no
 * libsystemd): datagrams such as "READY=1" to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace), and the
 * watchdog's "WATCHDOG=1" every half of $WATCHDOG_USEC, sent from the
 * event loop so that a stuck loop stops the pings and systemd restarts
 * farold. Without $NOTIFY_SOCKET every call does nothing.
 */
#ifndef FAROL_NOTIFY_H
#define FAROL_NOTIFY_H

struct event_base;
struct notify;

/* Read the environment (and unset it, so that no child inherits it);
 * start the watchdog's pings on base when $WATCHDOG_USEC asks for them.
 * NULL only when memory is short. */
struct notify *notify_new(struct event_base *base);

/* Send one state ("READY=1", "STOPPING=1", "STATUS=..."); 0, or -1 when
 * there is no socket or the send failed. */
int notify_send(struct notify *n, const char *state);

/* Stop the pings (before the loop's last run) and free. NULL is fine. */
void notify_free(struct notify *n);

#endif
