-- Storing received messages: a report with its alert and outbox rows, a
-- command with its effect, and many of either in one transaction.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- A forward the spool sent (p_sent: rows of farol_ingest_report's
-- p_outbox, `submitted') under number p_ref, an alias of alert p_alert
-- (farol_ingest_sent_again): the alert's own forward of the same rung to
-- the same recipient, still queued, is not sent again: the duty phone
-- has the alert. It is cancelled, saying why. One already claimed
-- (`sending', `submitted') went or is going: the window left
-- (gateway/alerts.md, "A report stored twice"); gateway/outbox.c holds
-- its claims until the spool's forwards are replayed, to keep it small.
-- (When an alert's first-rung forwards are entries of its rung_plan
-- rather than rows, that recipient's entry is dropped here too.)
-- Returns how many forwards were cancelled.
CREATE OR REPLACE FUNCTION farol_alert_skip_sent_forwards(p_alert bigint,
    p_ref bigint, p_sent jsonb)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	n	int;
BEGIN
	UPDATE outbox o SET state = 'cancelled', updated_at = now(),
	    error = 'sent from the spool as alert ' || p_ref
	WHERE o.alert_id = p_alert AND o.state = 'queued'
	    AND o.purpose = 'forward'
	    AND EXISTS (SELECT 1 FROM jsonb_to_recordset(p_sent)
		AS s(recipient text, rung int)
		WHERE s.recipient = o.recipient AND s.rung = o.rung);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- A report already stored whose forwards farold sent again from its
-- spool: its ingest committed but the answer was lost (the primary died
-- between the commit, already on the synchronous standby, and the
-- answer), so farold spooled it and, the database being down, forwarded
-- it under p_ref, a number reserved for the outage (db/fwdq.c; NULL:
-- none was left). Each such SMS is recorded as a row of its own,
-- `submitted', without a rung (as a forward sent without a number), so
-- that every SMS a modem took has its row; p_ref becomes an alias of the
-- stored alert (alert_ref_alias: `OK p_ref' acts on it), whose own
-- forward to the same number, still queued, is not sent again
-- (farol_alert_skip_sent_forwards); the alert, still `received', moves
-- to `forwarded'. All in the transaction of the replay. Once: a replay
-- repeated (its answer lost too) finds the rows by modem and message
-- reference. Returns how many rows were recorded.
CREATE OR REPLACE FUNCTION farol_ingest_sent_again(p_alert bigint,
    p_message bigint, p_outbox jsonb, p_ref bigint)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	v_sent	jsonb;		-- the spool's forwards not yet recorded
	n	int;
BEGIN
	IF p_alert IS NULL THEN
		RETURN 0;
	END IF;
	SELECT coalesce(jsonb_agg(o), '[]') INTO v_sent
	FROM jsonb_array_elements(coalesce(p_outbox, '[]')) o
	WHERE o->>'state' = 'submitted' AND o->>'purpose' = 'forward'
	    AND NOT EXISTS (SELECT 1 FROM outbox x
		WHERE x.alert_id = p_alert AND x.purpose = 'forward'
		    AND x.recipient = o->>'recipient'
		    AND x.modem = o->>'modem'
		    AND x.message_ref IS NOT DISTINCT FROM
			(o->>'message_ref')::int);
	IF v_sent = '[]' THEN
		RETURN 0;
	END IF;
	IF p_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM alert a
	    WHERE a.ref = p_ref) THEN
		INSERT INTO alert_ref_alias (ref, alert_id)
		VALUES (p_ref, p_alert)
		ON CONFLICT (ref) DO NOTHING;
		PERFORM farol_alert_skip_sent_forwards(p_alert, p_ref, v_sent);
	END IF;
	n := farol_outbox_insert((SELECT jsonb_agg(o - 'rung' - 'after_s')
	    FROM jsonb_array_elements(v_sent) o), p_alert, p_message, NULL);
	IF EXISTS (SELECT 1 FROM alert a WHERE a.id = p_alert
	    AND a.state = 'received' AND a.held_reason IS NULL) THEN
		PERFORM farol_alert_transition(p_alert, 'forwarded', 'farold',
		    'forwarded from the spool as ' || coalesce(p_ref::text,
		    'a forward without a number'));
	END IF;
	RETURN n;
