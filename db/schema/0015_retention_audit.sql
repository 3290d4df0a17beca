-- Schema v15: retention, erasure and the audit of reads (issue 21,
-- items 4 and 5; db/retention.md).
-- purge_log: what each purge replaced (farol_purge, farol_erase_focal_point
-- in db/functions/purge.sql): one row per run and column kind, counts
-- only. access_audit: who read an alert's free text or numbers, when and
-- why (db/functions/audit.sql); append-only: UPDATE, DELETE and TRUNCATE
-- are revoked and refused by triggers, even for the owner.
-- focal_point.erased_at: an erased focal point keeps its id (its alerts
-- refer to it) but no number and no name, and the registry's mirror
-- (farol_sync_registry) never writes them back.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE TABLE purge_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	by		text NOT NULL,	-- 'janitor', or the console's user
	what		text NOT NULL,	-- 'message.text', 'focal_point fp-1'...
	before		timestamptz,	-- the limit applied; NULL: erasure
	rows		bigint NOT NULL
);

CREATE INDEX purge_log_at ON purge_log (at);

CREATE TABLE access_audit (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	who		text NOT NULL,	-- "unix:<name>", "http:<address>"
	channel		text NOT NULL CHECK (channel IN ('console', 'http')),
	alert_ref	bigint NOT NULL,	-- no foreign key: outlives alerts
	what		text NOT NULL,	-- the columns read
	reason		text NOT NULL CHECK (btrim(reason) <> '')
);

CREATE INDEX access_audit_at ON access_audit (at);

CREATE FUNCTION farol_audit_refuse() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	RAISE EXCEPTION 'access_audit is append-only: % refused', TG_OP
	    USING ERRCODE = 'FA021';
END
$$;

CREATE TRIGGER access_audit_append_only
BEFORE UPDATE OR DELETE ON access_audit
FOR EACH ROW EXECUTE FUNCTION farol_audit_refuse();

CREATE TRIGGER access_audit_no_truncate
BEFORE TRUNCATE ON access_audit
FOR EACH STATEMENT EXECUTE FUNCTION farol_audit_refuse();

REVOKE UPDATE, DELETE, TRUNCATE ON access_audit FROM PUBLIC;

ALTER TABLE focal_point ADD COLUMN erased_at timestamptz;

-- The purge's rules (db/functions/purge.sql) look only at values not yet
-- replaced: with these, a daily purge reads the day's rows, and the
-- first purge of a database kept for years goes in batches that do not
-- read again what the batches before replaced.
CREATE INDEX message_text_kept ON message (received_at) WHERE text <> '';
CREATE INDEX message_sender_kept ON message (received_at)
    WHERE sender <> '' OR dedupe_key NOT LIKE 'purged:%';
CREATE INDEX alert_text_kept ON alert (received_at)
    WHERE text <> '' OR error <> '(purged)';
CREATE INDEX alert_sender_kept ON alert (received_at) WHERE sender <> '';
CREATE INDEX alert_event_note_kept ON alert_event (at)
    WHERE note IS NOT NULL;
CREATE INDEX alert_event_phone_kept ON alert_event (at)
    WHERE actor ~ '^[+]?[0-9]{5,}$';
CREATE INDEX outbox_text_kept ON outbox (created_at) WHERE text <> '';
CREATE INDEX outbox_recipient_kept ON outbox (created_at)
    WHERE recipient <> '';
-- The rows still to send, by alert and by message: the alerts and
-- messages at work, which the purge leaves alone.
CREATE INDEX outbox_waiting_alert ON outbox (alert_id)
    WHERE state IN ('queued', 'sending', 'held');
CREATE INDEX outbox_waiting_message ON outbox (message_id)
    WHERE state IN ('queued', 'sending', 'held');
