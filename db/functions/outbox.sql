-- The outbox: every outgoing SMS from insertion to delivery, and the
-- escalation rungs that are rows due later. All of its functions.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- An outbox row of a plan (the keys of farol_ingest_report's p_outbox,
-- read by the caller) as the outbox stores it: the one definition that
-- farol_outbox_insert and farol_ingest_reports (a run of reports at
-- once) both insert. For alert p_alert and message p_message (the row's
-- own, else its owner's), "{ref}" in the text replaced by p_ref when it
-- is not NULL, due p_after_s from now. A row with limit_max (a receipt
-- or reply: security.reply_limit) is 'cancelled' when its recipient has
-- limit_max receipts and replies not cancelled in the last limit_per_s
-- seconds, counting p_earlier more (farol_ingest_reports: the limited
-- rows to it of the run's earlier reports; 0 otherwise).
-- An SQL function the planner inlines into its callers' statements (as
-- if written there: no call per row). Hence no farol_ prefix:
-- `farolctl db init` makes every farol_ function SECURITY DEFINER, and
-- PostgreSQL inlines none of those. It writes nothing; it reads outbox.
CREATE OR REPLACE FUNCTION outbox_row_of(p_alert bigint, p_message bigint,
    p_recipient text, p_text text, p_purpose text, p_authority text,
    p_rung int, p_state text, p_after_s double precision, p_modem text,
    p_message_ref int, p_submitted_at double precision, p_limit_max int,
    p_limit_per_s int, p_ref bigint, p_earlier bigint)
RETURNS TABLE (alert_id bigint, message_id bigint, recipient text,
    text text, purpose text, authority_id text, rung int, state text,
    not_before timestamptz, modem text, message_ref int,
    submitted_at timestamptz, error text)
LANGUAGE sql STABLE
AS $$
	SELECT p_alert, p_message, p_recipient,
	    CASE WHEN p_ref IS NULL THEN p_text
		ELSE replace(p_text, '{ref}', p_ref::text) END,
	    p_purpose, p_authority, p_rung,
	    CASE WHEN l.over THEN 'cancelled'
		ELSE coalesce(p_state, 'queued') END,
	    now() + make_interval(secs => coalesce(p_after_s, 0)),
	    p_modem, p_message_ref,
	    CASE WHEN p_state = 'submitted' THEN coalesce(
		to_timestamp(p_submitted_at), now()) END,
	    CASE WHEN l.over THEN 'reply limit: ' || p_limit_max ||
		' in ' || p_limit_per_s || ' s to this number' END
	-- The count only for a row with limit_max (AND stops at false),
	-- and once: OFFSET 0 keeps the planner from copying it into both
	-- uses of l.over, which ran it twice for each receipt.
	FROM (SELECT p_limit_max IS NOT NULL AND (
		SELECT count(*) FROM (SELECT 1 FROM outbox x
		    WHERE x.recipient = p_recipient
			AND x.purpose IN ('receipt', 'reply')
			AND x.state <> 'cancelled'
			AND x.created_at > now() - make_interval(
			    secs => p_limit_per_s)
		    LIMIT p_limit_max) x) + CASE WHEN p_limit_per_s > 0
		    THEN p_earlier ELSE 0 END >= p_limit_max AS over
	    OFFSET 0) l
$$;

-- Whether an outbox row of a plan for alert p_alert (the row's own, else
-- its owner's) is a digest item instead (farol_outbox_insert): a U3's
-- `digest` row not held. Inlined, as outbox_row_of.
CREATE OR REPLACE FUNCTION outbox_row_is_digest(p_purpose text,
    p_alert bigint, p_state text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
	SELECT coalesce(p_purpose = 'digest' AND p_alert IS NOT NULL AND
	    p_state IS DISTINCT FROM 'held', false)
$$;

-- Insert the outbox rows of p (an array; see farol_ingest_report for the
-- keys), for alert p_alert (may be NULL) and message p_message, with
-- "{ref}" in each text replaced by p_ref when it is not NULL. A row with
-- limit_max (a receipt or reply: security.reply_limit) is inserted
-- 'cancelled' when its recipient already has limit_max receipts and
-- replies not cancelled in the last limit_per_s seconds: the limit lives
-- here, so it holds across restarts. A `digest` row of an alert (a U3's)
-- is not an SMS: it becomes an item of its authority's next digest
-- (digest_item; farol_digest_queue sends the digest, whose own rows have
-- no alert); a held alert's digest row stays a held outbox row until
-- farol_alert_release makes it an item. Returns how many outbox rows were
-- inserted.
CREATE OR REPLACE FUNCTION farol_outbox_insert(p jsonb, p_alert bigint,
    p_message bigint, p_ref bigint)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	n	int;
BEGIN
	IF p @> '[{"purpose": "digest"}]' THEN
		INSERT INTO digest_item (alert_id, authority_id, recipient)
		SELECT coalesce(o.alert_id, p_alert), o.authority, o.recipient
		FROM jsonb_to_recordset(p) AS o(alert_id bigint,
		    authority text, recipient text, purpose text, state text)
		WHERE outbox_row_is_digest(o.purpose,
		    coalesce(o.alert_id, p_alert), o.state);
		p := (SELECT coalesce(jsonb_agg(e), '[]')
		    FROM jsonb_array_elements(p) e
		    WHERE NOT outbox_row_is_digest(e->>'purpose', coalesce(
			(e->>'alert_id')::bigint, p_alert), e->>'state'));
	END IF;
	-- One INSERT for the whole array (its plan is cached by plpgsql).
	INSERT INTO outbox (alert_id, message_id, recipient, text,
	    purpose, authority_id, rung, state, not_before, modem,
	    message_ref, submitted_at, error)
	SELECT f.*
	FROM jsonb_to_recordset(coalesce(p, '[]')) AS o(
	    alert_id bigint, message_id bigint, recipient text,
	    text text, purpose text, authority text, rung int,
	    state text, after_s double precision, modem text,
	    message_ref int, submitted_at double precision,
	    limit_max int, limit_per_s int)
	CROSS JOIN LATERAL outbox_row_of(coalesce(o.alert_id, p_alert),
	    coalesce(o.message_id, p_message), o.recipient, o.text,
	    o.purpose, o.authority, o.rung, o.state, o.after_s, o.modem,
	    o.message_ref, o.submitted_at, o.limit_max, o.limit_per_s,
	    p_ref, 0) f;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- A forward or rung still queued p_stale_s seconds after its time (no
-- modem could take it) is not sent hours late: when a later rung of the
-- same authority (or a later administrators' notice) waits for the same
-- alert, the stale row is expired and that later row becomes due now.
-- A row with nothing after it is kept: late is better than never.
-- Called by farol_outbox_claim. Returns how many rows were expired.
CREATE OR REPLACE FUNCTION farol_outbox_expire_stale(p_stale_s int)
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

-- Expired means expired: an alert still waiting for an OK whose
-- administrators' notice (the last step of its plan: an escalation row
-- without an authority) is due, and which has no rung of an authority
-- left queued (a late rung still goes first), moves to expired, with its
-- event. The administrators' notice itself still goes. Called by
-- farol_outbox_claim. Returns how many alerts expired.
CREATE OR REPLACE FUNCTION farol_alert_expire_passed()
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert	bigint;
	n	int := 0;
BEGIN
	FOR v_alert IN
		SELECT a.id FROM alert a
		WHERE a.state IN ('received', 'forwarded', 'delivered',
		    'escalated')
		    AND EXISTS (SELECT 1 FROM outbox o
			WHERE o.alert_id = a.id AND o.purpose = 'escalation'
			    AND o.authority_id IS NULL
			    AND o.state <> 'cancelled'
			    AND o.not_before <= now())
		    AND NOT EXISTS (SELECT 1 FROM outbox o
			WHERE o.alert_id = a.id AND o.state = 'queued'
			    AND o.authority_id IS NOT NULL
			    AND o.purpose IN ('forward', 'escalation'))
		ORDER BY a.id
		FOR UPDATE OF a SKIP LOCKED
	LOOP
		PERFORM farol_alert_transition(v_alert, 'expired', 'farold',
		    'the whole ladder passed with no OK');
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

-- This session's gateway (gateway.name, set by db/db.c at every
-- connection as farol.gateway), or NULL for a tool or a test's session.
CREATE OR REPLACE FUNCTION farol_gateway_self()
RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT nullif(current_setting('farol.gateway', true), '')
$$;

-- Whether the claim may send row c (queued and due, or taken over) now:
-- not a rung of an alert that no longer needs it (the janitor cancels
-- it: farol_janitor_run); not a stale rung with a later one waiting
-- (when p_stale_s > 0: the janitor expires it and makes the later one
-- due); not a row stemming from a message received on a modem another
-- live gateway pins (gateway.pinned_modems; alive: its heartbeat younger
-- than its lease), until that gateway's pin_fallback_s after it was due
-- (p_pins false: no other live gateway pins a modem, nothing to look
-- up). Called by farol_outbox_claim on the rows it walks, oldest first,
-- until it has enough: never on the whole backlog.
CREATE OR REPLACE FUNCTION farol_outbox_claimable(c outbox, p_stale_s int,
    p_pins boolean)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	-- The cheap tests first, as plpgsql's simple expressions: a query
	-- only when its answer matters.
	IF c.purpose IN ('forward', 'escalation') THEN
		IF EXISTS (SELECT 1 FROM alert a WHERE a.id = c.alert_id
		    AND a.state IN ('acknowledged', 'closed', 'cancelled',
			'expired')
		    AND NOT (a.state = 'expired' AND
			c.authority_id IS NULL)) THEN
			RETURN false;
		END IF;
		IF p_stale_s > 0 AND c.alert_id IS NOT NULL AND
		    c.not_before < now() - make_interval(secs => p_stale_s)
		    AND EXISTS (SELECT 1 FROM outbox l
			WHERE l.alert_id = c.alert_id
			    AND l.authority_id IS NOT DISTINCT FROM
				c.authority_id
			    AND l.state = 'queued'
			    AND l.purpose IN ('forward', 'escalation')
			    AND (l.not_before, l.id) >
				(c.not_before, c.id)) THEN
			RETURN false;
		END IF;
	END IF;
	RETURN NOT (p_pins AND c.message_id IS NOT NULL AND EXISTS (
	    SELECT 1 FROM message m JOIN gateway g ON g.name = m.gateway
	    WHERE m.id = c.message_id
		AND c.not_before > now() - make_interval(
		    secs => g.pin_fallback_s)
		AND g.name IS DISTINCT FROM farol_gateway_self()
		AND g.stopped_at IS NULL
		AND g.heartbeat_at > now() - make_interval(secs => g.lease_s)
		AND m.modem = ANY (g.pinned_modems)));
END
$$;

-- The claim's source besides the outbox's rows: alerts whose rung plan
-- has rows due now (a U1's forwards, planned at ingest: farold marks them
-- with the later rungs, db/database.md "The rung plan"), oldest first
-- (rung_plan_next_at, id), on the alert_rung_plan_due index, FOR UPDATE
-- SKIP LOCKED. Their due rows are INSERTed into the outbox straight as
-- claimed for this gateway (as farol_outbox_claim leaves a row: 'sending',
-- attempts 1, claimed_by, a lease of p_lease_s), taken out of the plan
-- in the same statement (no row written twice, none lost: the plan is
-- durable from the ingest, the row from this commit on), and returned.
-- At most p_room rows are returned. The plans of 32 alerts at least are
-- taken at once, their due rows beyond the room written 'queued' (the
-- claim's next calls take them as any queued rung, before newer plans):
-- the statement's fixed cost (its lock, INSERT and UPDATE, ~0.5 ms) is
-- shared by ~100 rows instead of a claim's 4 to 8 (RESULTS.md, "planfwd").
-- Each
-- row is the one the janitor would have written (farol_alert_plan_write:
-- text with the number, not_before the alert's created_at + after_s,
-- created_at the alert's). Left in the plan, as farol_outbox_claimable
-- would leave the row: an alert that no longer needs rungs (its plan is
-- dropped by farol_alert_stop_rungs, or by the janitor), a plan due for
-- longer than p_stale_s (p_stale_s > 0: the janitor writes all of it,
-- so that the stale rule finds the next rung), an alert whose message
-- came on a modem another live gateway pins (p_pins), until that
-- gateway's pin_fallback_s after it was due. A correlated sub-select
-- for the plan's update: joining two CTEs made it quadratic (RESULTS.md,
-- "deferfwd").
CREATE OR REPLACE FUNCTION farol_outbox_claim_plans(p_room int,
    p_stale_s int, p_lease_s int, p_pins boolean)
RETURNS TABLE (id bigint, recipient text, text text, purpose text,
    alert_id bigint, attempts int, taken_over boolean)
LANGUAGE plpgsql
SET enable_bitmapscan = off
SET enable_seqscan = off
SET jit = off
-- Its statement planned once (planning it again at each call cost more
-- than running it: ~0.7 ms).
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH cand AS MATERIALIZED (
		-- The oldest due plans that may go, 32 at least (a claim's
		-- fixed cost shared by their rows). Once: not a subquery
		-- run per alert below.
		SELECT x.id
		FROM alert x
		WHERE x.rung_plan_next_at <= now()
		    AND x.state IN ('received', 'forwarded', 'delivered',
			'escalated')
		    AND NOT (p_stale_s > 0 AND x.rung_plan_next_at <
			now() - make_interval(secs => p_stale_s))
		    AND NOT (p_pins AND EXISTS (SELECT 1
			FROM message m JOIN gateway g ON g.name = m.gateway
			WHERE m.id = x.message_id
			    AND x.rung_plan_next_at > now() -
				make_interval(secs => g.pin_fallback_s)
			    AND g.name IS DISTINCT FROM farol_gateway_self()
			    AND g.stopped_at IS NULL
			    AND g.heartbeat_at > now() -
				make_interval(secs => g.lease_s)
			    AND m.modem = ANY (g.pinned_modems)))
		-- The index's order, so that the walk stops at the limit
		-- (alerts due at the same time, a batch's, come in any
		-- order: an id here would sort them all).
		ORDER BY x.rung_plan_next_at
		LIMIT greatest(p_room, 32)
	), due AS (
		-- Locked, and checked again (a concurrent OK may have
		-- dropped the plan since).
		SELECT x.id, x.ref, x.message_id, x.created_at, x.rung_plan,
		    x.rung_plan_next_at
		FROM alert x
		WHERE x.id = ANY (ARRAY(SELECT c.id FROM cand c))
		    AND x.rung_plan_next_at <= now()
		    AND x.state IN ('received', 'forwarded', 'delivered',
			'escalated')
		FOR UPDATE OF x SKIP LOCKED
	), r AS (
		-- The due rows in the claim's order: k <= p_room are sent.
		SELECT d.id AS a_id, d.ref, d.message_id, d.created_at,
		    o.recipient, o.text, o.purpose, o.authority, o.rung,
		    o.after_s, row_number() OVER (ORDER BY
			d.rung_plan_next_at, d.id, o.i) AS k
		FROM due d CROSS JOIN LATERAL alert_plan_rows(d.rung_plan) o
		WHERE d.created_at + make_interval(secs => o.after_s) <= now()
	), ins AS (
		INSERT INTO outbox AS ob (alert_id, message_id, recipient,
		    text, purpose, authority_id, rung, state, attempts,
		    not_before, created_at, claimed_by, lease_until)
		SELECT r.a_id, r.message_id, r.recipient,
		    replace(r.text, '{ref}', r.ref::text), r.purpose,
		    r.authority, r.rung,
		    CASE WHEN r.k <= p_room THEN 'sending' ELSE 'queued' END,
		    CASE WHEN r.k <= p_room THEN 1 ELSE 0 END,
		    r.created_at + make_interval(secs => r.after_s),
		    r.created_at,
		    CASE WHEN r.k <= p_room THEN farol_gateway_self() END,
		    CASE WHEN r.k <= p_room THEN now() + make_interval(
			secs => p_lease_s) END
		FROM r ORDER BY r.k
		RETURNING ob.id, ob.recipient, ob.text, ob.purpose,
		    ob.alert_id, ob.attempts, ob.state, ob.not_before
	), upd AS (
		UPDATE alert a SET (rung_plan, rung_plan_next_at) = (
		    SELECT f.rest, f.next_at
		    FROM alert_plan_after(a.rung_plan, a.created_at, now()) f)
		WHERE a.id IN (SELECT d.id FROM due d)
	)
	SELECT i.id, i.recipient, i.text, i.purpose, i.alert_id,
	    i.attempts, false
	FROM ins i
	WHERE i.state = 'sending'
	ORDER BY i.not_before, i.id;
END
$$;

-- Up to p_limit rows for this session's gateway (farol_gateway_self),
-- forwards and escalations first, then the rest, each oldest first
-- (not_before, id), claimed for sending (state 'sending', attempts + 1,
-- claimed_by, a lease of p_lease_s seconds that the gateway's heartbeat
-- renews: farol_gateway_heartbeat), with FOR UPDATE SKIP LOCKED, so
-- gateways claiming together never take the same row. A row is taken
-- when it is queued and due, or when it is 'sending' and its lease has
-- expired (its gateway died or lost the database: taken over, its text,
-- and so its alert number, unchanged), but only another gateway's row,
-- and only by a session connected for a whole lease: after an outage
-- every lease has expired, and the holder, alive, needs that long to
-- reconnect, record what its modems sent and renew its leases
-- (farol_gateway_heartbeat); its own rows a gateway still holds in
-- memory, or queues again at start (farol_outbox_recover). Left alone:
-- what farol_outbox_claimable refuses. taken_over says the row was
-- another gateway's. The forwards and escalations come from two
-- sources: the outbox's rows, and the rows of rung plans due now
-- (farol_outbox_claim_plans: a U1's forwards are planned at ingest, and
-- written only here, straight as claimed); the rows due by the oldest
-- due plan go first, then the plans', then the other rows.
-- The cost does not grow with the backlog: each class (forwards and
-- escalations, then the rest) walks its own index in the claim's order
-- (outbox_due_rung, outbox_due_other: not_before, id) and stops after
-- the rows it may take; the rest only when the first left room; rows
-- to take over come from outbox_leased (a handful: the leases a dead
-- gateway left), merged in by time; the plans only when the
-- alert_rung_plan_due index has one due. No sequential or bitmap scan:
-- with statistics that say few rows are due (a fresh table, a burst
-- since the last ANALYZE) the planner would read, test and sort every
-- due row; without them the index walk is the only cheap plan (jit off:
-- their penalty costs would switch it on).
-- (plpgsql, not sql: its body is checked when called, so that the file
-- applies to an older schema too, as the upgrade test does.)
CREATE OR REPLACE FUNCTION farol_outbox_claim(p_limit int, p_stale_s int,
    p_lease_s int)
RETURNS TABLE (id bigint, recipient text, text text, purpose text,
    alert_id bigint, attempts int, taken_over boolean)
LANGUAGE plpgsql
SET enable_bitmapscan = off
SET enable_seqscan = off
SET jit = off
AS $$
DECLARE
	v_self		text := farol_gateway_self();
	-- When this session began (epoch seconds), read once a session
	-- and kept as farol.backend_start: pg_stat_activity builds every
	-- backend's row, ~150 us, which every claim paid.
	v_start		text := nullif(current_setting('farol.backend_start',
	    true), '');
	v_may_take_over	boolean;
	v_pins		boolean := EXISTS (SELECT 1 FROM gateway g
	    WHERE g.pinned_modems <> '{}'
		AND g.name IS DISTINCT FROM farol_gateway_self()
		AND g.stopped_at IS NULL
		AND g.heartbeat_at > now() - make_interval(secs => g.lease_s));
	-- When the oldest due plan the claim may take was due (as
	-- farol_outbox_claim_plans, but for pins); NULL: none is.
	v_plan_at	timestamptz := (SELECT x.rung_plan_next_at
	    FROM alert x WHERE x.rung_plan_next_at <= now()
		AND NOT (p_stale_s > 0 AND x.rung_plan_next_at <
		    now() - make_interval(secs => p_stale_s))
		AND x.state IN ('received', 'forwarded', 'delivered',
		    'escalated')
	    ORDER BY x.rung_plan_next_at LIMIT 1);
	v_room		int := p_limit;
	v_pass		int;
	v_rungs		boolean;
	v_upto		timestamptz;
	n		int;
BEGIN
	IF v_start IS NULL THEN
		v_start := (SELECT extract(epoch FROM s.backend_start)::text
		    FROM pg_stat_activity s WHERE s.pid = pg_backend_pid());
		PERFORM set_config('farol.backend_start', v_start, false);
	END IF;
	v_may_take_over := to_timestamp(v_start::double precision) <
	    now() - make_interval(secs => p_lease_s);
	-- 1: rungs due by the oldest plan (all when none is due: the rest
	-- of a plan's rows beyond an earlier claim's room come first);
	-- 2: the plans; 3: the other rungs; 4: the rest.
	-- (v_upto: the rows' bound, an index condition.)
	FOREACH v_pass IN ARRAY ARRAY[1, 2, 3, 4] LOOP
		EXIT WHEN v_room <= 0;
		CONTINUE WHEN v_pass IN (2, 3) AND v_plan_at IS NULL;
		IF v_pass = 2 THEN
			RETURN QUERY SELECT * FROM farol_outbox_claim_plans(
			    v_room, p_stale_s, p_lease_s, v_pins);
			GET DIAGNOSTICS n = ROW_COUNT;
			v_room := v_room - n;
			CONTINUE;
		END IF;
		v_rungs := v_pass < 4;
		v_upto := CASE WHEN v_pass = 1 THEN coalesce(v_plan_at, now())
		    ELSE now() END;
		RETURN QUERY
		WITH rung AS (
			SELECT c.id, c.not_before, false AS taken_over
			FROM outbox c
			WHERE v_rungs AND c.state = 'queued'
			    AND c.purpose IN ('forward', 'escalation')
			    AND c.not_before <= v_upto
			    AND farol_outbox_claimable(c, p_stale_s, v_pins)
			ORDER BY c.not_before, c.id
			LIMIT v_room
			FOR UPDATE OF c SKIP LOCKED),
		other AS (
			SELECT c.id, c.not_before, false AS taken_over
			FROM outbox c
			WHERE NOT v_rungs AND c.state = 'queued'
			    AND c.purpose NOT IN ('forward', 'escalation')
			    AND c.not_before <= now()
			    AND farol_outbox_claimable(c, p_stale_s, v_pins)
			ORDER BY c.not_before, c.id
			LIMIT v_room
			FOR UPDATE OF c SKIP LOCKED),
		leased AS (
			SELECT c.id, c.not_before, true AS taken_over
			FROM outbox c
			WHERE v_may_take_over AND c.state = 'sending'
			    AND c.lease_until < now()
			    AND c.claimed_by IS DISTINCT FROM v_self
			    AND (c.purpose IN ('forward', 'escalation')) =
				v_rungs
			    AND c.not_before <= v_upto
			    AND farol_outbox_claimable(c, p_stale_s, v_pins)
			ORDER BY c.not_before, c.id
			LIMIT v_room
			FOR UPDATE OF c SKIP LOCKED),
		due AS (
			SELECT d.id, d.taken_over
			FROM (SELECT * FROM rung UNION ALL
			    SELECT * FROM other UNION ALL
			    SELECT * FROM leased) d
			ORDER BY d.not_before, d.id
			LIMIT v_room)
		UPDATE outbox o SET state = 'sending',
		    attempts = o.attempts + 1, updated_at = now(),
		    claimed_by = v_self,
		    lease_until = now() + make_interval(secs => p_lease_s),
		    error = CASE WHEN due.taken_over THEN 'the lease of ' ||
			coalesce(o.claimed_by, 'a gateway') ||
			' expired; taken over' ELSE o.error END
		FROM due
		WHERE o.id = due.id
		RETURNING o.id, o.recipient, o.text, o.purpose, o.alert_id,
		    o.attempts, due.taken_over;
		GET DIAGNOSTICS n = ROW_COUNT;
		v_room := v_room - n;
	END LOOP;
END
$$;

-- The modem's answer for a claimed row. Not ok: queued again after
-- p_retry_after_s seconds, or failed when it is NULL. Acts only on a row
-- still 'sending': farold keeps each answer on disk until it is recorded
-- (db/sendlog.c) and may record one twice after a crash; the second time
-- changes nothing. A sent rung is recorded even when its alert cannot
-- make the move (FA001, say an escalation of an alert still 'received'):
-- the SMS went, and must not go again; the event log says why the alert
-- stayed. A failure is recorded only by the gateway holding the row
-- (claimed_by): once its lease expired and another gateway took it over,
-- the row is that one's.
CREATE OR REPLACE FUNCTION farol_outbox_result(p_id bigint, p_modem text, p_ok boolean,
    p_message_ref int, p_error text, p_retry_after_s int)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_alert		bigint;
	v_purpose	text;
	v_state		text;
	v_to		text;
BEGIN
	IF p_ok THEN
		UPDATE outbox SET state = 'submitted', modem = p_modem,
		    message_ref = p_message_ref, submitted_at = now(),
		    error = NULL, updated_at = now()
		WHERE id = p_id AND state = 'sending'
		RETURNING alert_id, purpose INTO v_alert, v_purpose;
		IF v_alert IS NULL THEN
			RETURN;
		END IF;
		SELECT state INTO v_state FROM alert WHERE id = v_alert;
		IF v_purpose = 'forward' AND v_state = 'received' THEN
			v_to := 'forwarded';
		ELSIF v_purpose = 'escalation' AND v_state IN ('received',
		    'forwarded', 'delivered') THEN
			v_to := 'escalated';
		END IF;
		IF v_to IS NOT NULL THEN
			BEGIN
				PERFORM farol_alert_transition(v_alert, v_to,
				    'farold', NULL);
			EXCEPTION WHEN SQLSTATE 'FA001' THEN
				INSERT INTO alert_event (alert_id, from_state,
				    to_state, actor, note)
				VALUES (v_alert, v_state, v_state, 'farold',
				    v_purpose || ' #' || p_id || ' sent; the '
				    || 'alert cannot move from ' || v_state ||
				    ' to ' || v_to);
			END;
		END IF;
	ELSIF p_retry_after_s IS NOT NULL THEN
		UPDATE outbox SET state = 'queued', modem = p_modem,
		    error = p_error, updated_at = now(),
		    not_before = now() + make_interval(secs => p_retry_after_s)
		WHERE id = p_id AND state = 'sending'
		    AND claimed_by IS NOT DISTINCT FROM farol_gateway_self();
	ELSE
		UPDATE outbox SET state = 'failed', modem = p_modem,
		    error = p_error, updated_at = now()
		WHERE id = p_id AND state = 'sending'
		    AND claimed_by IS NOT DISTINCT FROM farol_gateway_self();
	END IF;
END
$$;

-- A delivery report: the newest row submitted in the last 7 days with this
-- modem, message reference and recipient. Returns its id, or NULL.
CREATE OR REPLACE FUNCTION farol_outbox_delivered(p_modem text, p_recipient text,
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

-- At start-up: rows a crash of this gateway left in 'sending' are
-- queued again (another gateway's rows are its own, taken over only when
-- their lease expires: farol_outbox_claim; rows claimed before schema
-- v14 have no claimed_by).
CREATE OR REPLACE FUNCTION farol_outbox_recover()
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	n	int;
BEGIN
	UPDATE outbox SET state = 'queued', updated_at = now(),
	    error = 'interrupted by a stop; queued again'
	WHERE state = 'sending' AND (claimed_by IS NULL OR
	    claimed_by = farol_gateway_self());
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- While running: this gateway's rows left 'sending' whose claim's
-- answer never reached it (the connection dropped after the claim
-- committed; the gateway's heartbeat keeps their leases alive, so no
-- other gateway takes them over), queued again. Every row this gateway
-- claimed is left alone when its id is in p_held: farold passes the ids
-- its modems hold and those whose send result it keeps until recorded
-- (db/sendlog.c), so that no SMS goes twice. Only rows claimed before
-- this call began: a claim sent on a new connection while this one ran
-- on a dropped one is never taken for lost. farold calls it once the
-- database is back after a claim whose outcome it does not know, and
-- every minute (gateway/outbox.c, "lost claims").
CREATE OR REPLACE FUNCTION farol_outbox_requeue_lost(p_held bigint[])
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	n	int;
BEGIN
	UPDATE outbox SET state = 'queued', updated_at = now(),
	    error = 'the answer of its claim was lost; queued again'
	WHERE state = 'sending' AND claimed_by = farol_gateway_self()
	    AND id <> ALL (coalesce(p_held, '{}')) AND updated_at < now();
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- Cancel an alert's rungs still queued (after OK, FIM, ANULAR), and drop
-- the plan of its later rungs: they are never written. (plpgsql, not
-- sql: its body is checked when called, so that the file applies to an
-- older schema too, as the upgrade test does.)
CREATE OR REPLACE FUNCTION farol_alert_stop_rungs(p_alert bigint, p_why text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	UPDATE outbox SET state = 'cancelled', error = p_why,
	    updated_at = now()
	WHERE alert_id = p_alert AND state = 'queued'
	    AND purpose IN ('forward', 'escalation');
	UPDATE alert SET rung_plan = NULL, rung_plan_next_at = NULL
	WHERE id = p_alert AND rung_plan_next_at IS NOT NULL;
END
$$;

-- The rows of plan p (either form: see farol_alert_plan_rows, below),
-- each with its place in the plan (i), for a statement that reads many
-- plans at once: inlined into it (as outbox_row_of), not a function call
-- per plan.
CREATE OR REPLACE FUNCTION alert_plan_rows(p jsonb)
RETURNS TABLE (recipient text, text text, purpose text, authority text,
    rung int, after_s double precision, i bigint)
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN o THEN g.e->'to'->>(2 * k + 1)
		ELSE g.e->>'recipient' END,
	    CASE WHEN o THEN p->'texts'->>((g.e->>'text')::int)
		ELSE g.e->>'text' END,
	    g.e->>'purpose',
	    CASE WHEN o THEN g.e->'to'->>(2 * k) ELSE g.e->>'authority' END,
	    (g.e->>'rung')::int, (g.e->>'after_s')::double precision,
	    row_number() OVER (ORDER BY g.i, k)
	FROM (SELECT jsonb_typeof(p) = 'object' AS o) t,
	    jsonb_array_elements(CASE WHEN t.o THEN p->'rungs' ELSE p END)
		WITH ORDINALITY AS g(e, i),
	    generate_series(0, CASE WHEN t.o THEN
		jsonb_array_length(g.e->'to') / 2 - 1 ELSE 0 END) AS k
$$;

-- The rows of an alert's rung plan (alert.rung_plan), in order, as the
-- janitor writes them: recipient, text (with "{ref}"), purpose,
-- authority, rung, after_s. Two forms (db/database.md, "The rung
-- plan"): schema v18's, an array of rows, which plans stored before v21
-- keep; and farold's since v21, {"texts": [...], "rungs": [{"after_s",
-- "purpose", "rung", "text": index in texts, "to": [authority,
-- recipient, ...]}, ...]}, each text once. NULL: none.
CREATE OR REPLACE FUNCTION farol_alert_plan_rows(p jsonb)
RETURNS TABLE (recipient text, text text, purpose text, authority text,
    rung int, after_s double precision)
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	-- The one reading of both forms: alert_plan_rows (above).
	RETURN QUERY SELECT o.recipient, o.text, o.purpose, o.authority,
	    o.rung, o.after_s
	FROM alert_plan_rows(p) o ORDER BY o.i;
END
$$;

-- How many rows an alert's rung plan still holds (either form); NULL
-- for none.
CREATE OR REPLACE FUNCTION farol_alert_plan_size(p jsonb)
RETURNS int
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE jsonb_typeof(p) WHEN 'array' THEN jsonb_array_length(p)
	    WHEN 'object' THEN (SELECT coalesce(sum(
		jsonb_array_length(g->'to') / 2), 0)::int
		FROM jsonb_array_elements(p->'rungs') g) END
$$;

-- What is left of plan p (either form) of an alert made at p_created
-- once its rows due by p_cut are out of it: rest, the entries due later
-- in the plan's own form (the entries of v18's array, or of "rungs" with
-- the texts: all of an entry is due at once), and next_at, when the
-- first of them is due; (NULL, NULL) when none is left. Inlined, as
-- outbox_row_of.
CREATE OR REPLACE FUNCTION alert_plan_after(p jsonb, p_created timestamptz,
    p_cut timestamptz)
RETURNS TABLE (rest jsonb, next_at timestamptz)
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN count(*) = 0 THEN NULL
	    WHEN jsonb_typeof(p) = 'object' THEN jsonb_build_object('texts',
		p->'texts', 'rungs', jsonb_agg(x.e ORDER BY x.i))
	    ELSE jsonb_agg(x.e ORDER BY x.i) END,
	    p_created + make_interval(secs =>
		min((x.e->>'after_s')::double precision))
	FROM jsonb_array_elements(coalesce(p->'rungs', p)) WITH ORDINALITY
	    AS x(e, i)
	WHERE p_created + make_interval(secs =>
	    (x.e->>'after_s')::double precision) > p_cut
$$;

-- The rows of alert p_alert's rung plan due by p_cut written into the
-- outbox, queued, as the rows they would have been at ingest (the text
-- with the alert number, not_before the alert's created_at + after_s,
-- created_at the alert's, purpose, authority and rung), and taken out
-- of the plan, in its own form; rung_plan_next_at moves to the next row,
-- NULL when none is left. An alert that no longer needs rungs
-- (acknowledged, closed, cancelled, expired: what the claim would not
-- send) has its plan dropped, unwritten, but for the administrators'
-- notice of an expired alert. The caller holds the alert (FOR UPDATE):
-- the janitor (farol_alert_plan_write), a replay cancelling forwards the
-- spool sent (farol_alert_skip_sent_forwards). Returns how many rows were
-- written.
CREATE OR REPLACE FUNCTION farol_alert_plan_write_until(p_alert bigint,
    p_cut timestamptz)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	a	record;
	k	int;
BEGIN
	SELECT x.id, x.ref, x.message_id, x.state, x.created_at, x.rung_plan,
	    x.state NOT IN ('acknowledged', 'closed', 'cancelled', 'expired')
		AS live
	INTO a FROM alert x WHERE x.id = p_alert;
	IF a.rung_plan IS NULL THEN
		RETURN 0;
	END IF;
	INSERT INTO outbox (alert_id, message_id, recipient, text, purpose,
	    authority_id, rung, state, not_before, created_at)
	SELECT a.id, a.message_id, o.recipient,
	    replace(o.text, '{ref}', a.ref::text), o.purpose, o.authority,
	    o.rung, 'queued', a.created_at + make_interval(secs => o.after_s),
	    a.created_at
	FROM farol_alert_plan_rows(a.rung_plan) o
	WHERE a.created_at + make_interval(secs => o.after_s) <= p_cut
	    AND (a.live OR (a.state = 'expired' AND o.authority IS NULL));
	GET DIAGNOSTICS k = ROW_COUNT;
	-- What is left, in the plan's own form; nothing for an alert that
	-- no longer needs it (one row: an aggregate).
	UPDATE alert SET (rung_plan, rung_plan_next_at) = (
	    SELECT f.rest, f.next_at
	    FROM alert_plan_after(CASE WHEN a.live THEN a.rung_plan END,
		a.created_at, p_cut) f)
	WHERE id = a.id;
	RETURN k;
END
$$;

-- The janitor's step for the alerts' rung plans (farol_ingest_report
-- keeps an alert's rungs as alert.rung_plan): every planned row due
-- within p_horizon_s seconds is written into the outbox as the row it
-- would have been at ingest (its text with the alert number, not_before
-- the alert's created_at + after_s, its purpose, authority and rung) and
-- taken out of the plan, in one transaction; rung_plan_next_at moves to
-- the next row, NULL when none is left. Its created_at is the alert's,
-- as if written at ingest. When a forward or rung of the alert (queued,
-- or the plan's first) will be stale (p_stale_s > 0) within p_horizon_s,
-- the whole plan is written, so that farol_outbox_expire_stale finds the
-- next rung as it always did. An alert that no longer needs rungs
-- (acknowledged, closed, cancelled, expired: what the claim would not
-- send) has its plan dropped, never written, but for the administrators'
-- notice of an expired alert. Left alone: the plan of an alert that
-- still needs it whose first row is already due and not about to be
-- stale (a U1's forwards, due at once): the claim writes those rows
-- itself, straight as sent (farol_outbox_claim_plans), and this loop,
-- one alert at a time, is not to take a burst's forwards from it. Runs
-- in the janitor only (one gateway, its advisory lock), and FOR UPDATE
-- SKIP LOCKED: a row is written once. Returns how many outbox rows were
-- written.
CREATE OR REPLACE FUNCTION farol_alert_plan_write(p_horizon_s int,
    p_stale_s int)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	a	record;
	n	int := 0;
BEGIN
	FOR a IN
		SELECT x.id, s.stale_soon
		FROM alert x
		CROSS JOIN LATERAL (SELECT p_stale_s > 0 AND (
		    x.rung_plan_next_at < now() + make_interval(
			secs => p_horizon_s - p_stale_s)
		    OR EXISTS (SELECT 1 FROM outbox o
			WHERE o.alert_id = x.id AND o.state = 'queued'
			    AND o.purpose IN ('forward', 'escalation')
			    AND o.not_before < now() + make_interval(
				secs => p_horizon_s - p_stale_s)))
		    AS stale_soon) s
		-- Two index ranges (alert_rung_plan_due, outbox_due_rung), not a
		-- scan of every alert with a plan.
		WHERE x.rung_plan_next_at IS NOT NULL AND x.id IN (
		    SELECT y.id FROM alert y
		    WHERE y.rung_plan_next_at <= now() + make_interval(
			secs => p_horizon_s)
		    UNION SELECT o.alert_id FROM outbox o
			WHERE p_stale_s > 0 AND o.state = 'queued'
			    AND o.purpose IN ('forward', 'escalation')
			    AND o.not_before < now() + make_interval(
				secs => p_horizon_s - p_stale_s))
		    -- The claim's (farol_outbox_claim_plans).
		    AND NOT (x.rung_plan_next_at <= now() AND x.state IN
			('received', 'forwarded', 'delivered', 'escalated')
			AND NOT s.stale_soon)
		ORDER BY x.rung_plan_next_at, x.id
		FOR UPDATE OF x SKIP LOCKED
	LOOP
		-- A rung that will be stale within the horizon (the janitor
		-- could not run, or no modem took it): all of the plan, so
		-- that its next rung is there to go instead.
		n := n + farol_alert_plan_write_until(a.id, CASE
		    WHEN a.stale_soon THEN 'infinity'
		    ELSE now() + make_interval(secs => p_horizon_s) END);
	END LOOP;
	RETURN n;
END
$$;
