-- Storing received messages: a report with its alert and outbox rows, a
-- command with its effect, and many of either in one transaction.
-- Re-applied with CREATE OR REPLACE on every start-up, after the
-- migrations, in their transaction (db/migrate.c); docs: db/database.md.

-- Store a received message with its alert (p_alert, NULL for none; its
-- "ref" when the number was given out while the database was down) and
-- its outbox rows (p_outbox, an array of {recipient, text, purpose,
-- authority, rung, after_s, state, modem, message_ref, submitted_at}),
-- all or nothing. A message already stored changes nothing: the first
-- call's alert is returned and outbox_queued is 0. The alert's later
-- rungs (p_alert's "rung_plan" of the rows due more than rung_horizon
-- after now, db/database.md "The rung plan"; the first "rung_plan_after_s"
-- after now) are kept on the alert, not written: the janitor writes
-- each into the outbox shortly before it is due (farol_alert_plan_write).
CREATE OR REPLACE FUNCTION farol_ingest_report(p_modem text, p_sender text,
    p_text text, p_smsc_time timestamptz, p_received_at timestamptz,
    p_parts int, p_concat_ref int, p_kind text, p_parts_expected int,
    p_alert jsonb, p_outbox jsonb, p_session text DEFAULT NULL)
RETURNS TABLE (message_id bigint, inserted boolean, alert_id bigint,
    alert_ref bigint, outbox_queued int)
LANGUAGE plpgsql
AS $$
DECLARE
	v_received	timestamptz;
BEGIN
	SELECT m.message_id, m.inserted INTO message_id, inserted
	FROM farol_ingest_message(p_modem, p_sender, p_text, p_smsc_time,
	    p_received_at, p_parts, p_concat_ref, p_kind, p_parts_expected,
	    p_session) m;
	outbox_queued := 0;
	IF NOT inserted THEN
		SELECT a.id, a.ref INTO alert_id, alert_ref FROM alert a
		WHERE a.message_id = farol_ingest_report.message_id;
		RETURN NEXT;
		RETURN;
	END IF;
	IF p_alert IS NOT NULL AND jsonb_typeof(p_alert) = 'object' THEN
		SELECT m.received_at INTO v_received FROM message m
		WHERE m.id = farol_ingest_report.message_id;
		-- "ref": the number its forwards carried while the
		-- database was down (reserved from alert_ref_seq earlier).
		INSERT INTO alert AS a (ref, message_id, focal_point, sender,
		    verified, area, forms, urgency, victims, females, males,
		    minor, text, error, held_reason, state, received_at,
		    rung_plan, rung_plan_next_at)
		VALUES (coalesce((p_alert->>'ref')::bigint,
		    nextval('alert_ref_seq')), farol_ingest_report.message_id,
		    p_alert->>'focal_point',
		    coalesce(p_alert->>'sender', p_sender),
		    coalesce((p_alert->>'verified')::boolean, false),
		    p_alert->>'area',
		    ARRAY(SELECT jsonb_array_elements_text(
			coalesce(p_alert->'forms', '[]'))),
		    (p_alert->>'urgency')::int, (p_alert->>'victims')::int,
		    (p_alert->>'females')::int, (p_alert->>'males')::int,
		    coalesce((p_alert->>'minor')::boolean, false),
		    coalesce(p_alert->>'text', ''), p_alert->>'error',
		    p_alert->>'held_reason',
		    coalesce(p_alert->>'state', 'received'), v_received,
		    p_alert->'rung_plan', now() + make_interval(secs =>
			(p_alert->>'rung_plan_after_s')::double precision))
		RETURNING a.id, a.ref INTO alert_id, alert_ref;
		INSERT INTO alert_event (alert_id, from_state, to_state, actor,
		    note)
		SELECT alert_id, NULL, a.state, 'farold', a.held_reason
		FROM alert a WHERE a.id = alert_id;
	END IF;
	outbox_queued := farol_outbox_insert(p_outbox, alert_id,
	    farol_ingest_report.message_id, alert_ref);
	-- A forward already sent while the database was down.
	IF alert_id IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_array_elements(
	    coalesce(p_outbox, '[]')) o WHERE o->>'state' = 'submitted' AND
	    o->>'purpose' = 'forward') THEN
		PERFORM farol_alert_transition(alert_id, 'forwarded',
		    'farold', 'forwarded while the database was down');
	END IF;
	RETURN NEXT;
END
$$;