END
$$;

-- Store a received message with its alert (p_alert, NULL for none; its
-- "ref" when the number was given out while the database was down) and
-- its outbox rows (p_outbox, an array of {recipient, text, purpose,
-- authority, rung, after_s, state, modem, message_ref, submitted_at}),
-- all or nothing. A message already stored changes nothing: the first
-- call's alert is returned and outbox_queued is 0 (but the forwards sent
-- from the spool are recorded: farol_ingest_sent_again). The alert's later
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
		IF p_outbox @> '[{"state": "submitted", "purpose": "forward"}]'
		    THEN
			PERFORM farol_ingest_sent_again(alert_id,
			    farol_ingest_report.message_id, p_outbox,
			    (p_alert->>'ref')::bigint);
		END IF;
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

-- One element of farol_ingest_many, on its own: a command
-- (farol_ingest_command) or a report (farol_ingest_report), then its flood
-- note. p_i is its index in the batch. The path of a command, and of a
-- run of reports farol_ingest_reports cannot store at once.
CREATE OR REPLACE FUNCTION farol_ingest_element(e jsonb, p_i int)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	m	record;		-- the message fields of e
	c	record;		-- what farol_ingest_command returned
	r	record;		-- what farol_ingest_report returned
BEGIN
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
	i := p_i;
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
		alert_id := r.alert_id;
		alert_ref := r.alert_ref;
		outbox_queued := r.outbox_queued;
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
END
$$;

-- Whether farol_ingest_reports may store the run of reports p at once
-- and get what storing them one by one would: the reply limit is the only
-- effect of a report on the next one but deduplication, and its
-- arithmetic (see there) holds when, for each recipient with a row with
-- limit_max, every row that counts or is counted (a receipt or reply, or
-- a row with limit_max) is a receipt or reply with limit_max, the same
-- limit_max and limit_per_s, and not given 'cancelled' (a flood notice
-- comes after its run: farol_ingest_many ends a run there). farold's
-- batches always are (outbox_plan.c gives every receipt and reply the
-- configured limit, or none when security.reply_limit is off); anything
-- else goes element by element.
CREATE OR REPLACE FUNCTION farol_ingest_plain(p jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	-- (plpgsql: its plan is kept; an SQL function's is made at each call)
	RETURN NOT EXISTS (
		SELECT 1
		FROM jsonb_array_elements(p) x(e)
		CROSS JOIN LATERAL jsonb_to_recordset(CASE WHEN jsonb_typeof(
		    x.e->'outbox') = 'array' THEN x.e->'outbox' ELSE '[]'
		    END) AS o(recipient text, purpose text, state text,
		    limit_max int, limit_per_s int)
		WHERE o.purpose IN ('receipt', 'reply')
		    OR o.limit_max IS NOT NULL
		GROUP BY o.recipient
		HAVING count(o.limit_max) > 0 AND (bool_or(
		    o.limit_max IS NULL OR o.purpose IS NULL OR
		    o.purpose NOT IN ('receipt', 'reply') OR
		    o.state IS NOT DISTINCT FROM 'cancelled')
		    OR count(DISTINCT (o.limit_max, o.limit_per_s)) > 1));
END
$$;

-- A run of reports (p: consecutive elements of farol_ingest_many without
-- a command, a rare step (below) only in the last; p_first the index of
-- the first) stored SET-BASED: one INSERT per table for the whole run
-- (message, alert, alert_event, digest_item, outbox) instead of about
-- five statements per report, each paying the executor's start-up (its
-- CHECKs read again) and plpgsql's glue (issue #20: PostgreSQL was 70%
-- of the CPU of a drain).
-- The result, rows and their order (ids, alert numbers) are those of
-- farol_ingest_element for each element in turn, which is what a run
-- farol_ingest_plain refuses gets. Why it is the same:
-- - Deduplication: each dedupe key's first element of the run inserts
--   the message (ON CONFLICT: unless already stored; the elements go in
--   order, so a later one with the same key conflicts with the first's
--   row); a later element with the same key is a duplicate and, like an
--   already stored one, changes nothing and returns the message's alert
--   (looked up in a later statement, which sees a concurrent batch's
--   committed row).
-- - The reply limit: one by one, a limited row is cancelled when
--   c0 + (rows to its recipient not cancelled, of earlier elements) >=
--   limit_max, c0 the count before the run (the rows of the same
--   element do not see each other: one INSERT). With one limit_max L per
--   recipient (farol_ingest_plain), by induction the earlier elements'
--   rows are all not cancelled while that sum is below L, and none are
--   after, so a row is over exactly when c0 + S >= L, S the number of
--   limited rows to its recipient in earlier inserted elements of the
--   run (created at now(), inside any window limit_per_s > 0).
-- - Rows are inserted in element order, an element's rows in its order,
--   so ids and nextval('alert_ref_seq') come out as one by one.
-- - The rare steps stay per element, after the inserts: a forward
--   already submitted (the alert moves to forwarded) and the flood note
--   (its notice); farol_ingest_many ends a run after an element with
--   either, so that they come in the batch's order, ids included.
CREATE OR REPLACE FUNCTION farol_ingest_reports(p jsonb, p_first int)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
-- Its statements' plans made once: with the arrays' sizes known, a custom
-- plan looks cheaper than the generic one, and was made again at every
-- call (a quarter of the CPU of a short run).
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	-- By element of p (from 1): its dedupe key, and the message,
	-- alert, alert number and count of outbox rows it inserted (NULL,
	-- NULL, NULL, 0 for a duplicate).
	v_key		text[];
	v_msg		bigint[];
	v_alert		bigint[];
	v_ref		bigint[];
	v_queued	int[];
	f		record;
