-- Inbound messages: the deduplication key and storing one message.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- The deduplication key of an inbound message: the SHA-256 (hex) of
--   "v1|kind|sender|time|concat_ref|parts|sha256(text)"
-- where time is the SMSC timestamp in UTC ("s:YYYY-MM-DDTHH:MM:SS.USZ"),
-- or, for a USSD message, the operator's session id ("u:" and the id: a
-- step the operator sends again is the same message), or else the time
-- the gateway first received it ("r:..."), and a missing concat_ref is
-- empty. Formatting
-- with to_char in UTC keeps the key the same whatever the session's
-- TimeZone or DateStyle. Re-reading the same SMS from the SIM gives the
-- same key; the modem it arrived on is deliberately not part of it.
-- Inlined into its callers' statements (no call per message; the ingest
-- computes one per report): hence no farol_ prefix, as outbox_row_of
-- (db/database.md, "One outbox row, one definition"). farol_ingest_message
-- and farol_ingest_reports call it; farol_message_dedupe_key is the same.
CREATE OR REPLACE FUNCTION message_dedupe_key(p_sender text, p_text text,
    p_smsc_time timestamptz, p_received_at timestamptz, p_parts int,
    p_concat_ref int, p_kind text, p_session text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT encode(sha256(convert_to(
	    'v1|' || p_kind || '|' || p_sender || '|' ||
	    CASE WHEN p_session IS NOT NULL AND p_session <> ''
		THEN 'u:' || p_session
		WHEN p_smsc_time IS NOT NULL
		THEN 's:' || to_char(p_smsc_time AT TIME ZONE 'UTC',
		    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
		ELSE 'r:' || to_char(p_received_at AT TIME ZONE 'UTC',
		    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
	    END || '|' ||
	    coalesce(p_concat_ref::text, '') || '|' ||
	    p_parts::text || '|' ||
	    encode(sha256(convert_to(p_text, 'UTF8')), 'hex'),
	    'UTF8')), 'hex')
$$;

-- The same key under its documented name, for anyone but the ingest
-- (tests, an administrator's query); kept so that an upgraded database
-- and a fresh one hold the same functions.
CREATE OR REPLACE FUNCTION farol_message_dedupe_key(p_sender text, p_text text,
    p_smsc_time timestamptz, p_received_at timestamptz, p_parts int,
    p_concat_ref int, p_kind text, p_session text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT message_dedupe_key(p_sender, p_text, p_smsc_time,
	    p_received_at, p_parts, p_concat_ref, p_kind, p_session)
$$;

-- Store one inbound message unless it is already stored. Returns its id
-- either way and whether this call inserted it. Safe to repeat and to run
-- concurrently (ON CONFLICT on the unique dedupe_key). NULL received_at
-- means now(), NULL parts 1, NULL kind 'sms', NULL (or too small)
-- parts_expected the number of parts. parts_expected is not part of the
-- key. A repeat returns the first row's id and changes nothing.
CREATE OR REPLACE FUNCTION farol_ingest_message(p_modem text, p_sender text,
    p_text text, p_smsc_time timestamptz, p_received_at timestamptz,
    p_parts int, p_concat_ref int, p_kind text, p_parts_expected int,
    p_session text DEFAULT NULL)
RETURNS TABLE (message_id bigint, inserted boolean)
LANGUAGE plpgsql
AS $$
DECLARE
	v_received	timestamptz := coalesce(p_received_at, now());
	v_parts		int := coalesce(p_parts, 1);
	v_expected	int := greatest(coalesce(p_parts_expected, 1), v_parts);
	v_kind		text := coalesce(p_kind, 'sms');
	v_key		text;
BEGIN
	v_key := message_dedupe_key(p_sender, p_text, p_smsc_time,
	    v_received, v_parts, p_concat_ref, v_kind, p_session);
	INSERT INTO message AS m (modem, sender, text, smsc_time, received_at,
	    parts, parts_expected, concat_ref, kind, dedupe_key)
	VALUES (p_modem, p_sender, p_text, p_smsc_time, v_received,
	    v_parts, v_expected, p_concat_ref, v_kind, v_key)
	ON CONFLICT (dedupe_key) DO NOTHING
	RETURNING m.id INTO message_id;
	IF FOUND THEN
		inserted := true;
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT m.id INTO message_id FROM message m WHERE m.dedupe_key = v_key;
	inserted := false;
	RETURN NEXT;
END
$$;
