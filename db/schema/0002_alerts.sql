-- Schema v2: the registry, alerts and their life cycle, the outbox.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.
-- docs: db/database.md. farold calls only the functions below; the
-- Observatory reads the view alert_report.

-- The registry, mirrored from the config file by farol_sync_registry().
CREATE TABLE focal_point (
	id		text PRIMARY KEY,
	number		text NOT NULL UNIQUE,
	name		text NOT NULL,
	area		text,
	lang		text NOT NULL DEFAULT 'pt',
	active		boolean NOT NULL DEFAULT true,
	has_pin		boolean NOT NULL DEFAULT false,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE authority (
	id		text PRIMARY KEY,
	name		text NOT NULL,
	areas		text[] NOT NULL DEFAULT '{}',
	lang		text NOT NULL DEFAULT 'pt',
	active		boolean NOT NULL DEFAULT true,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE authority_contact (
	authority_id	text NOT NULL REFERENCES authority(id),
	rung		int NOT NULL CHECK (rung >= 1),
	number		text NOT NULL,
	PRIMARY KEY (authority_id, rung)
);

-- p: {"focal_points":[{id, number, name, area, lang, active, has_pin}],
--     "authorities":[{id, name, areas:[], lang, ladder:[numbers]}]}.
-- Upserts; rows absent from p become inactive (never deleted: alerts
-- refer to them). A number moving from one focal point to another is
-- released first, so the unique constraint never blocks a valid file.
CREATE FUNCTION farol_sync_registry(p jsonb)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	fp	jsonb;
	a	jsonb;
	i	int;
BEGIN
	UPDATE focal_point SET number = 'released:' || id
	WHERE id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x)
	    OR number IN (SELECT x->>'number' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x
	    WHERE x->>'id' <> focal_point.id);
	UPDATE focal_point SET active = false, updated_at = now()
	WHERE id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x);
	FOR fp IN SELECT * FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]'))
	LOOP
		INSERT INTO focal_point (id, number, name, area, lang, active,
		    has_pin)
		VALUES (fp->>'id', fp->>'number', coalesce(fp->>'name', ''),
		    fp->>'area', coalesce(fp->>'lang', 'pt'),
		    coalesce((fp->>'active')::boolean, true),
		    coalesce((fp->>'has_pin')::boolean, false))
		ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number,
		    name = EXCLUDED.name, area = EXCLUDED.area,
		    lang = EXCLUDED.lang, active = EXCLUDED.active,
		    has_pin = EXCLUDED.has_pin, updated_at = now();
	END LOOP;

	UPDATE authority SET active = false, updated_at = now()
	WHERE id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'authorities', '[]')) x);
	FOR a IN SELECT * FROM
	    jsonb_array_elements(coalesce(p->'authorities', '[]'))
	LOOP
		INSERT INTO authority (id, name, areas, lang, active)
		VALUES (a->>'id', coalesce(a->>'name', ''),
		    ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(a->'areas', '[]'))),
		    coalesce(a->>'lang', 'pt'), true)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		    areas = EXCLUDED.areas, lang = EXCLUDED.lang,
		    active = true, updated_at = now();
		DELETE FROM authority_contact WHERE authority_id = a->>'id';
		FOR i IN 0 .. jsonb_array_length(coalesce(a->'ladder', '[]'))
		    - 1
		LOOP
			INSERT INTO authority_contact (authority_id, rung,
			    number)
			VALUES (a->>'id', i + 1, a->'ladder'->>i);
		END LOOP;
	END LOOP;
END
$$;

-- Alerts. ref is the number people type (OK 123); it starts at 100 so
-- that it is never mistaken for a count or a code.
CREATE SEQUENCE alert_ref_seq START 100;

CREATE TABLE alert (
	id		bigserial PRIMARY KEY,
	ref		bigint NOT NULL UNIQUE DEFAULT nextval('alert_ref_seq'),
	message_id	bigint NOT NULL UNIQUE REFERENCES message(id),
	focal_point	text REFERENCES focal_point(id),
	sender		text NOT NULL,
	verified	boolean NOT NULL DEFAULT false,
	area		text,
	forms		text[] NOT NULL DEFAULT '{}',
	urgency		int CHECK (urgency BETWEEN 1 AND 3),
	victims		int,
	females		int,
	males		int,
	minor		boolean NOT NULL DEFAULT false,
	text		text NOT NULL DEFAULT '',
	error		text,
	held_reason	text,
	state		text NOT NULL,
	received_at	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	acknowledged_at	timestamptz,
	acknowledged_by	text REFERENCES authority(id),
	closed_at	timestamptz
);

