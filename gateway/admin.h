/*
 * admin.h: the administration socket that farolctl talks to.
 *
 * A Unix stream socket (mode 0600) on the main loop. The protocol is one
 * command line from the client ("status", "reload"); the answer is text
 * lines, the last of which is "OK" or "ERR <reason>". Commands are carried
 * out by handlers the daemon registers, so this file knows nothing about
 * modems or the database. Nothing here may block the loop.
 */
#ifndef FAROL_ADMIN_H
#define FAROL_ADMIN_H

#include <event2/buffer.h>
#include <event2/event.h>

struct admin;

/* Write the answer's lines into out; return 0 for OK, -1 for ERR with
 * *reason set (a static or out-owned string). */
typedef int (*admin_handler)(const char *args, struct evbuffer *out,
    const char **reason, void *arg);

struct admin *admin_listen(struct event_base *base, const char *path,
    char **cause);
void admin_add_command(struct admin *a, const char *name, const char *help,
    admin_handler fn, void *arg);
void admin_free(struct admin *a);

#endif
