-- Schema v1: every inbound message, made durable before it leaves the SIM.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.
-- Its functions were stripped from this file once, at schema v6: they
-- live in db/functions/ (db/database.md, "History").

CREATE TABLE message (
	id		bigserial PRIMARY KEY,
	modem		text NOT NULL,
	sender		text NOT NULL,
	text		text NOT NULL,
	smsc_time	timestamptz,
	received_at	timestamptz NOT NULL DEFAULT now(),
	parts		int NOT NULL DEFAULT 1 CHECK (parts >= 1),
	parts_expected	int NOT NULL DEFAULT 1,	-- > parts: stored incomplete
	concat_ref	int,
	kind		text NOT NULL DEFAULT 'sms'
			CHECK (kind IN ('sms', 'ussd', 'binary', 'status_report')),
	dedupe_key	text NOT NULL UNIQUE
);

CREATE INDEX message_received_at ON message (received_at);
