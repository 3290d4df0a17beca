-- Schema v5: a claim never takes a stale rung.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

-- Until v4 the stale rungs (0003) were expired by a call on farold's
-- one-second timer, and a claim made between two ticks (after a send
-- result or a new report) could take a rung that had just become stale
-- and send it late. This claim expires them first, in its own
-- transaction, and reports how many on each row it returns (the rung
-- after an expired one is due at once, so it comes back in the same
-- claim). p_stale_s <= 0: no expiry.
CREATE FUNCTION farol_outbox_claim(p_limit int, p_stale_s int)
RETURNS TABLE (id bigint, recipient text, text text, purpose text,
    alert_id bigint, attempts int, stale_expired int)
LANGUAGE plpgsql
AS $$
DECLARE
	n	int := 0;
BEGIN
	IF p_stale_s > 0 THEN
		n := farol_outbox_expire_stale(p_stale_s);
	END IF;
	RETURN QUERY SELECT c.id, c.recipient, c.text, c.purpose,
	    c.alert_id, c.attempts, n
	FROM farol_outbox_claim(p_limit) c;
END
$$;
