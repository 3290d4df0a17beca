/*
 * admin.h: the administration socket that farolctl talks to.
 *
 * A Unix stream socket (mode 0660, group gateway.admin_group; its
 * directory created at start if missing) on the main loop. The protocol is one
 * command line from the client ("status", "reload"); the answer is text
 * lines, the last of which is "OK" or "ERR <reason>". Commands are carried
 * out by handlers the daemon registers, so this file knows nothing about
 * modems or the database. Nothing here may block the loop.
 *
 * A handler that must wait (for the database) is registered with
 * admin_add_deferred(): it gets an admin_reply, writes into its buffer,
 * and finishes it with admin_reply_done() exactly once, now or from a
 * later callback. If the client has gone by then, the answer is dropped.
 */
#ifndef FAROL_ADMIN_H
#define FAROL_ADMIN_H

#include <event2/buffer.h>
#include <event2/event.h>

struct admin;

/* Write the answer's lines into out; return 0 for OK, -1 for ERR with
 * *cause set (cause.h: allocated, admin.c frees it). */
typedef int (*admin_handler)(const char *args, struct evbuffer *out,
    char **cause, void *arg);

/* gid: the socket's group (gateway.admin_group), -1 to keep farold's. */
struct admin *admin_listen(struct event_base *base, const char *path,
    long gid, char **cause);
void admin_add_command(struct admin *a, const char *name, const char *help,
    admin_handler fn, void *arg);

struct admin_reply;
typedef void (*admin_deferred_handler)(const char *args,
    struct admin_reply *r, void *arg);

void admin_add_deferred(struct admin *a, const char *name, const char *help,
    admin_deferred_handler fn, void *arg);
/* Who asked: "unix:<user>", from the socket's peer credentials
 * (SO_PEERCRED), for the records of what an administrator did. */
const char *admin_reply_user(struct admin_reply *r);

/* Where the answer's lines go. */
struct evbuffer *admin_reply_buffer(struct admin_reply *r);
/* Send the answer with "OK" (error NULL) or "ERR error", and free r. */
void admin_reply_done(struct admin_reply *r, const char *error);

void admin_free(struct admin *a);

#endif
