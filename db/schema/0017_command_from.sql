-- Schema v17: a command is judged by its sender's normalised number
-- (E.164, as alert.sender and the outbox's recipients are), not by the
-- number as the modem gave it: a modem that gives national numbers
-- ("9912345") must not make a focal point a stranger to its own alert,
-- nor a duty phone to the alert it was sent. farol_ingest_command takes
-- it as a last argument, p_from; CREATE OR REPLACE cannot add an
-- argument, so the form without it is dropped here and db/functions/
-- creates the new one in the same transaction (db/database.md).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

DROP FUNCTION IF EXISTS farol_ingest_command(text, text, text, timestamptz,
    timestamptz, int, int, text, int, text, bigint, text, jsonb, boolean,
    text);