CREATE INDEX alert_received_at ON alert (received_at);
CREATE INDEX alert_by_state ON alert (state);

-- The life cycle: the legal moves, and nothing else.
CREATE TABLE alert_state (
	state		text PRIMARY KEY,
	final		boolean NOT NULL
);

INSERT INTO alert_state VALUES
	('received', false), ('invalid', true), ('forwarded', false),
	('delivered', false), ('escalated', false), ('acknowledged', false),
	('closed', true), ('cancelled', true), ('expired', true);

ALTER TABLE alert ADD FOREIGN KEY (state) REFERENCES alert_state(state);

CREATE TABLE alert_transition (
	from_state	text NOT NULL REFERENCES alert_state(state),
	to_state	text NOT NULL REFERENCES alert_state(state),
	PRIMARY KEY (from_state, to_state)
);

INSERT INTO alert_transition VALUES
	('received', 'forwarded'), ('received', 'invalid'),
	('received', 'acknowledged'), ('received', 'closed'),
	('received', 'cancelled'), ('received', 'expired'),
	('forwarded', 'delivered'), ('forwarded', 'escalated'),
	('forwarded', 'acknowledged'), ('forwarded', 'closed'),
	('forwarded', 'cancelled'), ('forwarded', 'expired'),
	('delivered', 'escalated'), ('delivered', 'acknowledged'),
	('delivered', 'closed'), ('delivered', 'cancelled'),
	('delivered', 'expired'),
	('escalated', 'delivered'), ('escalated', 'acknowledged'),
	('escalated', 'closed'), ('escalated', 'cancelled'),
	('escalated', 'expired'),
	('acknowledged', 'closed'), ('acknowledged', 'cancelled');

-- Every change of an alert, and its creation (from_state NULL). An event
-- with from_state = to_state is a note without a move (INFO).
CREATE TABLE alert_event (
	id		bigserial PRIMARY KEY,
	alert_id	bigint NOT NULL REFERENCES alert(id),
	at		timestamptz NOT NULL DEFAULT now(),
	from_state	text,
	to_state	text NOT NULL,
	actor		text NOT NULL,
	note		text
);

CREATE INDEX alert_event_alert ON alert_event (alert_id);

-- THE ONLY place that changes alert.state. Returns true when moved (an
-- event is recorded), false when the alert is already in p_to (nothing
-- recorded); raises SQLSTATE 'FA001' on a move alert_transition does not
-- list, and 'FA002' for an unknown alert.
CREATE FUNCTION farol_alert_transition(p_alert bigint, p_to text,
    p_actor text, p_note text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
	v_from	text;
BEGIN
	SELECT state INTO v_from FROM alert WHERE id = p_alert FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'alert % does not exist', p_alert
		    USING ERRCODE = 'FA002';
	END IF;
	IF v_from = p_to THEN
		RETURN false;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM alert_transition
	    WHERE from_state = v_from AND to_state = p_to) THEN
		RAISE EXCEPTION 'alert %: illegal move from % to %', p_alert,
		    v_from, p_to USING ERRCODE = 'FA001';
	END IF;
	UPDATE alert SET state = p_to, updated_at = now(),
	    closed_at = CASE WHEN p_to IN ('closed', 'cancelled', 'expired')
		THEN now() ELSE closed_at END
	WHERE id = p_alert;
	INSERT INTO alert_event (alert_id, from_state, to_state, actor, note)
	VALUES (p_alert, v_from, p_to, p_actor, p_note);
	RETURN true;
END
$$;

-- Every outgoing SMS. A row is queued until due (not_before), claimed
-- ('sending'), then submitted, delivered or failed; rows of a finished
-- alert still queued are cancelled; a stale rung is expired (0003).
CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,
	alert_id	bigint REFERENCES alert(id),
	message_id	bigint REFERENCES message(id),
	recipient	text NOT NULL,
	text		text NOT NULL,
	purpose		text NOT NULL CHECK (purpose IN ('receipt', 'reply',
			    'forward', 'escalation', 'info', 'cancel_notice',
			    'ack_notice', 'admin', 'digest')),
	authority_id	text REFERENCES authority(id),
	rung		int,
	state		text NOT NULL DEFAULT 'queued' CHECK (state IN
			    ('queued', 'sending', 'submitted', 'delivered',
			    'failed', 'expired', 'cancelled')),
	attempts	int NOT NULL DEFAULT 0,
	not_before	timestamptz NOT NULL DEFAULT now(),
	modem		text,
	message_ref	int,
	error		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	submitted_at	timestamptz,
	delivered_at	timestamptz,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outbox_due ON outbox (not_before) WHERE state = 'queued';
