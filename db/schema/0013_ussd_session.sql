-- Schema v13: a USSD message's deduplication key holds the operator's
-- session id (a session replayed by the operator, same sessionId and
-- text, is one message), so the message functions take it as a last
-- argument, p_session. CREATE OR REPLACE cannot add an argument: the
-- forms without it are dropped here and db/functions/ creates the new
-- ones in the same transaction (db/database.md).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

DROP FUNCTION IF EXISTS farol_message_dedupe_key(text, text, timestamptz,
    timestamptz, int, int, text);
DROP FUNCTION IF EXISTS farol_ingest_report(text, text, text, timestamptz,
    timestamptz, int, int, text, int, jsonb, jsonb);
DROP FUNCTION IF EXISTS farol_ingest_command(text, text, text, timestamptz,
    timestamptz, int, int, text, int, text, bigint, text);
DROP FUNCTION IF EXISTS farol_ingest_command(text, text, text, timestamptz,
    timestamptz, int, int, text, int, text, bigint, text, jsonb, boolean);
DROP FUNCTION IF EXISTS farol_ingest_message(text, text, text, timestamptz,
    timestamptz, int, int, text, int);
