-- What-if (deferfwd, fifth session; not used by any test): a prototype of
-- the claim writing the due rows of alerts' rung plans directly as
-- 'sending' (one INSERT instead of the ingest's INSERT and the claim's
-- UPDATE), for up to p_alerts alerts a call, the alert's plan advanced
-- in the same statement. Measured against farol_outbox_claim on the
-- same rows (tests/bench/RESULTS.md, "deferfwd"); to be applied after
-- all_in_plan.sql, whose alerts keep their receipt and forwards in the
-- plan. Not a claim: no reply limit (the receipt's), no pins, no
-- leases taken over, no stale rungs, no second gateway's order.
CREATE OR REPLACE FUNCTION bench_plan_claim(p_alerts int, p_lease_s int)
RETURNS TABLE (id bigint, recipient text, text text, purpose text,
    alert_id bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $f$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH due AS (
		SELECT x.id, x.ref, x.message_id, x.created_at, x.rung_plan
		FROM alert x
		WHERE x.rung_plan_next_at <= now()
		    AND x.state NOT IN ('acknowledged', 'closed', 'cancelled',
			'expired')
		ORDER BY x.rung_plan_next_at, x.id
		LIMIT p_alerts
		FOR UPDATE OF x SKIP LOCKED),
	rows AS (
		SELECT d.id AS a_id, d.ref, d.message_id, d.created_at, o.*
		FROM due d, farol_alert_plan_rows(d.rung_plan) o
		WHERE d.created_at + make_interval(secs => o.after_s) <= now()),
	ins AS (
		INSERT INTO outbox AS ob (alert_id, message_id, recipient, text,
		    purpose, authority_id, rung, state, attempts, not_before,
		    created_at, claimed_by, lease_until)
		SELECT r.a_id, r.message_id, r.recipient,
		    replace(r.text, '{ref}', r.ref::text), r.purpose,
		    r.authority, r.rung, 'sending', 1,
		    r.created_at + make_interval(secs => r.after_s),
		    r.created_at, farol_gateway_self(),
		    now() + make_interval(secs => p_lease_s)
		FROM rows r
		RETURNING ob.id, ob.recipient, ob.text, ob.purpose, ob.alert_id),
	upd AS (
		-- the plan's later rungs stay; the next one's time
		UPDATE alert a SET (rung_plan, rung_plan_next_at) = (
		    SELECT CASE WHEN count(*) > 0 THEN jsonb_build_object(
			'texts', d.rung_plan->'texts',
			'rungs', jsonb_agg(g.e ORDER BY g.i)) END,
			d.created_at + make_interval(secs =>
			min((g.e->>'after_s')::double precision))
		    FROM jsonb_array_elements(d.rung_plan->'rungs')
			WITH ORDINALITY AS g(e, i)
		    WHERE d.created_at + make_interval(secs =>
			(g.e->>'after_s')::double precision) > now())
		FROM due d
		WHERE a.id = d.id)
	SELECT * FROM ins;
END
$f$;
