-- Schema v14: several gateways on one database (gateway/deployment.md).
-- Each farold has a name (gateway.name) and a row here, kept alive by a
-- heartbeat; the session's farol.gateway setting (set by db/db.c at
-- every connection) names it on every message and alert event it
-- stores; an outbox row it claims carries its name and a lease, which
-- another gateway takes over once it has expired. The alert numbers a
-- gateway reserves for an outage are recorded as its own. The claim's
-- signature changes: the old form is dropped here and db/functions/
-- creates the new one in the same transaction.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE TABLE gateway (
	name		text PRIMARY KEY,
	instance	text NOT NULL,		-- one start of farold
	host		text NOT NULL DEFAULT '',
	pid		int,
	pinned_modems	text[] NOT NULL DEFAULT '{}',
	started_at	timestamptz NOT NULL DEFAULT now(),
	heartbeat_at	timestamptz NOT NULL DEFAULT now(),
	lease_s		int NOT NULL DEFAULT 60,
	pin_fallback_s	int NOT NULL DEFAULT 120,
	stopped_at	timestamptz
);

ALTER TABLE message ADD COLUMN gateway text
    DEFAULT nullif(current_setting('farol.gateway', true), '');
ALTER TABLE alert_event ADD COLUMN gateway text
    DEFAULT nullif(current_setting('farol.gateway', true), '');
ALTER TABLE outbox ADD COLUMN claimed_by text;
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;

-- The rows a dead gateway held: found by the claim without a scan.
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE state = 'sending';

-- Alert numbers reserved for an outage, by gateway (db/fwdq.c keeps the
-- same numbers on disk): a number is handed out by the gateway that
-- reserved it, never by another, and a gateway's copy restored from an
-- old backup is checked against this at every start.
CREATE TABLE alert_ref_reserved (
	ref		bigint PRIMARY KEY,
	gateway		text NOT NULL,
	reserved_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX alert_ref_reserved_gateway ON alert_ref_reserved (gateway);

-- Which gateway holds the janitor (gateway/janitor.c: the session
-- advisory lock decides; this row tells the console and the metrics).
CREATE TABLE janitor (
	id		boolean PRIMARY KEY DEFAULT true CHECK (id),
	holder		text,
	since		timestamptz,
	last_run_at	timestamptz
);

INSERT INTO janitor DEFAULT VALUES;

DROP FUNCTION IF EXISTS farol_outbox_claim(int, int);
