-- The U3 digest: a U3 alert is not sent on its own; at
-- escalation.u3.digest_at each duty phone gets one digest listing the
-- period's U3 alerts (gateway/digest.c, the janitor's digest job).
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- The items not yet in a digest made at or before p_until, by recipient,
-- authority and alert number. leaves: the alert was cancelled (ANULAR) or
-- closed (FIM) meanwhile, so the digest leaves it out.
-- (plpgsql, not sql: its body is checked when called, not when made, so
-- the file applies on a schema older than the table, as
-- tests/db/test_db_schema.c's rebuilt v5 does.)
CREATE OR REPLACE FUNCTION farol_digest_pending(p_until timestamptz)
RETURNS TABLE (item_id bigint, authority_id text, recipient text,
    ref bigint, area text, forms text, victims int, leaves boolean)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT d.id, d.authority_id, d.recipient, a.ref, a.area,
	    array_to_string(a.forms, '+'), coalesce(a.victims, -1),
	    a.state IN ('cancelled', 'closed')
	FROM digest_item d JOIN alert a ON a.id = d.alert_id
	WHERE d.done_at IS NULL AND d.created_at <= p_until
	ORDER BY d.recipient, d.authority_id, a.ref;
END
$$;

-- One digest per element of p, {"listed": [item ids], "left": [item ids],
-- "outbox": [its SMS, as farol_outbox_insert takes them]}: its items are
-- marked done and its SMS queued, in one transaction. An element whose
-- items are no longer all pending (another run took them) is skipped:
-- never two digests for one item. Returns how many SMS were queued.
CREATE OR REPLACE FUNCTION farol_digest_queue(p jsonb)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	e		jsonb;
	v_listed	bigint[];
	v_all		bigint[];
	k		int;
	n		int := 0;
BEGIN
	FOR e IN SELECT * FROM jsonb_array_elements(p)
	LOOP
		v_listed := ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(e->'listed', '[]'))::bigint);
		v_all := v_listed || ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(e->'left', '[]'))::bigint);
		SELECT count(*) INTO k FROM (SELECT 1 FROM digest_item d
		    WHERE d.id = ANY (v_all) AND d.done_at IS NULL
		    FOR UPDATE) x;
		CONTINUE WHEN k <> cardinality(v_all);
		UPDATE digest_item d SET done_at = now(),
		    outcome = CASE WHEN d.id = ANY (v_listed) THEN 'listed'
			ELSE 'left' END
		WHERE d.id = ANY (v_all);
		n := n + farol_outbox_insert(e->'outbox', NULL, NULL, NULL);
	END LOOP;
	RETURN n;
END
$$;
