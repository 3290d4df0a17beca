-- Schema v20: the claim walks the due rows in its own order and stops
-- after the rows it may take (farol_outbox_claim, db/functions/
-- outbox.sql), instead of checking and sorting every due row at each
-- call: its cost no longer grows with the backlog (issue 20: 25,000 due
-- rows in a burst of 5,000 reports). One index for each of the claim's
-- two classes, forwards and escalations first, each in the claim's order
-- (not_before, id). Together they hold what outbox_due held (every
-- queued row), so outbox_due goes.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE INDEX outbox_due_rung ON outbox (not_before, id)
    WHERE state = 'queued' AND purpose IN ('forward', 'escalation');
CREATE INDEX outbox_due_other ON outbox (not_before, id)
    WHERE state = 'queued' AND purpose NOT IN ('forward', 'escalation');
DROP INDEX outbox_due;
