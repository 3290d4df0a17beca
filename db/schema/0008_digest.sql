-- Schema v8: the U3 digest. A U3 alert is an item of each of its
-- authorities' next digest, not an outbox row of its own: at
-- escalation.u3.digest_at one digest per duty phone lists the period's
-- items (db/functions/digest.sql, gateway/digest.c).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE TABLE digest_item (
	id		bigserial PRIMARY KEY,
	alert_id	bigint NOT NULL REFERENCES alert(id),
	authority_id	text REFERENCES authority(id),
	recipient	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	done_at		timestamptz,	-- listed in a digest, or left out
	outcome		text CHECK (outcome IN ('listed', 'left'))
);

CREATE INDEX digest_item_pending ON digest_item (created_at)
    WHERE done_at IS NULL;
CREATE INDEX digest_item_alert ON digest_item (alert_id);
