-- Schema v21: the outbox rows still to send (queued, sending, held),
-- which the retention purge leaves alone, are found by the indexes the
-- claim and the lease already keep (outbox_due_rung and outbox_due_other:
-- every queued row; outbox_leased: every row being sent) and one on held
-- rows, instead of two indexes of their own (v15) that every outbox row
-- entered when written (issue 20: 8 index entries a report fewer). Held
-- rows are few (an alert held for its PIN or a flood) and the index on
-- them also serves the release and the dismissal (db/functions/held.sql).
-- And message_received_at goes: it served only the flood counter's seed
-- (farol_flood_seed), which the retention index message_sender_kept
-- serves as well (the seed leaves out messages whose number was purged).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE INDEX outbox_held ON outbox (alert_id) WHERE state = 'held';
DROP INDEX outbox_waiting_alert, outbox_waiting_message;
DROP INDEX message_received_at;