CREATE INDEX outbox_alert ON outbox (alert_id);
CREATE INDEX outbox_message_ref ON outbox (modem, message_ref)
    WHERE state = 'submitted';

-- Insert the outbox rows of p (an array; see farol_ingest_report for the
-- keys), for alert p_alert (may be NULL) and message p_message, with
-- "{ref}" in each text replaced by p_ref when it is not NULL. Returns how
-- many were inserted.
CREATE FUNCTION farol_outbox_insert(p jsonb, p_alert bigint,
    p_message bigint, p_ref bigint)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	n	int;
BEGIN
	-- One INSERT for the whole array (its plan is cached by plpgsql).
	INSERT INTO outbox (alert_id, message_id, recipient, text,
	    purpose, authority_id, rung, state, not_before, modem,
	    message_ref, submitted_at)
	SELECT coalesce(o.alert_id, p_alert),
	    coalesce(o.message_id, p_message), o.recipient,
	    CASE WHEN p_ref IS NULL THEN o.text
		ELSE replace(o.text, '{ref}', p_ref::text) END,
	    o.purpose, o.authority, o.rung,
	    coalesce(o.state, 'queued'),
	    now() + make_interval(secs => coalesce(o.after_s, 0)),
	    o.modem, o.message_ref,
	    CASE WHEN o.state = 'submitted' THEN coalesce(
		to_timestamp(o.submitted_at), now()) END
	FROM jsonb_to_recordset(coalesce(p, '[]')) AS o(
	    alert_id bigint, message_id bigint, recipient text,
	    text text, purpose text, authority text, rung int,
	    state text, after_s double precision, modem text,
	    message_ref int, submitted_at double precision);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- Store a received message with its alert (p_alert, NULL for none) and
-- its outbox rows (p_outbox, an array of {recipient, text, purpose,
-- authority, rung, after_s, state, modem, message_ref, submitted_at}),
-- all or nothing. A message already stored changes nothing: the first
-- call's alert is returned and outbox_queued is 0.
CREATE FUNCTION farol_ingest_report(p_modem text, p_sender text,
    p_text text, p_smsc_time timestamptz, p_received_at timestamptz,
    p_parts int, p_concat_ref int, p_kind text, p_parts_expected int,
    p_alert jsonb, p_outbox jsonb)
RETURNS TABLE (message_id bigint, inserted boolean, alert_id bigint,
    alert_ref bigint, outbox_queued int)
LANGUAGE plpgsql
AS $$
DECLARE
	v_received	timestamptz;
BEGIN
	SELECT m.message_id, m.inserted INTO message_id, inserted
	FROM farol_ingest_message(p_modem, p_sender, p_text, p_smsc_time,
	    p_received_at, p_parts, p_concat_ref, p_kind, p_parts_expected) m;
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
		INSERT INTO alert AS a (message_id, focal_point, sender,
		    verified, area, forms, urgency, victims, females, males,
		    minor, text, error, held_reason, state, received_at)
		VALUES (farol_ingest_report.message_id,
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
		    coalesce(p_alert->>'state', 'received'), v_received)
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

-- Up to p_limit rows due now, forwards and escalations first, claimed for
-- sending (state 'sending', attempts + 1). Rungs of an alert that no
-- longer needs them (acknowledged, closed, cancelled, expired) are
-- cancelled instead. Safe with several gateways (SKIP LOCKED).
CREATE FUNCTION farol_outbox_claim(p_limit int)
RETURNS TABLE (id bigint, recipient text, text text, purpose text,
    alert_id bigint, attempts int)
