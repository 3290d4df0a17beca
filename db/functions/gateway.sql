-- Several gateways on one database: each gateway's registration and
-- heartbeat, the janitor's advisory lock and its run, the alert numbers
-- a gateway reserves for an outage. The gateway is the session's
-- (farol_gateway_self, db/functions/outbox.sql). Applied with CREATE
-- OR REPLACE at every start-up that finds the function files changed
-- (db/migrate.c, schema_functions); docs: db/database.md,
-- "Several gateways", and gateway/deployment.md.

-- Register this session's gateway as instance p_instance (one start of
-- farold). The name is refused (registered false, with who has it) while
-- another instance of it is alive: its heartbeat is younger than its
-- lease and it has not stopped. p_force takes the name anyway: farold
-- passes it when the holder ran on its own host under a pid that no
-- longer exists (the same gateway restarted after a crash).
CREATE OR REPLACE FUNCTION farol_gateway_register(p_instance text,
    p_host text, p_pid int, p_pinned text[], p_lease_s int,
    p_pin_fallback_s int, p_force boolean)
RETURNS TABLE (registered boolean, holder_host text, holder_pid int,
    heartbeat_age_s double precision)
LANGUAGE plpgsql
AS $$
DECLARE
	v_name	text := farol_gateway_self();
BEGIN
	IF v_name IS NULL THEN
		RAISE EXCEPTION 'farol.gateway is not set in this session';
	END IF;
	INSERT INTO gateway AS g (name, instance, host, pid, pinned_modems,
	    lease_s, pin_fallback_s)
	VALUES (v_name, p_instance, p_host, p_pid,
	    coalesce(p_pinned, '{}'), p_lease_s, p_pin_fallback_s)
	ON CONFLICT (name) DO UPDATE SET instance = excluded.instance,
	    host = excluded.host, pid = excluded.pid,
	    pinned_modems = excluded.pinned_modems,
	    lease_s = excluded.lease_s,
	    pin_fallback_s = excluded.pin_fallback_s, started_at = now(),
	    heartbeat_at = now(), stopped_at = NULL
	WHERE g.instance = excluded.instance OR p_force OR
	    g.stopped_at IS NOT NULL OR
	    g.heartbeat_at < now() - make_interval(secs => g.lease_s);
	IF FOUND THEN
		registered := true;
		RETURN NEXT;
		RETURN;
	END IF;
	SELECT false, g.host, g.pid,
	    extract(epoch FROM now() - g.heartbeat_at)
	INTO registered, holder_host, holder_pid, heartbeat_age_s
	FROM gateway g WHERE g.name = v_name;
	RETURN NEXT;
END
$$;

-- This instance is alive: its heartbeat, and the leases of the rows it
-- is sending renewed for p_lease_s seconds. Returns false when the name
-- is no longer this instance's (another process took it: this one must
-- stop claiming). Every row it claimed is renewed, also one whose
-- claim's answer was lost: farold queues those again itself
-- (farol_outbox_requeue_lost, db/functions/outbox.sql).
CREATE OR REPLACE FUNCTION farol_gateway_heartbeat(p_instance text,
    p_lease_s int)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
	UPDATE gateway SET heartbeat_at = now(), lease_s = p_lease_s
	WHERE name = farol_gateway_self() AND instance = p_instance
	    AND stopped_at IS NULL;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	UPDATE outbox SET lease_until = now() + make_interval(
	    secs => p_lease_s)
	WHERE state = 'sending' AND claimed_by = farol_gateway_self();
	RETURN true;
END
$$;

-- A clean stop: the name is free at once.
CREATE OR REPLACE FUNCTION farol_gateway_stop(p_instance text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	UPDATE gateway SET stopped_at = now()
	WHERE name = farol_gateway_self() AND instance = p_instance;
END
$$;

-- The janitor's lock: a session advisory lock ("farol" 1), held by one
-- gateway's connection until it closes. When that gateway dies, the
-- server ends its session (at once for a killed process; within the TCP
-- keepalives db/db.c sets when its host died) and the next gateway's
-- run takes the lock. Taken at most once per session (a session lock
-- taken twice would need two unlocks).
CREATE OR REPLACE FUNCTION farol_janitor_hold()
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory'
	    AND l.pid = pg_backend_pid() AND l.classid = 1718579820
	    AND l.objid = 1 AND l.objsubid = 2 AND l.granted) THEN
		RETURN true;
	END IF;
	IF NOT pg_try_advisory_lock(1718579820, 1) THEN
		RETURN false;
	END IF;
	UPDATE janitor SET holder = farol_gateway_self(), since = now();
	RETURN true;
