-- Flood quarantines (gateway/decide_flood.h counts, this remembers).
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- A stored message's flood verdict: p_quarantined (the sender is over the
-- limit) begins a quarantine unless one lasts, and returns true only
-- then: the administrators' notice is queued with that message, once
-- per quarantine, whatever farold remembers; p_ended ends it.
CREATE OR REPLACE FUNCTION farol_flood_note(p_sender text, p_at timestamptz,
    p_quarantined boolean, p_ended boolean)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
	n	int;
BEGIN
	IF p_quarantined THEN
		INSERT INTO flood_quarantine AS q (sender, started_at)
		VALUES (p_sender, p_at)
		ON CONFLICT (sender) DO UPDATE SET started_at = p_at,
		    ended_at = NULL
		WHERE q.ended_at IS NOT NULL;
		GET DIAGNOSTICS n = ROW_COUNT;
		RETURN n > 0;
	END IF;
	IF p_ended THEN
		UPDATE flood_quarantine SET ended_at = p_at
		WHERE sender = p_sender AND ended_at IS NULL;
	END IF;
	RETURN false;
END
$$;

-- What farold's counter needs after a (re)connection: every message of
-- the last p_per_s seconds (sender, time, text), and whether its sender
-- is in quarantine. (plpgsql: its body is checked when it runs, after
-- the migration that makes flood_quarantine.) A message whose number the
-- purge took is no one's to count. The window is found through the BRIN
-- index message_received_brin (v23; before, the retention index
-- message_sender_kept, whose predicate the test on the number matched).
CREATE OR REPLACE FUNCTION farol_flood_seed(p_per_s int)
RETURNS TABLE (sender text, at bigint, text text, quarantined boolean)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN QUERY
	SELECT m.sender, extract(epoch FROM m.received_at)::bigint, m.text,
	    EXISTS (SELECT 1 FROM flood_quarantine q
		WHERE q.sender = m.sender AND q.ended_at IS NULL)
	FROM message m
	WHERE m.received_at > now() - make_interval(secs => p_per_s)
	    AND m.kind NOT IN ('binary', 'status_report')
	    AND (m.sender <> '' OR m.dedupe_key NOT LIKE 'purged:%')
	ORDER BY m.received_at, m.id;
END
$$;
