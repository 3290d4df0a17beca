-- Schema v12: flood quarantines live in the database, so a restart
-- neither forgets one nor tells the administrators again
-- (db/functions/flood.sql). One row per sender: ended_at NULL while the
-- quarantine lasts.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE TABLE flood_quarantine (
	sender		text PRIMARY KEY,
	started_at	timestamptz NOT NULL,
	ended_at	timestamptz
);

-- The flood notice is queued with its message now: nothing calls this.
DROP FUNCTION IF EXISTS farol_outbox_queue(jsonb);
