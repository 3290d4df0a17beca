-- What-if for tests/bench/ingest_cost: farol_ingest_many set-based, one
-- INSERT per table per batch (message, alert, alert_event, outbox): the
-- shape the foreign key guards of v22 pay in, measured before the real
-- set-based ingest (issue 20, branch setbased) landed. Enough for
-- ingest_cost's load only: every element a new report with an alert;
-- no commands, flood notices or digest rows, and the reply limit does
-- not see the batch's own rows.
CREATE OR REPLACE FUNCTION farol_ingest_many(p jsonb)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	v_msg	bigint[];
	v_recv	timestamptz[];
	v_alert	bigint[];
	v_ref	bigint[];
BEGIN
	WITH e AS (SELECT t.ord, x.*, farol_message_dedupe_key(x.sender,
	    x.text, NULLIF(x.smsc_time, '')::timestamptz,
	    to_timestamp(x.received_at), coalesce(x.parts, 1),
	    NULLIF(x.concat_ref, -1), coalesce(x.kind, 'sms'), x.session) AS key
	    FROM jsonb_array_elements(p) WITH ORDINALITY t(e, ord),
	    jsonb_to_record(t.e) AS x(modem text, sender text, text text,
		smsc_time text, received_at double precision, parts int,
		concat_ref int, kind text, parts_expected int, session text)),
	ins AS (INSERT INTO message AS m (modem, sender, text, smsc_time,
	    received_at, parts, parts_expected, concat_ref, kind, dedupe_key)
	    SELECT e.modem, e.sender, e.text,
		NULLIF(e.smsc_time, '')::timestamptz,
		to_timestamp(e.received_at), coalesce(e.parts, 1),
		greatest(coalesce(e.parts_expected, 1), coalesce(e.parts, 1)),
		NULLIF(e.concat_ref, -1), coalesce(e.kind, 'sms'), e.key
	    FROM e ORDER BY e.ord
	    ON CONFLICT (dedupe_key) DO NOTHING
	    RETURNING m.id, m.dedupe_key, m.received_at)
	SELECT array_agg(ins.id ORDER BY e.ord),
	    array_agg(ins.received_at ORDER BY e.ord) INTO v_msg, v_recv
	FROM e LEFT JOIN ins ON ins.dedupe_key = e.key;

	WITH a AS (SELECT t.ord, t.e->'alert' AS al, t.e->>'sender' AS sender
	    FROM jsonb_array_elements(p) WITH ORDINALITY t(e, ord)),
	ins AS (INSERT INTO alert AS x (ref, message_id, focal_point, sender,
	    verified, area, forms, urgency, victims, females, males,
	    minor, text, error, held_reason, state, received_at,
	    rung_plan, rung_plan_next_at)
	    SELECT coalesce((al->>'ref')::bigint, nextval('alert_ref_seq')),
		v_msg[a.ord], al->>'focal_point',
		coalesce(al->>'sender', a.sender),
		coalesce((al->>'verified')::boolean, false), al->>'area',
		ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(al->'forms', '[]'))),
		(al->>'urgency')::int, (al->>'victims')::int,
		(al->>'females')::int, (al->>'males')::int,
		coalesce((al->>'minor')::boolean, false),
		coalesce(al->>'text', ''), al->>'error', al->>'held_reason',
		coalesce(al->>'state', 'received'), v_recv[a.ord],
		al->'rung_plan', now() + make_interval(secs =>
		    (al->>'rung_plan_after_s')::double precision)
	    FROM a WHERE v_msg[a.ord] IS NOT NULL
		AND jsonb_typeof(a.al) = 'object'
	    ORDER BY a.ord
	    RETURNING x.id, x.ref, x.message_id)
	SELECT array_agg(ins.id ORDER BY a.ord),
	    array_agg(ins.ref ORDER BY a.ord)
	INTO v_alert, v_ref
	FROM a LEFT JOIN ins ON ins.message_id = v_msg[a.ord];

	INSERT INTO alert_event (alert_id, from_state, to_state, actor, note)
	SELECT a.id, NULL, a.state, 'farold', a.held_reason
	FROM alert a WHERE a.id = ANY (v_alert);

	INSERT INTO outbox (alert_id, message_id, recipient, text,
	    purpose, authority_id, rung, state, not_before, modem,
	    message_ref, submitted_at, error)
	SELECT v_alert[t.ord], v_msg[t.ord], o.recipient,
	    CASE WHEN v_ref[t.ord] IS NULL THEN o.text
		ELSE replace(o.text, '{ref}', v_ref[t.ord]::text) END,
	    o.purpose, o.authority, o.rung,
	    CASE WHEN l.over THEN 'cancelled'
		ELSE coalesce(o.state, 'queued') END,
	    now() + make_interval(secs => coalesce(o.after_s, 0)),
	    o.modem, o.message_ref,
	    CASE WHEN o.state = 'submitted' THEN coalesce(
		to_timestamp(o.submitted_at), now()) END,
	    CASE WHEN l.over THEN 'reply limit: ' || o.limit_max ||
		' in ' || o.limit_per_s || ' s to this number' END
	FROM jsonb_array_elements(p) WITH ORDINALITY t(e, ord)
	CROSS JOIN LATERAL jsonb_to_recordset(coalesce(t.e->'outbox', '[]'))
	    AS o(
	    alert_id bigint, message_id bigint, recipient text,
	    text text, purpose text, authority text, rung int,
	    state text, after_s double precision, modem text,
	    message_ref int, submitted_at double precision,
	    limit_max int, limit_per_s int)
	CROSS JOIN LATERAL (SELECT o.limit_max IS NOT NULL AND (
		SELECT count(*) FROM (SELECT 1 FROM outbox x
		    WHERE x.recipient = o.recipient
			AND x.purpose IN ('receipt', 'reply')
			AND x.state <> 'cancelled'
			AND x.created_at > now() - make_interval(
			    secs => o.limit_per_s)
		    LIMIT o.limit_max) x) >= o.limit_max AS over OFFSET 0) l
	WHERE v_msg[t.ord] IS NOT NULL;

	RETURN QUERY SELECT (t.ord - 1)::int, v_msg[t.ord],
	    v_msg[t.ord] IS NOT NULL, NULL::text, v_alert[t.ord], v_ref[t.ord],
	    NULL::int, NULL::text, NULL::text, NULL::text, NULL::text[]
	FROM jsonb_array_elements(p) WITH ORDINALITY t(e, ord);
END
$$;
