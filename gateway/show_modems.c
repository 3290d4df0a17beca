/*
 * show_modems.c: `show modems', one row per configured modem, from the
 * health each worker last reported (modem_get_health): no modem is asked
 * anything, so the answer never waits on a serial line.
 *
 * Columns: name, connected, healthy, role (send, receive, both), signal
 * (percent, null unknown), network, sim_used, sim_total, send_queue, sent,
 * failed, received (since start-up), problem (null when healthy), paused
 * (by an administrator: takes no sends).
 */
#include "admin.h"
#include "modem.h"
#include "show.h"
#include "table.h"

static const char *const show_modems_columns[] = {
	"name", "connected", "healthy", "role", "signal", "network",
	"sim_used", "sim_total", "send_queue", "sent", "failed", "received",
	"problem", "paused",
};

void
show_modems(const struct show_sources *s, struct admin_reply *r, int json)
{
	struct modem_health h;
	struct table t;

	table_begin(&t, admin_reply_buffer(r), json, show_modems_columns,
	    sizeof show_modems_columns / sizeof *show_modems_columns);
	for (int i = 0; i < *s->n_modems; i++) {
		modem_get_health(s->modems[i], &h);
		table_str(&t, h.name);
		table_bool(&t, h.connected);
		table_bool(&t, h.healthy);
		table_str(&t, h.can_send && h.can_receive ? "both" :
		    h.can_send ? "send" : "receive");
		if (h.signal_percent < 0)
			table_null(&t);
		else
			table_int(&t, h.signal_percent);
		table_str(&t, h.network[0] != '\0' ? h.network : NULL);
		table_int(&t, h.sim_used);
		table_int(&t, h.sim_total);
		table_int(&t, h.send_queue);
		table_int(&t, h.sent);
		table_int(&t, h.failed);
		table_int(&t, h.received);
		table_str(&t, h.problem[0] != '\0' ? h.problem : NULL);
		table_bool(&t, h.paused);
	}
	table_end(&t);
	admin_reply_done(r, NULL);
}