BEGIN
	IF NOT farol_ingest_plain(p) THEN
		FOR k IN 0 .. jsonb_array_length(p) - 1 LOOP
			RETURN QUERY SELECT * FROM farol_ingest_element(p->k,
			    p_first + k);
		END LOOP;
		RETURN;
	END IF;
	WITH el AS (
		-- Each element's message as farol_ingest_message stores
		-- it, its key, and whether it is its key's first.
		SELECT z.*, z.ord = min(z.ord) OVER (PARTITION BY z.key)
		    AS first
		FROM (SELECT y.*, message_dedupe_key(y.sender, y.text,
			y.smsc_time, y.received_at, y.parts, y.concat_ref,
			y.kind, y.session) AS key
		    FROM (SELECT j.ord, j.alert, j.outbox, j.modem, j.sender,
			j.text, NULLIF(j.smsc_time, '')::timestamptz
			    AS smsc_time,
			coalesce(to_timestamp(j.received_at), now())
			    AS received_at,
			coalesce(j.parts, 1) AS parts,
			greatest(coalesce(j.parts_expected, 1),
			    coalesce(j.parts, 1)) AS parts_expected,
			NULLIF(j.concat_ref, -1) AS concat_ref,
			coalesce(j.kind, 'sms') AS kind, j.session
		    -- Each element read once, its alert and outbox rows
		    -- kept as they are (no copy of the element).
		    FROM ROWS FROM (jsonb_to_recordset(p) AS (modem text,
			sender text, text text, smsc_time text,
			received_at double precision, parts int,
			concat_ref int, kind text, parts_expected int,
			session text, alert jsonb, outbox jsonb))
			WITH ORDINALITY AS j(modem, sender, text, smsc_time,
			received_at, parts, concat_ref, kind, parts_expected,
			session, alert, outbox, ord)) y) z
	), m AS (
		-- Every element, in order: a later one with the key of an
		-- earlier one conflicts with the row it inserted, and is
		-- skipped (its id taken from the sequence, as one by one).
		INSERT INTO message AS m (modem, sender, text, smsc_time,
		    received_at, parts, parts_expected, concat_ref, kind,
		    dedupe_key)
		SELECT el.modem, el.sender, el.text, el.smsc_time,
		    el.received_at, el.parts, el.parts_expected,
		    el.concat_ref, el.kind, el.key
		FROM el ORDER BY el.ord
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING m.id, m.dedupe_key
	), mi AS (
		-- The elements that inserted their message.
		SELECT el.ord, el.alert, el.outbox, el.sender,
		    el.received_at, m.id AS message_id
		FROM m JOIN el ON el.key = m.dedupe_key AND el.first
	), a AS (
		-- "ref": the number its forwards carried while the database
		-- was down (reserved from alert_ref_seq earlier).
		INSERT INTO alert AS a (ref, message_id, focal_point, sender,
		    verified, area, forms, urgency, victims, females, males,
		    minor, text, error, held_reason, state, received_at,
		    rung_plan, rung_plan_next_at)
		SELECT coalesce(y.ref, nextval('alert_ref_seq')),
		    mi.message_id, y.focal_point,
		    coalesce(y.sender, mi.sender),
		    coalesce(y.verified, false), y.area,
		    ARRAY(SELECT jsonb_array_elements_text(
			coalesce(y.forms, '[]'))),
		    y.urgency, y.victims, y.females, y.males,
		    coalesce(y.minor, false), coalesce(y.text, ''), y.error,
		    y.held_reason, coalesce(y.state, 'received'),
		    mi.received_at, y.rung_plan,
		    now() + make_interval(secs => y.rung_plan_after_s)
		FROM mi CROSS JOIN LATERAL jsonb_to_record(mi.alert) AS
		    y(ref bigint, focal_point text, sender text,
		    verified boolean, area text, urgency int, victims int,
		    females int, males int, minor boolean, text text,
		    error text, held_reason text, state text,
		    rung_plan_after_s double precision, forms jsonb,
		    rung_plan jsonb)
		WHERE jsonb_typeof(mi.alert) = 'object'
		ORDER BY mi.ord
		RETURNING a.id, a.ref, a.message_id, a.state, a.held_reason
	), ev AS (
		INSERT INTO alert_event (alert_id, from_state, to_state,
		    actor, note)
		SELECT a.id, NULL, a.state, 'farold', a.held_reason
		FROM a ORDER BY a.id
	), r AS (
		-- The outbox rows of the elements that inserted, as
		-- farol_outbox_insert reads them, with their element's
		-- alert; s: the limited rows to the same recipient in
		-- earlier elements (the reply limit, above).
		SELECT mi.ord, mi.message_id AS m_id, a.id AS a_id,
		    a.ref AS a_ref, o.*,
		    outbox_row_is_digest(o.purpose, coalesce(o.alert_id,
			a.id), o.state) AS digest,
		    count(o.limit_max) OVER (PARTITION BY o.recipient
			ORDER BY mi.ord RANGE BETWEEN UNBOUNDED PRECEDING
			AND 1 PRECEDING) AS s
		FROM mi LEFT JOIN a ON a.message_id = mi.message_id
		CROSS JOIN LATERAL ROWS FROM (jsonb_to_recordset(
		    coalesce(mi.outbox, '[]')) AS (alert_id bigint,
		    message_id bigint, recipient text, text text,
		    purpose text, authority text, rung int, state text,
		    after_s double precision, modem text, message_ref int,
		    submitted_at double precision, limit_max int,
		    limit_per_s int)) WITH ORDINALITY AS o(alert_id,
		    message_id, recipient, text, purpose, authority, rung,
		    state, after_s, modem, message_ref, submitted_at,
		    limit_max, limit_per_s, k)
	), d AS (
		-- A U3's digest row is an item of its authority's next
		-- digest (farol_outbox_insert).
		INSERT INTO digest_item (alert_id, authority_id, recipient)
		SELECT coalesce(r.alert_id, r.a_id), r.authority, r.recipient
		FROM r WHERE r.digest ORDER BY r.ord, r.k
	), ob AS (
		INSERT INTO outbox (alert_id, message_id, recipient, text,
		    purpose, authority_id, rung, state, not_before, modem,
		    message_ref, submitted_at, error)
		SELECT f.*
		FROM r CROSS JOIN LATERAL outbox_row_of(
		    coalesce(r.alert_id, r.a_id),
		    coalesce(r.message_id, r.m_id), r.recipient, r.text,
		    r.purpose, r.authority, r.rung, r.state, r.after_s,
		    r.modem, r.message_ref, r.submitted_at, r.limit_max,
		    r.limit_per_s, r.a_ref, r.s) f
		WHERE NOT r.digest
		ORDER BY r.ord, r.k
	)
	SELECT array_agg(el.key ORDER BY el.ord),
	    array_agg(mi.message_id ORDER BY el.ord),
	    array_agg(a.id ORDER BY el.ord),
	    array_agg(a.ref ORDER BY el.ord),
	    array_agg(coalesce(n.queued, 0) ORDER BY el.ord)
	INTO v_key, v_msg, v_alert, v_ref, v_queued
	FROM el LEFT JOIN mi ON mi.ord = el.ord
	LEFT JOIN a ON a.message_id = mi.message_id
	LEFT JOIN (SELECT r.ord, count(*) FILTER (WHERE NOT r.digest)
	    AS queued FROM r GROUP BY r.ord) n ON n.ord = el.ord;

	-- The rare steps, per element in order (as farol_ingest_report
	-- and farol_ingest_element do them).
	FOR f IN
		SELECT x.ord, x.e
		FROM jsonb_array_elements(p) WITH ORDINALITY AS x(e, ord)
		WHERE (v_msg[x.ord] IS NOT NULL AND (x.e ? 'flood')) OR
		    x.e->'outbox' @> '[{"state": "submitted",
			"purpose": "forward"}]'
		ORDER BY x.ord
	LOOP
		-- Already stored: only its forwards sent from the spool.
		IF v_msg[f.ord] IS NULL THEN
			PERFORM farol_ingest_sent_again(al.id, mm.id,
			    f.e->'outbox', (f.e->'alert'->>'ref')::bigint)
			FROM message mm JOIN alert al ON al.message_id = mm.id
			WHERE mm.dedupe_key = v_key[f.ord];
			CONTINUE;
		END IF;
		-- A forward already sent while the database was down.
		IF v_alert[f.ord] IS NOT NULL AND f.e->'outbox' @>
		    '[{"state": "submitted", "purpose": "forward"}]' THEN
			PERFORM farol_alert_transition(v_alert[f.ord],
			    'forwarded', 'farold',
			    'forwarded while the database was down');
		END IF;
		-- The flood verdict farold's counter gave
		-- (decide_flood.h): the administrators' notice once per
		-- quarantine.
		IF (f.e ? 'flood') AND farol_flood_note(f.e->>'sender',
		    to_timestamp((f.e->>'received_at')::double precision),
		    (f.e->>'flood') = 'quarantined',
		    (f.e->>'flood') = 'ended') THEN
			PERFORM farol_outbox_insert(f.e->'flood_notice',
			    NULL, v_msg[f.ord], NULL);
		END IF;
	END LOOP;

	-- One row per element; a duplicate's message and alert are the
	-- stored ones (looked up for a duplicate only: LATERAL, by index).
	RETURN QUERY
	SELECT (p_first + x.ord - 1)::int, coalesce(x.msg, d.id),
	    x.msg IS NOT NULL, NULL::text, coalesce(x.alert, d.alert_id),
	    coalesce(x.ref, d.ref), x.queued, NULL::text, NULL::text,
	    NULL::text, NULL::text[]
	FROM unnest(v_key, v_msg, v_alert, v_ref, v_queued) WITH ORDINALITY
	    AS x(key, msg, alert, ref, queued, ord)
	LEFT JOIN LATERAL (SELECT mm.id, al.id AS alert_id, al.ref
	    FROM message mm LEFT JOIN alert al ON al.message_id = mm.id
	    WHERE x.msg IS NULL AND mm.dedupe_key = x.key) d ON true
	ORDER BY x.ord;
