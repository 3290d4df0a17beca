/*
 * registry.c: mirror the config's registry into PostgreSQL (registry.h).
 *
 * One call of farol_sync_registry(jsonb) (db/schema/0002_alerts.sql):
 * focal points and authorities are upserted, those no longer in the file
 * are marked inactive, never deleted (alerts refer to them). Logs counts
 * only, never a phone number.
 */
#include <stdlib.h>

#include <event2/buffer.h>
#include <libpq-fe.h>

#include "jsonw.h"
#include "log.h"
#include "registry.h"

void
registry_prepare(struct db *db)
{
	db_prepare_add(db, "sync_registry",
	    "SELECT farol_sync_registry($1::jsonb)", 1);
}

static void
registry_synced_cb(const PGresult *res, const struct db_error *error,
    void *arg)
{
	if (res == NULL)
		log_error("registry: mirroring focal points and authorities "
		    "into the database failed: %s", error != NULL ?
		    error->message :
		    "no result");
	else
		log_debug("registry: mirrored into the database");
}

static const char *
registry_lang(enum reply_lang lang)
{
	return lang == REPLY_EN ? "en" : "pt";
}

static void
registry_authority(struct jsonw *w, const struct config *cfg,
    const struct authority *a)
{
	jsonw_object(w, NULL);
	jsonw_str(w, "id", a->id);
	jsonw_str(w, "name", a->name);
	jsonw_array(w, "areas");
	for (int i = 0; i < cfg->codebook.n_areas; i++)
		if (a->all_areas || (a->areas & (1u << i)))
			jsonw_str(w, NULL, cfg->codebook.areas[i].code);
	jsonw_end(w, ']');
	jsonw_str(w, "lang", registry_lang(a->lang));
	jsonw_array(w, "ladder");
	for (int i = 0; i < a->n_rungs; i++)
		jsonw_str(w, NULL, a->ladder[i].number);
	jsonw_end(w, ']');
	jsonw_end(w, '}');
}

int
registry_sync(struct db *db, const struct config *cfg)
{
	struct evbuffer *buf = evbuffer_new();
	const struct focal_point *fp;
	const char *values[1];
	struct jsonw w;
	int rc;

	if (buf == NULL)
		return -1;
	jsonw_init(&w, buf);
	jsonw_object(&w, NULL);
	jsonw_array(&w, "focal_points");
	for (int i = 0; i < cfg->n_focal; i++) {
		fp = &cfg->focal[i];
		jsonw_object(&w, NULL);
		jsonw_str(&w, "id", fp->id);
		jsonw_str(&w, "number", fp->phone);
		jsonw_str(&w, "name", fp->name);
		jsonw_str(&w, "area", cfg->codebook.areas[fp->area].code);
		jsonw_str(&w, "lang", registry_lang(fp->lang));
		jsonw_bool(&w, "active", fp->active);
		jsonw_bool(&w, "has_pin", fp->pin[0] != '\0');
		jsonw_end(&w, '}');
	}
	jsonw_end(&w, ']');
	jsonw_array(&w, "authorities");
	for (int i = 0; i < cfg->n_authorities; i++)
		registry_authority(&w, cfg, &cfg->authorities[i]);
	jsonw_end(&w, ']');
	jsonw_end(&w, '}');
	values[0] = jsonw_text(&w);
	rc = db_call(db, "sync_registry", 1, values, registry_synced_cb, NULL);
	evbuffer_free(buf);
	if (rc == 0)
		log_info("registry: %d focal point(s) and %d authorit%s sent to "
		    "the database", cfg->n_focal, cfg->n_authorities,
		    cfg->n_authorities == 1 ? "y" : "ies");
	return rc;
}