LANGUAGE plpgsql
AS $$
BEGIN
	UPDATE outbox o SET state = 'cancelled', updated_at = now(),
	    error = 'alert ' || a.state
	FROM alert a
	WHERE a.id = o.alert_id AND o.state = 'queued'
	    AND o.purpose IN ('forward', 'escalation')
	    AND a.state IN ('acknowledged', 'closed', 'cancelled', 'expired')
	    AND o.not_before <= now();
	RETURN QUERY
	UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1,
	    updated_at = now()
	FROM (SELECT c.id FROM outbox c
	    WHERE c.state = 'queued' AND c.not_before <= now()
	    ORDER BY (c.purpose IN ('forward', 'escalation')) DESC,
		c.not_before, c.id
	    LIMIT p_limit
	    FOR UPDATE SKIP LOCKED) due
	WHERE o.id = due.id
	RETURNING o.id, o.recipient, o.text, o.purpose, o.alert_id,
	    o.attempts;
END
$$;

-- The modem's answer for a claimed row. Not ok: queued again after
-- p_retry_after_s seconds, or failed when it is NULL.
CREATE FUNCTION farol_outbox_result(p_id bigint, p_modem text, p_ok boolean,
    p_message_ref int, p_error text, p_retry_after_s int)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert		bigint;
	v_purpose	text;
	v_state		text;
BEGIN
	IF p_ok THEN
		UPDATE outbox SET state = 'submitted', modem = p_modem,
		    message_ref = p_message_ref, submitted_at = now(),
		    error = NULL, updated_at = now()
		WHERE id = p_id
		RETURNING alert_id, purpose INTO v_alert, v_purpose;
		IF v_alert IS NULL THEN
			RETURN;
		END IF;
		SELECT state INTO v_state FROM alert WHERE id = v_alert;
		IF v_purpose = 'forward' AND v_state = 'received' THEN
			PERFORM farol_alert_transition(v_alert, 'forwarded',
			    'farold', NULL);
		ELSIF v_purpose = 'escalation' AND v_state IN ('received',
		    'forwarded', 'delivered') THEN
			PERFORM farol_alert_transition(v_alert, 'escalated',
			    'farold', NULL);
		END IF;
	ELSIF p_retry_after_s IS NOT NULL THEN
		UPDATE outbox SET state = 'queued', modem = p_modem,
		    error = p_error, updated_at = now(),
		    not_before = now() + make_interval(secs => p_retry_after_s)
		WHERE id = p_id;
	ELSE
		UPDATE outbox SET state = 'failed', modem = p_modem,
		    error = p_error, updated_at = now()
		WHERE id = p_id;
	END IF;
END
$$;

-- A delivery report: the newest row submitted in the last 7 days with this
-- modem, message reference and recipient. Returns its id, or NULL.
CREATE FUNCTION farol_outbox_delivered(p_modem text, p_recipient text,
    p_message_ref int, p_ok boolean)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
	v_id		bigint;
	v_alert		bigint;
	v_purpose	text;
	v_state		text;
BEGIN
	SELECT id, alert_id, purpose INTO v_id, v_alert, v_purpose
	FROM outbox
	WHERE modem = p_modem AND message_ref = p_message_ref
	    AND recipient = p_recipient AND state = 'submitted'
	    AND submitted_at > now() - interval '7 days'
	ORDER BY submitted_at DESC, id DESC
	LIMIT 1
	FOR UPDATE;
	IF v_id IS NULL THEN
		RETURN NULL;
	END IF;
	UPDATE outbox SET state = CASE WHEN p_ok THEN 'delivered'
		ELSE 'failed' END,
	    delivered_at = CASE WHEN p_ok THEN now() END,
	    error = CASE WHEN p_ok THEN NULL ELSE 'delivery failed' END,
	    updated_at = now()
	WHERE id = v_id;
	IF p_ok AND v_alert IS NOT NULL AND v_purpose = 'forward' THEN
		SELECT state INTO v_state FROM alert WHERE id = v_alert;
		IF v_state = 'forwarded' THEN
			PERFORM farol_alert_transition(v_alert, 'delivered',
			    'farold', NULL);
		END IF;
	END IF;
	RETURN v_id;
END
$$;

-- At start-up: rows a crash left in 'sending' are queued again.
CREATE FUNCTION farol_outbox_recover()
RETURNS int
LANGUAGE sql
AS $$
	WITH r AS (
		UPDATE outbox SET state = 'queued', updated_at = now(),
		    error = 'interrupted by a stop; queued again'
		WHERE state = 'sending'
		RETURNING 1)
	SELECT count(*)::int FROM r
$$;

-- Rows the daemon composed after a command (replies, notices): an array
-- of {recipient, text, purpose, alert_id, message_id, ...}.
CREATE FUNCTION farol_outbox_queue(p jsonb)
RETURNS int
LANGUAGE sql
AS $$
	SELECT farol_outbox_insert(p, NULL, NULL, NULL)
