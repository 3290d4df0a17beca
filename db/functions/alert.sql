-- The alert life cycle: the one function that moves an alert.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- THE ONLY place that changes alert.state. Returns true when moved (an
-- event is recorded), false when the alert is already in p_to (nothing
-- recorded); raises SQLSTATE 'FA001' on a move alert_transition does not
-- list, and 'FA002' for an unknown alert.
CREATE OR REPLACE FUNCTION farol_alert_transition(p_alert bigint, p_to text,
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

-- Lock alert p_ref (FOR UPDATE; an alias names its alert:
-- farol_alert_of_ref) for an administrator's action on it:
-- alert_id is its id; why is NULL when the action may go on, otherwise
-- the caller's answer: unknown_ref, or (p_held) not_held when it is not
-- held or no longer received.
CREATE OR REPLACE FUNCTION farol_alert_lock(p_ref bigint, p_held boolean,
    OUT alert_id bigint, OUT why text)
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert	alert%ROWTYPE;
BEGIN
	SELECT * INTO v_alert FROM alert a
	WHERE a.id = farol_alert_of_ref(p_ref) FOR UPDATE;
	IF NOT FOUND THEN
		why := 'unknown_ref';
		RETURN;
	END IF;
	alert_id := v_alert.id;
	IF p_held AND (v_alert.held_reason IS NULL OR
	    v_alert.state <> 'received') THEN
		why := 'not_held';
	END IF;
END
$$;
