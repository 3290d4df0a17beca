/*
 * http_health.c: /healthz, for a supervisor or a load balancer: 200 "ok"
 * when farold is ready, else 503 and why, one reason a line:
 *
 *   database: STATE            PostgreSQL is not connected (reports go
 *                              to the spool; the engine's state says
 *                              what it is doing about it)
 *   ingest lane N: STATE       that ingest lane's own connection is not
 *                              connected (its senders' reports go to
 *                              the spool)
 *   no healthy modem           no modem is connected and answering
 *   spool backlog: N message(s), oldest S s
 *                              the spool has held a message longer than
 *                              HTTP_SPOOL_BACKLOG_S (the replay is stuck
 *                              or the database keeps failing)
 *   gateway: WHY               this gateway's name is not registered
 *                              (another live farold holds it): it sends
 *                              nothing from the outbox (presence.h)
 *
 * Read from memory alone: answered at once, even with the database down.
 */
#include <string.h>
#include <time.h>

#include "db.h"
#include "http_private.h"
#include "ingest.h"
#include "modem.h"
#include "presence.h"
#include "show.h"
#include "spool.h"

/* The spool drains within seconds of the database's return: a message
 * older than this means it is not draining. */
#define HTTP_SPOOL_BACKLOG_S 60

int
http_health_reasons(const struct http_sources *src, struct evbuffer *out)
{
	const struct show_sources *s = src->show;
	struct modem_health mh;
	time_t oldest = spool_oldest_time(s->spool);
	int n = 0, healthy = 0;

	if (!db_is_ready(s->db)) {
		evbuffer_add_printf(out, "database: %s\n",
		    db_state_name(db_get_state(s->db)));
		n++;
	}
	for (int i = 1; i < ingest_lanes(s->ingest); i++) {
		struct ingest_lane_stats st;

		ingest_get_lane(s->ingest, i, &st);
		if (strcmp(st.state, db_state_name(DB_READY)) != 0 &&
		    strcmp(st.state, db_state_name(DB_BUSY)) != 0) {
			evbuffer_add_printf(out, "ingest lane %d: %s\n", i,
			    st.state);
			n++;
		}
	}
	for (int i = 0; i < *s->n_modems; i++) {
		modem_get_health(s->modems[i], &mh);
		healthy += mh.healthy != 0;
	}
	if (db_is_ready(s->db) && !presence_registered(s->presence)) {
		evbuffer_add_printf(out, "gateway: %s\n",
		    presence_problem(s->presence));
		n++;
	}
	if (healthy == 0) {
		evbuffer_add_printf(out, "no healthy modem\n");
		n++;
	}
	if (oldest != 0 && time(NULL) - oldest > HTTP_SPOOL_BACKLOG_S) {
		evbuffer_add_printf(out, "spool backlog: %d message(s), "
		    "oldest %lld s\n", spool_count(s->spool),
		    (long long)(time(NULL) - oldest));
		n++;
	}
	return n;
}

void
http_healthz(struct http *h, struct evhttp_request *req,
    const struct http_sources *src)
{
	struct evbuffer *body = evbuffer_new();

	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (http_health_reasons(src, body) == 0) {
		evbuffer_add_printf(body, "ok\n");
		http_send(req, 200, "text/plain; charset=utf-8", body);
	} else
		http_send(req, 503, "text/plain; charset=utf-8", body);
	evbuffer_free(body);
}
