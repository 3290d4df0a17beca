-- Schema v2: the registry, alerts and their life cycle, the outbox.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.
-- Its functions were stripped from this file once, at schema v6: they
-- live in db/functions/ (db/database.md, "History").
-- docs: db/database.md. farold calls only the functions of
-- db/functions/; the Observatory reads the view alert_report.

-- The registry, mirrored from the config file by farol_sync_registry().
CREATE TABLE focal_point (
	id		text PRIMARY KEY,
	number		text NOT NULL UNIQUE,
	name		text NOT NULL,
	area		text,
	lang		text NOT NULL DEFAULT 'pt',
	active		boolean NOT NULL DEFAULT true,
	has_pin		boolean NOT NULL DEFAULT false,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE authority (
	id		text PRIMARY KEY,
	name		text NOT NULL,
	areas		text[] NOT NULL DEFAULT '{}',
	lang		text NOT NULL DEFAULT 'pt',
	active		boolean NOT NULL DEFAULT true,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE authority_contact (
	authority_id	text NOT NULL REFERENCES authority(id),
	rung		int NOT NULL CHECK (rung >= 1),
	number		text NOT NULL,
	PRIMARY KEY (authority_id, rung)
);

-- Alerts. ref is the number people type (OK 123); it starts at 100 so
-- that it is never mistaken for a count or a code.
CREATE SEQUENCE alert_ref_seq START 100;

CREATE TABLE alert (
	id		bigserial PRIMARY KEY,
	ref		bigint NOT NULL UNIQUE DEFAULT nextval('alert_ref_seq'),
	message_id	bigint NOT NULL UNIQUE REFERENCES message(id),
	focal_point	text REFERENCES focal_point(id),
	sender		text NOT NULL,
	verified	boolean NOT NULL DEFAULT false,
	area		text,
	forms		text[] NOT NULL DEFAULT '{}',
	urgency		int CHECK (urgency BETWEEN 1 AND 3),
	victims		int,
	females		int,
	males		int,
	minor		boolean NOT NULL DEFAULT false,
	text		text NOT NULL DEFAULT '',
	error		text,
	held_reason	text,
	state		text NOT NULL,
	received_at	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	acknowledged_at	timestamptz,
	acknowledged_by	text REFERENCES authority(id),
	closed_at	timestamptz
);

CREATE INDEX alert_received_at ON alert (received_at);
CREATE INDEX alert_by_state ON alert (state);

-- The life cycle: the legal moves, and nothing else.
CREATE TABLE alert_state (
	state		text PRIMARY KEY,
	final		boolean NOT NULL
);

INSERT INTO alert_state VALUES
	('received', false), ('invalid', true), ('forwarded', false),
	('delivered', false), ('escalated', false), ('acknowledged', false),
	('closed', true), ('cancelled', true), ('expired', true);

ALTER TABLE alert ADD FOREIGN KEY (state) REFERENCES alert_state(state);

CREATE TABLE alert_transition (
	from_state	text NOT NULL REFERENCES alert_state(state),
	to_state	text NOT NULL REFERENCES alert_state(state),
	PRIMARY KEY (from_state, to_state)
);

INSERT INTO alert_transition VALUES
	('received', 'forwarded'), ('received', 'invalid'),
	('received', 'acknowledged'), ('received', 'closed'),
	('received', 'cancelled'), ('received', 'expired'),
	('forwarded', 'delivered'), ('forwarded', 'escalated'),
	('forwarded', 'acknowledged'), ('forwarded', 'closed'),
	('forwarded', 'cancelled'), ('forwarded', 'expired'),
	('delivered', 'escalated'), ('delivered', 'acknowledged'),
	('delivered', 'closed'), ('delivered', 'cancelled'),
	('delivered', 'expired'),
	('escalated', 'delivered'), ('escalated', 'acknowledged'),
	('escalated', 'closed'), ('escalated', 'cancelled'),
	('escalated', 'expired'),
	('acknowledged', 'closed'), ('acknowledged', 'cancelled');

-- Every change of an alert, and its creation (from_state NULL). An event
-- with from_state = to_state is a note without a move (INFO).
CREATE TABLE alert_event (
	id		bigserial PRIMARY KEY,
	alert_id	bigint NOT NULL REFERENCES alert(id),
	at		timestamptz NOT NULL DEFAULT now(),
	from_state	text,
	to_state	text NOT NULL,
	actor		text NOT NULL,
	note		text
);

CREATE INDEX alert_event_alert ON alert_event (alert_id);

-- Every outgoing SMS. A row is queued until due (not_before), claimed
-- ('sending'), then submitted, delivered or failed; rows of a finished
-- alert still queued are cancelled; a stale rung is expired (0003).
CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,
	alert_id	bigint REFERENCES alert(id),
	message_id	bigint REFERENCES message(id),
	recipient	text NOT NULL,
	text		text NOT NULL,
	purpose		text NOT NULL CHECK (purpose IN ('receipt', 'reply',
			    'forward', 'escalation', 'info', 'cancel_notice',
			    'ack_notice', 'admin', 'digest')),
	authority_id	text REFERENCES authority(id),
	rung		int,
	state		text NOT NULL DEFAULT 'queued' CHECK (state IN
			    ('queued', 'sending', 'submitted', 'delivered',
			    'failed', 'expired', 'cancelled')),
	attempts	int NOT NULL DEFAULT 0,
	not_before	timestamptz NOT NULL DEFAULT now(),
	modem		text,
	message_ref	int,
	error		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	submitted_at	timestamptz,
	delivered_at	timestamptz,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outbox_due ON outbox (not_before) WHERE state = 'queued';
CREATE INDEX outbox_alert ON outbox (alert_id);
CREATE INDEX outbox_message_ref ON outbox (modem, message_ref)
    WHERE state = 'submitted';