END
$$;

-- One janitor's run, in the gateway holding the janitor's lock only
-- (held false elsewhere, and nothing done): the alerts' planned rungs due
-- within p_horizon_s written into the outbox (farol_alert_plan_write:
-- first, so that the steps below see them), stale rungs expired (when
-- p_stale_s > 0: farol_outbox_expire_stale, the next rung due at once),
-- alerts whose whole ladder passed expired (farol_alert_expire_passed),
-- then the due rungs of an alert that no longer needs them (acknowledged,
-- closed, cancelled, expired) cancelled, also when a dead gateway's
-- lease on them expired, but for the administrators' notice of an
-- expired alert. Other daily jobs run under the same lock through
-- farol_janitor_hold.
CREATE OR REPLACE FUNCTION farol_janitor_run(p_stale_s int,
    p_horizon_s int DEFAULT 60)
RETURNS TABLE (held boolean, stale_expired int, alerts_expired int,
    cancelled int)
LANGUAGE plpgsql
AS $$
BEGIN
	held := farol_janitor_hold();
	stale_expired := 0;
	alerts_expired := 0;
	cancelled := 0;
	IF NOT held THEN
		RETURN NEXT;
		RETURN;
	END IF;
	PERFORM farol_alert_plan_write(p_horizon_s, p_stale_s);
	IF p_stale_s > 0 THEN
		stale_expired := farol_outbox_expire_stale(p_stale_s);
	END IF;
	alerts_expired := farol_alert_expire_passed();
	UPDATE outbox o SET state = 'cancelled', updated_at = now(),
	    error = 'alert ' || a.state
	FROM alert a
	WHERE a.id = o.alert_id
	    AND (o.state = 'queued' OR (o.state = 'sending' AND
		o.lease_until < now()))
	    AND o.purpose IN ('forward', 'escalation')
	    AND a.state IN ('acknowledged', 'closed', 'cancelled', 'expired')
	    AND NOT (a.state = 'expired' AND o.authority_id IS NULL)
	    AND o.not_before <= now();
	GET DIAGNOSTICS cancelled = ROW_COUNT;
	UPDATE janitor SET last_run_at = now();
	RETURN NEXT;
END
$$;

-- Reserve p_n alert numbers for this gateway's outages (db/fwdq.c keeps
-- them on disk), recorded as its own.
CREATE OR REPLACE FUNCTION farol_refs_reserve(p_n int)
RETURNS TABLE (ref bigint)
LANGUAGE plpgsql
AS $$
BEGIN
	RETURN QUERY
	INSERT INTO alert_ref_reserved AS r (ref, gateway)
	SELECT nextval('alert_ref_seq'), farol_gateway_self()
	FROM generate_series(1, p_n)
	RETURNING r.ref;
END
$$;

-- At start-up, of the numbers this gateway's spool holds (p_refs), the
-- ones it may still hand out: reserved for it and not yet used by an
-- alert. A number an alert already carries, or an alias of one
-- (farol_ingest_sent_again; either way its reservation then
-- forgotten) or reserved for another gateway (a spool copied from
-- another machine, or restored from an old backup) is dropped.
CREATE OR REPLACE FUNCTION farol_refs_check(p_refs bigint[])
RETURNS TABLE (ref bigint)
LANGUAGE plpgsql
AS $$
BEGIN
	DELETE FROM alert_ref_reserved r
	WHERE r.gateway = farol_gateway_self()
	    AND (EXISTS (SELECT 1 FROM alert a WHERE a.ref = r.ref) OR
		EXISTS (SELECT 1 FROM alert_ref_alias x WHERE x.ref = r.ref));
	RETURN QUERY
	SELECT r.ref FROM alert_ref_reserved r
	WHERE r.ref = ANY (p_refs) AND r.gateway = farol_gateway_self()
	ORDER BY r.ref;
END
$$;
