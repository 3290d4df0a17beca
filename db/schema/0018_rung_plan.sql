-- Schema v18: an alert's later escalation rungs are kept as one plan on
-- the alert instead of outbox rows written at ingest (issue #20: the
-- outbox INSERT was the heaviest cost of a report). rung_plan is the
-- array of the rows still to write, as farold decided them (recipient,
-- text with "{ref}", purpose, authority, rung, after_s counted from the
-- alert's created_at, the ingest's now()); rung_plan_next_at is when the
-- first of them is due, NULL when none is left. The janitor writes each
-- row into the outbox once it is due within escalation.rung_horizon
-- (farol_alert_plan_write), so the janitor's run takes the horizon: its
-- old form is dropped here and db/functions/ creates the new one in the
-- same transaction.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

ALTER TABLE alert ADD COLUMN rung_plan jsonb,
    ADD COLUMN rung_plan_next_at timestamptz;
CREATE INDEX alert_rung_plan_due ON alert (rung_plan_next_at)
    WHERE rung_plan_next_at IS NOT NULL;
DROP FUNCTION IF EXISTS farol_janitor_run(int);
