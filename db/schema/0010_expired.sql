-- Schema v10: an alert whose whole ladder passed with no OK moves to
-- expired (farol_outbox_claim, db/functions/outbox.sql). Expired says
-- that nobody answered in time, not that nobody may: a late OK still
-- takes the alert, a late FIM closes it, ANULAR cancels it.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

UPDATE alert_state SET final = false WHERE state = 'expired';

INSERT INTO alert_transition VALUES
	('expired', 'acknowledged'), ('expired', 'closed'),
	('expired', 'cancelled');
