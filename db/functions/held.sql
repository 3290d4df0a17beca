-- Held alerts: an administrator releases or dismisses them.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- An alert is held (held_reason 'pin' or 'flood') while it is received
-- and its routing waits in the outbox as rows in state 'held' (farold
-- wrote them with the alert: the receipt, forwards and rungs a release
-- sends). Release queues them, each due as long after now as it was after
-- the alert's arrival: the alert is routed as if it had just arrived.
-- The event records who (p_actor: "unix:<user>" from farolctl, or the
-- administrator's number) and why it had been held. result: ok,
-- unknown_ref, not_held; queued: how many rows were queued.
CREATE OR REPLACE FUNCTION farol_alert_release(p_ref bigint, p_actor text)
RETURNS TABLE (result text, alert_id bigint, queued int)
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert	alert%ROWTYPE;
BEGIN
	queued := 0;
	SELECT l.alert_id, l.why INTO alert_id, result
	FROM farol_alert_lock(p_ref, true) l;
	IF result IS NOT NULL THEN
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT * INTO v_alert FROM alert a WHERE a.id = alert_id;
	-- A U3's digest row becomes an item of the next digest.
	INSERT INTO digest_item (alert_id, authority_id, recipient)
	SELECT o.alert_id, o.authority_id, o.recipient FROM outbox o
	WHERE o.alert_id = v_alert.id AND o.state = 'held'
	    AND o.purpose = 'digest';
	UPDATE outbox o SET state = 'cancelled', updated_at = now(),
	    error = 'released: an item of the next digest'
	WHERE o.alert_id = v_alert.id AND o.state = 'held'
	    AND o.purpose = 'digest';
	UPDATE outbox o SET state = 'queued', updated_at = now(),
	    not_before = now() + (o.not_before - o.created_at)
	WHERE o.alert_id = v_alert.id AND o.state = 'held';
	GET DIAGNOSTICS queued = ROW_COUNT;
	UPDATE alert SET held_reason = NULL, updated_at = now()
	WHERE id = v_alert.id;
	INSERT INTO alert_event (alert_id, from_state, to_state, actor, note)
	VALUES (v_alert.id, v_alert.state, v_alert.state, p_actor,
	    'released (held: ' || v_alert.held_reason || ')');
	result := 'ok';
	RETURN NEXT;
END
$$;

-- Dismiss a held alert: closed, its held rows cancelled, nothing sent;
-- the event records who and the reason. result: ok, unknown_ref,
-- not_held.
CREATE OR REPLACE FUNCTION farol_alert_dismiss(p_ref bigint, p_actor text,
    p_reason text)
RETURNS TABLE (result text, alert_id bigint)
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert	alert%ROWTYPE;
BEGIN
	SELECT l.alert_id, l.why INTO alert_id, result
	FROM farol_alert_lock(p_ref, true) l;
	IF result IS NOT NULL THEN
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT * INTO v_alert FROM alert a WHERE a.id = alert_id;
	UPDATE outbox o SET state = 'cancelled', updated_at = now(),
	    error = 'alert dismissed'
	WHERE o.alert_id = v_alert.id AND o.state = 'held';
	PERFORM farol_alert_transition(v_alert.id, 'closed', p_actor,
	    'dismissed (held: ' || v_alert.held_reason || '): ' ||
	    coalesce(p_reason, ''));
	result := 'ok';
	RETURN NEXT;
END
$$;
