-- Commands (OK, FIM, ANULAR, INFO, ESTADO, LIBERAR): the message and its
-- effect.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- The alert an alert number names (its id; NULL: none): the alert that
-- carries it (alert.ref), else the one it is an alias of
-- (alert_ref_alias: the number a report's forwards carried from the spool
-- while its alert was stored under another, farol_ingest_sent_again).
-- Every command and console action on a number finds its alert here.
-- (plpgsql, not sql: its body is checked when called, so that the file
-- applies to an older schema too, as the upgrade test does.)
CREATE OR REPLACE FUNCTION farol_alert_of_ref(p_ref bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN coalesce((SELECT a.id FROM alert a WHERE a.ref = p_ref),
	    (SELECT x.alert_id FROM alert_ref_alias x WHERE x.ref = p_ref));
END
$$;

-- Store a command's message and apply it, all or nothing. p_command is
-- the canonical name: OK, FIM, ANULAR, INFO, ESTADO, LIBERAR (from an
-- administrator only: p_admin, as farold's config says; see
-- farol_alert_release). result: ok, already (OK on an alert already
-- acknowledged), unknown_ref, not_allowed, not_held (LIBERAR), or
-- duplicate (the message was stored before: nothing is
-- done again). p_ref may be an alias of the alert's number
-- (farol_alert_of_ref): the command acts on that alert, with the same
-- checks. holders: the numbers that were sent a forward or rung of
-- the alert (ANULAR and INFO tell them). An OK on an alert already taken
-- is recorded as an event of the alert (who, and after whom).
-- p_replies: the replies farold rendered for every possible outcome
-- (gateway/outbox_plan.c); those of this outcome are queued here, in the
-- command's own transaction (farol_command_replies), and counted in
-- outbox_queued. p_from: the sender normalised (E.164) by farold, with
-- which the alert's sender and holders are compared (NULL: p_sender).
CREATE OR REPLACE FUNCTION farol_ingest_command(p_modem text, p_sender text,
    p_text text, p_smsc_time timestamptz, p_received_at timestamptz,
    p_parts int, p_concat_ref int, p_kind text, p_parts_expected int,
    p_command text, p_ref bigint, p_note text, p_replies jsonb,
    p_admin boolean, p_session text DEFAULT NULL, p_from text DEFAULT NULL)
RETURNS TABLE (message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, state text, focal_number text,
    authority_name text, holders text[], outbox_queued int)
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert		alert%ROWTYPE;
	v_authority	text;
	v_is_holder	boolean;
	v_is_sender	boolean;
	-- Who sent it, normalised (E.164) as alert.sender and the outbox's
	-- recipients are; p_sender is the number as the modem gave it,
	-- which may be national ("9912345"). Stored as given; judged so.
	v_from		text := coalesce(p_from, p_sender);
BEGIN
	SELECT m.message_id, m.inserted INTO message_id, inserted
	FROM farol_ingest_message(p_modem, p_sender, p_text, p_smsc_time,
	    p_received_at, p_parts, p_concat_ref, p_kind, p_parts_expected,
	    p_session) m;
	outbox_queued := 0;
	IF NOT inserted THEN
		result := 'duplicate';
		RETURN NEXT;
		RETURN;
	END IF;
	-- p_ref may be an alias (farol_alert_of_ref): the alert's own
	-- number from here on.
	SELECT * INTO v_alert FROM alert a
	WHERE a.id = farol_alert_of_ref(p_ref) FOR UPDATE;
	IF NOT FOUND THEN
		result := 'unknown_ref';
		outbox_queued := farol_command_replies(p_replies, result, NULL,
		    NULL, NULL, '{}', NULL, message_id);
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
	WHERE o.alert_id = v_alert.id AND o.recipient = v_from
	    AND o.purpose IN ('forward', 'escalation')
	    AND o.state IN ('submitted', 'delivered')
	ORDER BY o.submitted_at
	LIMIT 1;
	v_is_holder := FOUND;
	v_is_sender := v_alert.sender = v_from;

	IF p_command = 'OK' THEN
		IF v_alert.state = 'acknowledged' THEN
			result := 'already';
			INSERT INTO alert_event (alert_id, from_state,
			    to_state, actor, note)
			SELECT v_alert.id, v_alert.state, v_alert.state,
			    p_sender, 'OK after ' || coalesce(a.name,
			    v_alert.acknowledged_by, '?')
			FROM (SELECT 1) x LEFT JOIN authority a
			    ON a.id = v_alert.acknowledged_by;
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
	ELSIF p_command = 'LIBERAR' THEN
		IF NOT coalesce(p_admin, false) THEN
			result := 'not_allowed';
		ELSE
			SELECT r.result INTO result
			FROM farol_alert_release(v_alert.ref, p_sender) r;
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
	outbox_queued := farol_command_replies(p_replies, result, state,
	    authority_name, focal_number, holders, alert_id, message_id);
	RETURN NEXT;
END
$$;

-- The language of whoever has p_number, as farold's outbox_plan_lang_of
-- tells it: a focal point's, else an authority's ladder number's, else pt.
CREATE OR REPLACE FUNCTION farol_lang_of(p_number text)
RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT coalesce(
	    (SELECT f.lang FROM focal_point f
	     WHERE f.number = p_number AND f.active),
	    (SELECT a.lang FROM authority_contact c
	     JOIN authority a ON a.id = c.authority_id
	     WHERE c.number = p_number AND a.active
	     ORDER BY a.id LIMIT 1),
	    'pt')
$$;

-- Queue the replies of p (an array of {result, if_state, to, lang, text,
-- purpose, recipient, but, named, limit_max, limit_per_s}) whose result
-- (and state, when if_state is given) is this outcome's; the reply limit
-- (limit_max) is farol_outbox_insert's. to: "sender" (recipient given), "focal" (the
-- alert's focal point; with if_verified, only a registered one), "holders" (every number sent a forward or rung),
-- "others" (the holders but the number in but); lang, when given, picks
-- the text in the recipient's language. named: "{authority}" in the text becomes the
-- name of who took the alert. Returns how many rows were queued.
CREATE OR REPLACE FUNCTION farol_command_replies(p jsonb, p_result text,
    p_state text, p_authority text, p_focal text, p_holders text[],
    p_alert bigint, p_message bigint)
RETURNS int
LANGUAGE sql
AS $$
	SELECT farol_outbox_insert(coalesce(jsonb_agg(jsonb_build_object(
	    'recipient', t.recipient,
	    'text', CASE WHEN c.named THEN replace(c.text, '{authority}',
		coalesce(p_authority, '?')) ELSE c.text END,
	    'purpose', c.purpose, 'limit_max', c.limit_max,
	    'limit_per_s', c.limit_per_s)), '[]'), p_alert, p_message, NULL)
	FROM jsonb_to_recordset(coalesce(p, '[]')) AS c(result text,
	    if_state text, "to" text, lang text, text text, purpose text,
	    recipient text, but text, named boolean, limit_max int,
	    limit_per_s int, if_verified boolean)
	CROSS JOIN LATERAL (
	    SELECT c.recipient WHERE c."to" = 'sender'
	    UNION ALL SELECT p_focal WHERE c."to" = 'focal' AND
		(NOT coalesce(c.if_verified, false) OR EXISTS (SELECT 1
		FROM alert a WHERE a.id = p_alert AND a.verified))
	    UNION ALL SELECT h FROM unnest(coalesce(p_holders, '{}')) h
		WHERE c."to" = 'holders' OR (c."to" = 'others' AND
		    h IS DISTINCT FROM c.but)
	) AS t(recipient)
	WHERE c.result = p_result
	    AND (c.if_state IS NULL OR c.if_state = p_state)
	    AND t.recipient IS NOT NULL AND t.recipient <> ''
	    AND (c.lang IS NULL OR c.lang = farol_lang_of(t.recipient))
$$;
