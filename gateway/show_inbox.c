/*
 * show_inbox.c: `show inbox', one row: the messages read from modems and
 * not yet durable, by where they are, and what became of the others since
 * start-up.
 *
 * Columns: pending (not yet stored or spooled), storing (a database call
 * out), waiting (for the first connection, or to retry), stored, already
 * (read again from a SIM, found stored), spooled (written to the spool
 * while the database was unavailable).
 */
#include "admin.h"
#include "inbox.h"
#include "show.h"
#include "table.h"

static const char *const show_inbox_columns[] = {
	"pending", "storing", "waiting", "stored", "already", "spooled",
};

void
show_inbox(const struct show_sources *s, struct admin_reply *r, int json)
{
	struct inbox_stats st;
	struct table t;

	inbox_get_stats(s->inbox, &st);
	table_begin(&t, admin_reply_buffer(r), json, show_inbox_columns,
	    sizeof show_inbox_columns / sizeof *show_inbox_columns);
	table_int(&t, st.pending);
	table_int(&t, st.storing);
	table_int(&t, st.waiting);
	table_int(&t, st.stored);
	table_int(&t, st.already);
	table_int(&t, st.spooled);
	table_end(&t);
	admin_reply_done(r, NULL);
}
