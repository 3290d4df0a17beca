-- Schema v3: forwards that could not go out in time move on.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

-- A forward or rung still queued p_stale_s seconds after its time (no
-- modem could take it) is not sent hours late: when a later rung of the
-- same authority (or a later administrators' notice) waits for the same
-- alert, the stale row is expired and that later row becomes due now.
-- A row with nothing after it is kept: late is better than never.
-- Called by farold's outbox dispatcher before each claim. Returns how
-- many rows were expired.
CREATE FUNCTION farol_outbox_expire_stale(p_stale_s int)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	r	record;
	v_next	bigint;
	n	int := 0;
BEGIN
	FOR r IN
		SELECT o.id, o.alert_id, o.authority_id, o.not_before
		FROM outbox o
		WHERE o.state = 'queued' AND o.alert_id IS NOT NULL
		    AND o.purpose IN ('forward', 'escalation')
		    AND o.not_before < now() - make_interval(secs => p_stale_s)
		ORDER BY o.not_before, o.id
		FOR UPDATE SKIP LOCKED
	LOOP
		SELECT o.id INTO v_next
		FROM outbox o
		WHERE o.alert_id = r.alert_id
		    AND o.authority_id IS NOT DISTINCT FROM r.authority_id
		    AND o.state = 'queued'
		    AND o.purpose IN ('forward', 'escalation')
		    AND (o.not_before, o.id) > (r.not_before, r.id)
		ORDER BY o.not_before, o.id
		LIMIT 1;
		CONTINUE WHEN v_next IS NULL;
		UPDATE outbox SET state = 'expired', updated_at = now(),
		    error = 'stale: no modem took it within ' || p_stale_s ||
		    ' s; the next rung goes instead'
		WHERE id = r.id;
		UPDATE outbox SET not_before = least(not_before, now()),
		    updated_at = now()
		WHERE id = v_next;
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
