-- Schema v11: a held alert's routing waits in the outbox. When an alert is
-- held (a PIN missing or wrong, a flood quarantine), farold also writes
-- the rows its release would send (receipt, forwards, rungs) in the new
-- state 'held', never claimed; farol_alert_release queues them,
-- farol_alert_dismiss cancels them (db/functions/held.sql). And
-- farol_ingest_command learns whether the sender is an administrator
-- (LIBERAR / RELEASE).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

INSERT INTO outbox_state VALUES ('held');

-- The 13-argument form (v9), without p_admin; farold calls the new one.
DROP FUNCTION IF EXISTS farol_ingest_command(text, text, text, timestamptz,
    timestamptz, int, int, text, int, text, bigint, text, jsonb);
