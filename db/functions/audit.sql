-- The audit of reads (issue 21, item 5): an alert's free text and phone
-- numbers are read only through these functions, each read recorded in
-- access_audit (append-only, db/schema/0015_retention_audit.sql) in the
-- same transaction, before anything is returned.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/retention.md.

-- Alert p_ref with its free text and numbers, read by p_who (the
-- console's "unix:<name>") over p_channel for p_reason (not blank: the
-- table's CHECK refuses the read otherwise). No row, and nothing
-- recorded, when there is no such alert. p_ref may be an alias of the
-- alert's number (farol_alert_of_ref); the read is recorded under the
-- alert's own number.
CREATE OR REPLACE FUNCTION farol_audit_alert(p_ref bigint, p_who text,
    p_channel text, p_reason text)
RETURNS TABLE (ref bigint, area text, forms text, urgency int,
    victims int, state text, received_at text, focal_point text,
    sender text, text text, message text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
	v_id	bigint;
	v_ref	bigint;
BEGIN
	SELECT a.id, a.ref INTO v_id, v_ref FROM alert a
	WHERE a.id = farol_alert_of_ref(p_ref);
	IF NOT FOUND THEN
		RETURN;
	END IF;
	INSERT INTO access_audit (who, channel, alert_ref, what, reason)
	VALUES (p_who, p_channel, v_ref, 'alert.sender, alert.text, '
	    'message.text, event actors and notes', p_reason);
	RETURN QUERY SELECT a.ref, a.area, array_to_string(a.forms, ','),
	    a.urgency, a.victims, a.state,
	    to_char(a.received_at, 'YYYY-MM-DD"T"HH24:MI:SSOF'),
	    a.focal_point, a.sender, a.text, m.text
	FROM alert a JOIN message m ON m.id = a.message_id
	WHERE a.id = v_id;
END
$$;

-- The events of alert p_ref with their actors and notes as stored (a
-- phone's number, an INFO's words). Only after farol_audit_alert
-- recorded p_who's read of it in this minute, else no row. p_ref may be
-- an alias, as there.
CREATE OR REPLACE FUNCTION farol_audit_alert_events(p_ref bigint,
    p_who text)
RETURNS TABLE (at text, "from" text, "to" text, actor text, note text)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY SELECT to_char(e.at, 'YYYY-MM-DD"T"HH24:MI:SSOF'),
	    e.from_state, e.to_state, e.actor, e.note
	FROM alert_event e JOIN alert a ON a.id = e.alert_id
	WHERE a.id = farol_alert_of_ref(p_ref) AND EXISTS (SELECT 1
	    FROM access_audit au
	    WHERE au.alert_ref = a.ref AND au.who = p_who
	    AND au.at > now() - interval '1 minute')
	ORDER BY e.id;
END
$$;
