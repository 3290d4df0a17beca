-- Schema v24: an alert's second number. A report whose ingest committed
-- while its answer was lost (the primary died between the commit, already
-- on the synchronous standby, and the answer) is spooled by farold and,
-- the database being down, forwarded from the spool under a number
-- reserved for the outage (db/fwdq.c), R'; its alert is stored as R. At
-- replay R' becomes an alias of R (farol_ingest_sent_again): the duty
-- phone answers what it got, and `OK R'`, `FIM R'`, `INFO R' ...` act
-- on alert R (farol_alert_of_ref). A number is an alert's own or an
-- alias, never both: both come from alert_ref_seq, each handed out once.
-- farol_ingest_sent_again takes the reserved number: its three-argument
-- form goes (the function file creates the new one).
-- Docs: db/database.md, "Alert number aliases".
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE TABLE alert_ref_alias (
	ref		bigint PRIMARY KEY,
	alert_id	bigint NOT NULL REFERENCES alert (id),
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX alert_ref_alias_alert ON alert_ref_alias (alert_id);

DROP FUNCTION IF EXISTS farol_ingest_sent_again(bigint, bigint, jsonb);