END
$$;

-- Many received messages in one transaction (group commit): farold
-- batches the messages that arrive while the previous batch commits, and
-- the spool replay sends up to 64 at a time. p is an array of objects
-- with the parameters of farol_ingest_report (modem, sender, text,
-- smsc_time, received_at as epoch seconds, parts, concat_ref, kind,
-- parts_expected, session (USSD only), alert, outbox, and "flood":
-- "quarantined" or "ended" with "flood_notice", the administrators'
-- rows) or, with "command", of farol_ingest_command (command, ref, note,
-- replies, admin, and "from": the sender normalised, when farold could).
-- One row per element, i from 0, in order. All or nothing: an error
-- fails the whole batch (farold then stores its messages one by one).
-- Effects happen in the batch's order: each run of consecutive reports
-- is stored at once (farol_ingest_reports), each command on its own
-- (farol_ingest_element) after the reports before it, which it sees, as
-- one by one (test_db_ingest_many compares the two).
CREATE OR REPLACE FUNCTION farol_ingest_many(p jsonb)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	n	int := jsonb_array_length(p);
	k	int := 0;	-- the first element not yet stored
	j	int;		-- the next stop (below)
	v_end	int;		-- the end of the run before it
	v_cmd	boolean;	-- whether it is a command
	v_refs	bigint[];	-- the alerts its commands name
