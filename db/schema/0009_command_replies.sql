-- Schema v9: a command's replies are queued in the transaction that
-- applies it (db/functions/commands.sql), and an OK tells the other
-- holders of the alert who took it (purpose taken_notice).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

INSERT INTO outbox_purpose VALUES ('taken_notice');

-- The 12-argument form, without the replies; farold calls the new one.
DROP FUNCTION IF EXISTS farol_ingest_command(text, text, text, timestamptz,
    timestamptz, int, int, text, int, text, bigint, text);
