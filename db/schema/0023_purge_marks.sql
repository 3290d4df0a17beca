-- Schema v23: the retention purge walks each table's primary key from a
-- watermark instead of reading v15's partial indexes (issue #20: every
-- report paid about twelve entries in them, up to 8% of all CPU during
-- a drain, for a job that runs once a day). db/retention.md, "How the
-- purge finds what to replace"; db/functions/purge.sql.
-- purge_mark: per rule of the purge (a table's column), done_id: every
-- row up to it has nothing left to replace, or is listed in purge_later.
-- purge_later: rows past their limit that the walk passed while they
-- were at work (an SMS still to send): replaced once released.
-- purge_horizon: per table, safe_id: no row up to it can still be
-- uncommitted (a watermark passing an id that a running transaction
-- holds would never come back to it); seen_id, seen_xmax: the table's
-- highest id at an earlier call and the snapshot's xmax then, which
-- become safe once every transaction running then has ended.
-- message_received_brin: the flood counter's seed read the window of
-- recent messages through message_sender_kept (v21); a BRIN index on
-- received_at finds it at a fraction of a B-tree's cost per row.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

-- First: DROP INDEX locks each table (ACCESS EXCLUSIVE) until the
-- migration commits, so no row is written meanwhile, every row is
-- committed, and the first watermarks and horizons below are exact.
DROP INDEX message_text_kept, message_sender_kept, alert_text_kept,
    alert_sender_kept, alert_event_note_kept, alert_event_phone_kept,
    outbox_text_kept, outbox_recipient_kept;

CREATE TABLE purge_mark (
	what		text PRIMARY KEY,	-- the rule: 'message.text', ...
	tbl		text NOT NULL,
	done_id		bigint NOT NULL
);

CREATE TABLE purge_later (
	what		text NOT NULL REFERENCES purge_mark (what),
	id		bigint NOT NULL,
	PRIMARY KEY (what, id)
);

CREATE TABLE purge_horizon (
	tbl		text PRIMARY KEY,
	safe_id		bigint NOT NULL,
	seen_id		bigint NOT NULL,
	seen_xmax	xid8 NOT NULL
);

-- A database upgraded with rows not yet replaced: the first watermark
-- stops before the lowest one (the predicates of the indexes dropped
-- above), so the next purge finds every value still due.
INSERT INTO purge_mark (what, tbl, done_id)
SELECT w, t, coalesce(first_kept, last + 1, 1) - 1
FROM (VALUES
    ('message.text', 'message',
	(SELECT min(id) FROM message WHERE text <> ''),
	(SELECT max(id) FROM message)),
    ('message.sender', 'message',
	(SELECT min(id) FROM message WHERE sender <> ''
	    OR dedupe_key NOT LIKE 'purged:%'),
	(SELECT max(id) FROM message)),
    ('alert.text', 'alert',
	(SELECT min(id) FROM alert WHERE text <> ''
	    OR error <> '(purged)'),
	(SELECT max(id) FROM alert)),
    ('alert.sender', 'alert',
	(SELECT min(id) FROM alert WHERE sender <> ''),
	(SELECT max(id) FROM alert)),
    ('alert_event.note', 'alert_event',
	(SELECT min(id) FROM alert_event WHERE note IS NOT NULL),
	(SELECT max(id) FROM alert_event)),
    ('alert_event.actor', 'alert_event',
	(SELECT min(id) FROM alert_event
	    WHERE actor ~ '^[+]?[0-9]{5,}$'),
	(SELECT max(id) FROM alert_event)),
    ('outbox.text', 'outbox',
	(SELECT min(id) FROM outbox WHERE text <> ''),
	(SELECT max(id) FROM outbox)),
    ('outbox.recipient', 'outbox',
	(SELECT min(id) FROM outbox WHERE recipient <> ''),
	(SELECT max(id) FROM outbox))
    ) AS m (w, t, first_kept, last);

INSERT INTO purge_horizon (tbl, safe_id, seen_id, seen_xmax)
SELECT t, coalesce(last, 0), coalesce(last, 0),
    pg_snapshot_xmax(pg_current_snapshot())
FROM (VALUES
    ('message', (SELECT max(id) FROM message)),
    ('alert', (SELECT max(id) FROM alert)),
    ('alert_event', (SELECT max(id) FROM alert_event)),
    ('outbox', (SELECT max(id) FROM outbox))
    ) AS h (t, last);

CREATE INDEX message_received_brin ON message USING brin (received_at);