-- Many received messages in one transaction (group commit): farold
-- batches the messages that arrive while the previous batch commits, and
-- the spool replay sends up to 64 at a time. p is an array of objects
-- with the parameters of farol_ingest_report (modem, sender, text,
-- smsc_time, received_at as epoch seconds, parts, concat_ref, kind,
-- parts_expected, session (USSD only), alert, outbox, and "flood": "quarantined" or "ended"
-- with "flood_notice", the administrators' rows) or, with "command", of
-- farol_ingest_command (command, ref, note, replies, admin, and "from":
-- the sender normalised, when farold could). One row per element, i from
-- 0, in order. All or nothing: an error fails the whole batch (farold
-- then stores its messages one by one).
-- The ten fields of the message, which a report and a command share,
-- are read by one jsonb_to_record.
CREATE OR REPLACE FUNCTION farol_ingest_many(p jsonb)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	e	jsonb;
	k	int := 0;
	m	record;		-- the message fields of e
	c	record;		-- what farol_ingest_command returned
	r	record;		-- what farol_ingest_report returned
	v_refs	bigint[];	-- the alerts its commands name
BEGIN
	-- Two batches stored at once (ingest lanes, or two gateways) may
	-- hold commands on the same alerts in opposite orders: each locks
	-- them all first, by ref, so one waits for the other instead of a
	-- deadlock (db/database.md, "Ingest lanes").
	v_refs := ARRAY(SELECT DISTINCT (x->>'ref')::bigint
	    FROM jsonb_array_elements(p) x
	    WHERE x ? 'command' AND jsonb_typeof(x->'ref') = 'number'
	    ORDER BY 1);
	IF cardinality(v_refs) > 1 THEN
		PERFORM 1 FROM alert a WHERE a.ref = ANY (v_refs)
		ORDER BY a.ref FOR UPDATE;
	END IF;
	FOR e IN SELECT * FROM jsonb_array_elements(p)
	LOOP
		SELECT x.modem, x.sender, x.text,
		    NULLIF(x.smsc_time, '')::timestamptz AS smsc_time,
		    to_timestamp(x.received_at) AS received_at, x.parts,
		    NULLIF(x.concat_ref, -1) AS concat_ref, x.kind,
		    x.parts_expected, x.session
		INTO m
		FROM jsonb_to_record(e) AS x(modem text, sender text,
		    text text, smsc_time text,
		    received_at double precision, parts int, concat_ref int,
		    kind text, parts_expected int, session text);
		i := k;
		IF e ? 'command' THEN
			SELECT * INTO c FROM farol_ingest_command(m.modem,
			    m.sender, m.text, m.smsc_time, m.received_at,
			    m.parts, m.concat_ref, m.kind, m.parts_expected,
			    e->>'command', (e->>'ref')::bigint, e->>'note',
			    e->'replies', coalesce((e->>'admin')::boolean,
			    false), m.session, e->>'from');
			message_id := c.message_id;
			inserted := c.inserted;
			result := c.result;
			alert_id := c.alert_id;
			alert_ref := c.alert_ref;
			outbox_queued := c.outbox_queued;
			state := c.state;
			focal_number := c.focal_number;
			authority_name := c.authority_name;
			holders := c.holders;
		ELSE
			SELECT * INTO r FROM farol_ingest_report(m.modem,
			    m.sender, m.text, m.smsc_time, m.received_at,
			    m.parts, m.concat_ref, m.kind, m.parts_expected,
			    CASE WHEN jsonb_typeof(e->'alert') = 'object'
				THEN e->'alert' END,
			    e->'outbox', m.session);
			message_id := r.message_id;
			inserted := r.inserted;
			result := NULL;
			alert_id := r.alert_id;
			alert_ref := r.alert_ref;
			outbox_queued := r.outbox_queued;
			state := NULL;
			focal_number := NULL;
			authority_name := NULL;
			holders := NULL;
		END IF;
		-- The flood verdict farold's counter gave (decide_flood.h):
		-- the administrators' notice once per quarantine.
		IF inserted AND (e ? 'flood') AND farol_flood_note(m.sender,
		    m.received_at, (e->>'flood') = 'quarantined',
		    (e->>'flood') = 'ended') THEN
			PERFORM farol_outbox_insert(e->'flood_notice', NULL,
			    message_id, NULL);
		END IF;
		RETURN NEXT;
		k := k + 1;
	END LOOP;
END
$$;
