-- Schema v6: the states, purposes and kinds that C reads (db/lookup.c
-- checks them at start-up) become lookup tables, referenced by foreign
-- keys instead of CHECKs; and the function overloads nothing calls any
-- more are dropped (the functions themselves live in db/functions/).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE TABLE message_kind (
	kind		text PRIMARY KEY
);

INSERT INTO message_kind VALUES
	('sms'), ('ussd'), ('binary'), ('status_report');

ALTER TABLE message DROP CONSTRAINT message_kind_check,
    ADD FOREIGN KEY (kind) REFERENCES message_kind(kind);

CREATE TABLE outbox_state (
	state		text PRIMARY KEY
);

INSERT INTO outbox_state VALUES
	('queued'), ('sending'), ('submitted'), ('delivered'), ('failed'),
	('expired'), ('cancelled');

CREATE TABLE outbox_purpose (
	purpose		text PRIMARY KEY
);

INSERT INTO outbox_purpose VALUES
	('receipt'), ('reply'), ('forward'), ('escalation'), ('info'),
	('cancel_notice'), ('ack_notice'), ('admin'), ('digest');

ALTER TABLE outbox DROP CONSTRAINT outbox_purpose_check,
    DROP CONSTRAINT outbox_state_check,
    ADD FOREIGN KEY (purpose) REFERENCES outbox_purpose(purpose),
    ADD FOREIGN KEY (state) REFERENCES outbox_state(state);

-- v5's claim was two functions; db/functions/outbox.sql has it in one.
DROP FUNCTION IF EXISTS farol_outbox_claim(int);
-- The 8-argument form; farold and the tests call the 9-argument one.
DROP FUNCTION IF EXISTS farol_ingest_message(text, text, text, timestamptz,
    timestamptz, int, int, text);
