-- What an administrator does from the console (farolctl ack, close,
-- resend), each recorded in alert_event with the Unix user who did it.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- Acknowledge (p_to 'acknowledged') or close (p_to 'closed') alert p_ref
-- on behalf of an officer. p_user is the console's "unix:<name>"; the
-- event's actor, so the record says who did it and that it was not an
-- SMS. result: ok, already (the alert is in p_to), unknown_ref, or
-- not_allowed (the life cycle has no such move: closed, cancelled...).
-- The rungs still queued are cancelled, as after OK or FIM.
CREATE OR REPLACE FUNCTION farol_admin_move(p_ref bigint, p_to text,
    p_user text, p_note text)
RETURNS TABLE (result text, state text)
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert		alert%ROWTYPE;
	v_id		bigint;
BEGIN
	IF p_to NOT IN ('acknowledged', 'closed') THEN
		RAISE EXCEPTION 'farol_admin_move: % is not an administrator''s '
		    'move', p_to USING ERRCODE = 'FA003';
	END IF;
	SELECT l.alert_id, l.why INTO v_id, result
	FROM farol_alert_lock(p_ref, false) l;
	IF result IS NOT NULL THEN
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT * INTO v_alert FROM alert a WHERE a.id = v_id;
	IF v_alert.state = p_to THEN
		result := 'already';
	ELSIF NOT EXISTS (SELECT 1 FROM alert_transition t WHERE
	    t.from_state = v_alert.state AND t.to_state = p_to) THEN
		result := 'not_allowed';
	ELSE
		PERFORM farol_alert_transition(v_alert.id, p_to, p_user,
		    coalesce(p_note, 'by an administrator, on behalf of an '
		    'officer'));
		IF p_to = 'acknowledged' THEN
			UPDATE alert SET acknowledged_at = now()
			WHERE id = v_alert.id;
		END IF;
		PERFORM farol_alert_stop_rungs(v_alert.id, p_to);
		result := 'ok';
	END IF;
	SELECT a.state INTO state FROM alert a WHERE a.id = v_alert.id;
	RETURN NEXT;
END
$$;

-- Send outbox row p_id again: a new row, queued now, copying its
-- recipient, text, purpose, authority and rung (the old row keeps its
-- history). Recorded in alert_event when the row belongs to an alert.
-- result: ok (new_id set), unknown_id, pending (the row is still queued
-- or sending: it will go anyway), or finished (a forward or rung of an
-- alert already acknowledged, closed, cancelled or expired: the claim
-- would cancel it).
CREATE OR REPLACE FUNCTION farol_admin_resend(p_id bigint, p_user text)
RETURNS TABLE (result text, new_id bigint)
LANGUAGE plpgsql
AS $$
DECLARE
	v_row		outbox%ROWTYPE;
	v_state		text;
BEGIN
	SELECT * INTO v_row FROM outbox o WHERE o.id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		result := 'unknown_id';
		RETURN NEXT;
		RETURN;
	END IF;
	IF v_row.state IN ('queued', 'sending') THEN
		result := 'pending';
		RETURN NEXT;
		RETURN;
	END IF;
	IF v_row.alert_id IS NOT NULL THEN
		SELECT a.state INTO v_state FROM alert a
		WHERE a.id = v_row.alert_id FOR UPDATE;
		IF v_row.purpose IN ('forward', 'escalation') AND v_state IN
		    ('acknowledged', 'closed', 'cancelled', 'expired') THEN
			result := 'finished';
			RETURN NEXT;
			RETURN;
		END IF;
	END IF;
	INSERT INTO outbox (alert_id, message_id, recipient, text, purpose,
	    authority_id, rung)
	VALUES (v_row.alert_id, v_row.message_id, v_row.recipient,
	    v_row.text, v_row.purpose, v_row.authority_id, v_row.rung)
	RETURNING id INTO new_id;
	IF v_row.alert_id IS NOT NULL THEN
		INSERT INTO alert_event (alert_id, from_state, to_state, actor,
		    note)
		VALUES (v_row.alert_id, v_state, v_state, p_user,
		    format('resend: outbox %s sent again as %s', p_id,
		    new_id));
	END IF;
	result := 'ok';
	RETURN NEXT;
END
$$;