BEGIN
	-- Two batches stored at once (ingest lanes, or two gateways) may
	-- hold commands on the same alerts in opposite orders: each locks
	-- them all first, by ref, so one waits for the other instead of a
	-- deadlock (db/database.md, "Ingest lanes"); an alias locks its
	-- alert, in the order of the alert's own number.
	v_refs := ARRAY(SELECT DISTINCT (x->>'ref')::bigint
	    FROM jsonb_array_elements(p) x
	    WHERE x ? 'command' AND jsonb_typeof(x->'ref') = 'number'
	    ORDER BY 1);
	IF cardinality(v_refs) > 1 THEN
		PERFORM 1 FROM alert a
		WHERE a.id IN (SELECT farol_alert_of_ref(r)
		    FROM unnest(v_refs) r)
		ORDER BY a.ref FOR UPDATE;
	END IF;
	-- The stops: each command, stored alone after the reports before
	-- it, and each report with a rare step (a flood verdict, a forward
	-- submitted during an outage), which farol_ingest_reports takes after
	-- its run's inserts: the last of its run, it stays in the batch's
	-- order (ids included). Then the end, n.
	FOREACH j IN ARRAY ARRAY(SELECT (x.ord - 1)::int
	    FROM jsonb_array_elements(p) WITH ORDINALITY AS x(e, ord)
	    WHERE (x.e ? 'command') OR (x.e ? 'flood') OR x.e->'outbox' @>
		'[{"state": "submitted", "purpose": "forward"}]'
	    ORDER BY x.ord) || n
	LOOP
		v_cmd := j < n AND (p->j ? 'command');
		-- The run of reports k .. j - 1, or k .. j with j's rare step.
		v_end := CASE WHEN j = n OR v_cmd THEN j ELSE j + 1 END;
		-- A short run goes element by element: the run's one
		-- statement costs more to start than three reports' few
		-- (tests/bench/ingest_cost with batches of 1 to 8: even at
		-- 4), and a quiet gateway stores each message alone.
		IF v_end - k < 4 THEN
			FOR q IN k .. v_end - 1 LOOP
				RETURN QUERY SELECT * FROM
				    farol_ingest_element(p->q, q);
			END LOOP;
		ELSE
			RETURN QUERY SELECT * FROM farol_ingest_reports(
			    CASE WHEN k = 0 AND v_end = n THEN p
			    ELSE (SELECT jsonb_agg(x.e ORDER BY x.ord)
				FROM jsonb_array_elements(p) WITH ORDINALITY
				AS x(e, ord) WHERE x.ord > k AND x.ord <= v_end)
			    END, k);
		END IF;
		IF v_cmd THEN
			RETURN QUERY SELECT * FROM farol_ingest_element(p->j,
			    j);
		END IF;
		k := j + 1;
	END LOOP;
END
$$;