$$;

-- Cancel an alert's rungs still queued (after OK, FIM, ANULAR).
CREATE FUNCTION farol_alert_stop_rungs(p_alert bigint, p_why text)
RETURNS void
LANGUAGE sql
AS $$
	UPDATE outbox SET state = 'cancelled', error = p_why,
	    updated_at = now()
	WHERE alert_id = p_alert AND state = 'queued'
	    AND purpose IN ('forward', 'escalation')
$$;

-- Store a command's message and apply it, all or nothing. p_command is
-- the canonical name: OK, FIM, ANULAR, INFO, ESTADO. result: ok,
-- already (OK on an alert already acknowledged), unknown_ref,
-- not_allowed, or duplicate (the message was stored before: nothing is
-- done again). holders: the numbers that were sent a forward or rung of
-- the alert (ANULAR and INFO tell them).
CREATE FUNCTION farol_ingest_command(p_modem text, p_sender text,
    p_text text, p_smsc_time timestamptz, p_received_at timestamptz,
    p_parts int, p_concat_ref int, p_kind text, p_parts_expected int,
    p_command text, p_ref bigint, p_note text)
RETURNS TABLE (message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, state text, focal_number text,
    authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert		alert%ROWTYPE;
	v_authority	text;
	v_is_holder	boolean;
	v_is_sender	boolean;
BEGIN
	SELECT m.message_id, m.inserted INTO message_id, inserted
	FROM farol_ingest_message(p_modem, p_sender, p_text, p_smsc_time,
	    p_received_at, p_parts, p_concat_ref, p_kind, p_parts_expected) m;
	IF NOT inserted THEN
		result := 'duplicate';
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT * INTO v_alert FROM alert a WHERE a.ref = p_ref FOR UPDATE;
	IF NOT FOUND THEN
		result := 'unknown_ref';
		RETURN NEXT;
		RETURN;
	END IF;
	alert_id := v_alert.id;
	alert_ref := v_alert.ref;
	focal_number := v_alert.sender;
	holders := ARRAY(SELECT DISTINCT o.recipient FROM outbox o
	    WHERE o.alert_id = v_alert.id
		AND o.purpose IN ('forward', 'escalation')
		AND o.state IN ('submitted', 'delivered')
	    ORDER BY 1);
	SELECT o.authority_id INTO v_authority FROM outbox o
	WHERE o.alert_id = v_alert.id AND o.recipient = p_sender
	    AND o.purpose IN ('forward', 'escalation')
	    AND o.state IN ('submitted', 'delivered')
	ORDER BY o.submitted_at
	LIMIT 1;
	v_is_holder := FOUND;
	v_is_sender := v_alert.sender = p_sender;

	IF p_command = 'OK' THEN
		IF v_alert.state = 'acknowledged' THEN
			result := 'already';
		ELSIF NOT v_is_holder THEN
			result := 'not_allowed';
		ELSIF EXISTS (SELECT 1 FROM alert_transition t WHERE
		    t.from_state = v_alert.state AND
		    t.to_state = 'acknowledged') THEN
			PERFORM farol_alert_transition(v_alert.id,
			    'acknowledged', p_sender, v_authority);
			UPDATE alert SET acknowledged_at = now(),
			    acknowledged_by = v_authority
			WHERE id = v_alert.id;
			PERFORM farol_alert_stop_rungs(v_alert.id,
			    'acknowledged');
			result := 'ok';
		ELSE
			result := 'not_allowed';	-- closed, cancelled...
		END IF;
		SELECT name INTO authority_name FROM authority
		WHERE id = coalesce(CASE WHEN result = 'ok' THEN v_authority
		    END, (SELECT acknowledged_by FROM alert
		    WHERE id = v_alert.id));
	ELSIF p_command = 'FIM' THEN
		IF NOT (v_is_holder OR v_is_sender) THEN
			result := 'not_allowed';
		ELSIF v_alert.state = 'closed' THEN
			result := 'ok';
		ELSIF EXISTS (SELECT 1 FROM alert_transition t WHERE
		    t.from_state = v_alert.state AND t.to_state = 'closed')
		    THEN
			PERFORM farol_alert_transition(v_alert.id, 'closed',
			    p_sender, p_note);
			PERFORM farol_alert_stop_rungs(v_alert.id, 'closed');
			result := 'ok';
		ELSE
			result := 'not_allowed';
		END IF;
	ELSIF p_command = 'ANULAR' THEN
		IF NOT v_is_sender THEN
			result := 'not_allowed';
		ELSIF v_alert.state = 'cancelled' THEN
			result := 'ok';
		ELSIF EXISTS (SELECT 1 FROM alert_transition t WHERE
		    t.from_state = v_alert.state AND
		    t.to_state = 'cancelled') THEN
			PERFORM farol_alert_transition(v_alert.id, 'cancelled',
			    p_sender, p_note);
			PERFORM farol_alert_stop_rungs(v_alert.id,
			    'cancelled');
			result := 'ok';
		ELSE
			result := 'not_allowed';
		END IF;
	ELSIF p_command = 'INFO' THEN
		IF NOT v_is_sender THEN
			result := 'not_allowed';
		ELSE
			INSERT INTO alert_event (alert_id, from_state,
			    to_state, actor, note)
			VALUES (v_alert.id, v_alert.state, v_alert.state,
			    p_sender, p_note);
			result := 'ok';
		END IF;
	ELSIF p_command = 'ESTADO' THEN
		result := CASE WHEN v_is_sender OR v_is_holder THEN 'ok'
		    ELSE 'not_allowed' END;
	ELSE
		RAISE EXCEPTION 'unknown command %', p_command
		    USING ERRCODE = 'FA003';
	END IF;
	SELECT a.state INTO state FROM alert a WHERE a.id = v_alert.id;
	IF result = 'not_allowed' THEN
		holders := '{}';	-- nobody is told of a refused command
	END IF;
	RETURN NEXT;
END
$$;

-- The Observatory's view: one row per alert. A stable contract, documented
-- column by column in db/database.md; never the focal point's number.
CREATE VIEW alert_report AS
SELECT	a.ref,
	a.received_at,
	a.area,
	a.forms,
	a.urgency,
	a.victims,
	a.females,
	a.males,
	a.minor,
	a.state,
	a.acknowledged_at,
	a.acknowledged_by,
	a.focal_point,
	a.text,
	a.verified,
	a.held_reason
FROM alert a;

-- Many received messages in one transaction (group commit): farold
-- batches the messages that arrive while the previous batch commits, and
-- the spool replay sends up to 64 at a time. p is an array of objects
-- with the parameters of farol_ingest_report (modem, sender, text,
-- smsc_time, received_at as epoch seconds, parts, concat_ref, kind,
-- parts_expected, alert, outbox) or, with "command", of
-- farol_ingest_command (command, ref, note). One row per element, i from
-- 0, in order. All or nothing: an error fails the whole batch (farold
-- then stores its messages one by one).
CREATE FUNCTION farol_ingest_many(p jsonb)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	e	jsonb;
	k	int := 0;
	r	record;
BEGIN
	FOR e IN SELECT * FROM jsonb_array_elements(p)
	LOOP
		i := k;
		IF e ? 'command' THEN
			SELECT * INTO r FROM farol_ingest_command(e->>'modem',
			    e->>'sender', e->>'text',
			    NULLIF(e->>'smsc_time', '')::timestamptz,
			    to_timestamp((e->>'received_at')::double precision),
			    (e->>'parts')::int,
			    NULLIF((e->>'concat_ref')::int, -1),
			    e->>'kind', (e->>'parts_expected')::int,
			    e->>'command', (e->>'ref')::bigint, e->>'note') c;
			message_id := r.message_id;
			inserted := r.inserted;
			result := r.result;
			alert_id := r.alert_id;
			alert_ref := r.alert_ref;
			outbox_queued := 0;
			state := r.state;
			focal_number := r.focal_number;
			authority_name := r.authority_name;
			holders := r.holders;
		ELSE
			SELECT * INTO r FROM farol_ingest_report(e->>'modem',
			    e->>'sender', e->>'text',
			    NULLIF(e->>'smsc_time', '')::timestamptz,
			    to_timestamp((e->>'received_at')::double precision),
			    (e->>'parts')::int,
			    NULLIF((e->>'concat_ref')::int, -1),
			    e->>'kind', (e->>'parts_expected')::int,
			    CASE WHEN jsonb_typeof(e->'alert') = 'object'
				THEN e->'alert' END,
			    e->'outbox') x;
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
		RETURN NEXT;
		k := k + 1;
	END LOOP;
END
$$;
