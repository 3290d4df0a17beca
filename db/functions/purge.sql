-- Retention and erasure: free text and phone numbers replaced after their
-- time (observatory.retain_text_days, retain_numbers_days), or at once for
-- one focal point; codes, counts, areas, times and states are kept.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/retention.md.
-- plpgsql, not sql, where a body names a table: its body is checked when
-- it runs, not when made (tests/db/test_db_schema.c applies every
-- function file to a v5 database).

-- Who a phone was, as codes: the authority or focal point it belongs to
-- now, else "phone".
CREATE OR REPLACE FUNCTION farol_phone_label(p text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN coalesce((SELECT 'authority ' || c.authority_id
	    FROM authority_contact c WHERE c.number = p LIMIT 1),
	    (SELECT 'focal point ' || f.id FROM focal_point f
	    WHERE f.number = p), 'phone');
END
$$;

-- An alert still at work: a row of its outbox waits (queued, sending,
-- held), a rung of its plan waits (alert.rung_plan: the rows it will
-- write quote its words and numbers) or it waits for a U3 digest
-- (farol_purge computes the same set
-- at once; a message is at work when its alert is or a reply to it
-- waits). Its text and numbers are kept until
-- it is done, whatever its age: an SMS is never sent empty.
CREATE OR REPLACE FUNCTION farol_alert_live(p_alert bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = p_alert
	    AND o.state IN ('queued', 'sending', 'held'))
	    OR EXISTS (SELECT 1 FROM alert a WHERE a.id = p_alert
	    AND a.rung_plan_next_at IS NOT NULL)
	    OR EXISTS (SELECT 1 FROM digest_item d WHERE d.alert_id = p_alert
	    AND d.done_at IS NULL);
END
$$;

-- The horizon of each table the purge walks (purge_horizon, schema
-- v23): a watermark passes only ids that no running transaction still
-- holds, or a row committed later below it would never be read again.
-- An id is taken (nextval, in the INSERT that writes the row) before any
-- higher one, so every id up to the highest a call saw was taken by a
-- transaction running then or before: once all of those have ended (the
-- oldest running now is past that call's snapshot's xmax), it is safe.
-- Each call makes the last call's highest id safe when it can, then
-- notes its own for the next; while a transaction of the last call's
-- time still runs, the note waits. A note from the future (an xmax
-- past the current one: a database restored from a dump into another
-- cluster, whose transaction ids start again) counts as passed: every
-- row it names came with the dump. Returns the tables whose horizon
-- moved (a walk stopped there may go on at the next call). Called by
-- farol_purge, which holds the purge's locks.
CREATE OR REPLACE FUNCTION farol_purge_horizon()
RETURNS text[]
LANGUAGE plpgsql
AS $$
DECLARE
	v_xmin	xid8 := pg_snapshot_xmin(pg_current_snapshot());
	v_xmax	xid8 := pg_snapshot_xmax(pg_current_snapshot());
	v_moved	text[] := '{}';
	h	record;
	v_last	bigint;
BEGIN
	FOR h IN SELECT * FROM purge_horizon ORDER BY tbl FOR UPDATE
	LOOP
		CONTINUE WHEN v_xmin < h.seen_xmax AND h.seen_xmax <= v_xmax;
		EXECUTE format('SELECT max(id) FROM %I', h.tbl) INTO v_last;
		UPDATE purge_horizon SET safe_id = greatest(safe_id, seen_id),
		    seen_id = coalesce(v_last, seen_id),
		    seen_xmax = pg_snapshot_xmax(pg_current_snapshot())
		WHERE tbl = h.tbl;
		v_moved := v_moved || h.tbl;
	END LOOP;
	RETURN v_moved;
END
$$;

-- One rule of the purge over a table it walks (schema v23;
-- db/retention.md, "How the purge finds what to replace"): p_what the
-- rule (purge_mark, purge_later), p_tbl its table, p_time the column
-- that dates a row, p_kept true while the row holds a value to replace,
-- p_live true while the row is at work (kept whatever its age), p_change
-- the replacement; in these, $3 is the alerts and $4 the messages at
-- work. Rows past p_before, kept and not at work are replaced:
--   - first those purge_later holds, passed while at work and released
--     since;
--   - then the walk: the rows above the watermark in id order, each
--     read once. The watermark follows it while every row passed has
--     nothing left to replace, is replaced now or, at work, goes to
--     purge_later; it stops at the first row not yet due, and at the
--     table's horizon (farol_purge_horizon). The walk goes on past that
--     point, replacing what is due, up to the first row a day younger
--     than p_before (rows written out of order, up to a day late, are
--     not replaced late), or p_limit rows replaced, or p_cap rows read.
-- Returns the rows replaced, and more: the walk stopped at p_cap rows
-- with the watermark still following it, or stopped only by the horizon
-- when it moved in this call (p_moved): call again. With p_dry:
-- counts what is past p_before, kept and not at work above the
-- watermark and in purge_later, and changes nothing.
CREATE OR REPLACE FUNCTION farol_purge_rule(p_what text, p_tbl text,
    p_time text, p_kept text, p_live text, p_change text,
    p_before timestamptz, p_alerts bigint[], p_messages bigint[],
    p_dry boolean, p_limit bigint, p_cap bigint, p_moved boolean,
    OUT rows bigint, OUT more boolean)
LANGUAGE plpgsql
AS $$
DECLARE
	v_mark		bigint;
	v_start		bigint;
	v_safe		bigint;
	v_due		text;
	v_follow	boolean := true;
	v_horizon	boolean := false;	-- v_follow ended there
	v_blank		bigint[];
	v_later		bigint[] := '{}';
	v_done		bigint[];
	v_read		bigint := 0;
	x		record;
BEGIN
	more := false;
	SELECT m.done_id, h.safe_id INTO v_mark, v_safe
	FROM purge_mark m JOIN purge_horizon h ON h.tbl = m.tbl
	WHERE m.what = p_what;
	v_start := v_mark;
	v_due := format('%s < $2 AND coalesce((%s), false) '
	    'AND NOT coalesce((%s), false)', p_time, p_kept, p_live);
	IF p_dry THEN
		EXECUTE format('SELECT (SELECT count(*) FROM %I WHERE id > $1 '
		    'AND %s) + (SELECT count(*) FROM %I WHERE id IN (SELECT '
		    'l.id FROM purge_later l WHERE l.what = $5) AND %s)',
		    p_tbl, v_due, p_tbl, v_due)
		    INTO rows USING v_mark, p_before, p_alerts, p_messages,
		    p_what;
		RETURN;
	END IF;
	EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM (SELECT '
	    'id FROM %I WHERE id IN (SELECT l.id FROM purge_later l WHERE '
	    'l.what = $5) AND %s ORDER BY id LIMIT $6) c', p_tbl, v_due)
	    INTO v_blank USING v_mark, p_before, p_alerts, p_messages,
	    p_what, p_limit;
	FOR x IN EXECUTE format('SELECT id, %s < $2 AS due, %s >= $2 + '
	    'interval ''1 day'' AS ahead, coalesce((%s), false) AS kept, '
	    'coalesce((%s), false) AS live FROM %I WHERE id > $1 ORDER BY id',
	    p_time, p_time, p_kept, p_live, p_tbl)
	    USING v_mark, p_before, p_alerts, p_messages
	LOOP
		v_read := v_read + 1;
		IF v_follow AND x.id > v_safe THEN
			v_follow := false;
			v_horizon := true;
		END IF;
		IF NOT x.kept THEN
			NULL;
		ELSIF x.ahead THEN
			EXIT;
		ELSIF NOT x.due THEN
			v_follow := false;
		ELSIF x.live THEN
			IF v_follow THEN
				v_later := v_later || x.id;
			END IF;
		ELSIF cardinality(v_blank) >= p_limit THEN
			EXIT;
		ELSE
			v_blank := v_blank || x.id;
		END IF;
		IF v_follow THEN
			v_mark := x.id;
		END IF;
		IF v_read >= p_cap THEN
			more := v_follow OR (v_horizon AND p_moved);
			EXIT;
		END IF;
	END LOOP;
	-- The same test again as the rows are written: a row changed
	-- meanwhile (taken back to send, or erased) is left, and goes to
	-- purge_later if the watermark passed it.
	EXECUTE format('WITH u AS (UPDATE %I SET %s WHERE id = ANY ($1) AND '
	    '%s RETURNING id) SELECT coalesce(array_agg(id), ''{}'') FROM u',
	    p_tbl, p_change, v_due)
	    INTO v_done USING v_blank, p_before, p_alerts, p_messages;
	rows := cardinality(v_done);
	INSERT INTO purge_later (what, id)
	SELECT p_what, i FROM unnest(v_later || v_blank) i
	WHERE i > v_start AND i <= v_mark AND NOT i = ANY (v_done)
	ON CONFLICT DO NOTHING;
	-- Done with: replaced, or nothing left to replace (erased).
	EXECUTE format('DELETE FROM purge_later l WHERE l.what = $1 AND '
	    '(l.id = ANY ($2) OR NOT EXISTS (SELECT FROM %I t WHERE t.id = '
	    'l.id AND coalesce((%s), false)))', p_tbl, p_kept)
	    USING p_what, v_done;
	IF v_mark > v_start THEN
		UPDATE purge_mark SET done_id = v_mark WHERE what = p_what;
	END IF;
END
$$;

-- The purge. Text older than p_text_before and numbers older than
-- p_numbers_before (NULL: none) are replaced: texts by '', numbers by ''
-- (an event's actor by farol_phone_label), a parse error by '(purged)',
-- a message's deduplication key (a hash of its sender and text) by
-- 'purged:<id>'; ended flood quarantines (a sender each) are deleted.
-- At most p_limit rows per column (NULL: all), so that one call holds
-- farold's connection briefly: the caller calls again while a count
-- reaches p_limit, or while a row ('more', 1) says a walk was cut short
-- (farol_purge_rule). p_spool_files: the spool files farold removed
-- (gateway/purge.c), for the record. Returns one row per column with the
-- rows replaced, and records those above 0 in purge_log; with p_dry,
-- counts what would be (all of it, whatever p_limit) and changes and
-- records nothing. Safe to repeat: a replaced value is not counted again,
-- and two purges at once take turns (the locks of purge_mark's rows).
CREATE OR REPLACE FUNCTION farol_purge(p_text_before timestamptz,
    p_numbers_before timestamptz, p_by text, p_dry boolean,
    p_spool_files int, p_limit int)
RETURNS TABLE (what text, rows bigint)
LANGUAGE plpgsql
AS $purge$
#variable_conflict use_column
DECLARE
	tb		timestamptz := coalesce(p_text_before, '-infinity');
	nb		timestamptz := coalesce(p_numbers_before, '-infinity');
	v_alerts	bigint[];	-- at work (farol_alert_live), few
	v_messages	bigint[];	-- at work: their alert, or a reply
	v_what		text[] := '{}';
	v_rows		bigint[] := '{}';
	v_at		timestamptz[] := '{}';
	v_more		boolean := false;
	v_moved		text[] := '{}';	-- farol_purge_horizon
	-- Rows a walk reads per call: with p_limit rows to replace, a
	-- call holds the connection for about as long as before.
	v_cap		bigint := CASE WHEN p_limit IS NOT NULL THEN
			    greatest(20 * p_limit, 5000) END;
	r		record;
	n		bigint;
	m		boolean;
BEGIN
	IF NOT p_dry THEN
		PERFORM 1 FROM purge_mark ORDER BY what FOR UPDATE;
		v_moved := farol_purge_horizon();
	END IF;
	-- Once, not per row: a test per row would scan the outbox, which
	-- has no index on message_id, for every message. The rows still
	-- to send (queued, sending, held) in one pass, each of the four
	-- conditions that of a partial index (outbox_due_rung, _due_other,
	-- outbox_leased, outbox_held: schema v21), so that the planner
	-- reads those indexes and not the whole outbox.
	SELECT coalesce(array_agg(DISTINCT o.alert_id) FILTER (
		WHERE o.alert_id IS NOT NULL), '{}'),
	    coalesce(array_agg(DISTINCT o.message_id) FILTER (
		WHERE o.message_id IS NOT NULL), '{}')
	INTO v_alerts, v_messages
	FROM outbox o
	WHERE (o.state = 'queued' AND o.purpose IN ('forward', 'escalation'))
	    OR (o.state = 'queued' AND o.purpose NOT IN ('forward',
		'escalation'))
	    OR o.state = 'sending' OR o.state = 'held';
	SELECT coalesce(array_agg(DISTINCT x), '{}') INTO v_alerts FROM (
	    SELECT unnest(v_alerts) AS x
	    UNION SELECT a.id FROM alert a WHERE a.rung_plan_next_at IS NOT NULL
	    UNION SELECT d.alert_id FROM digest_item d
	    WHERE d.done_at IS NULL) live;
	SELECT coalesce(array_agg(DISTINCT x), '{}') INTO v_messages FROM (
	    SELECT a.message_id AS x FROM alert a WHERE a.id = ANY (v_alerts)
	    UNION SELECT unnest(v_messages)) live;
	-- The rules the walk serves (farol_purge_rule): what, table, the
	-- column that dates a row, which rows hold a value to replace,
	-- which are at work ($3 the alerts, $4 the messages at work), the
	-- change, and which limit applies. Their strings quote with two
	-- dollar signs (the body is quoted with a tag).
	FOR r IN SELECT * FROM (VALUES
	    (1, 'message.text', 'message', 'received_at', 'text <> $$$$',
		'id IN (SELECT unnest($4))', 'text = $$$$', 't'),
	    (2, 'message.sender', 'message', 'received_at',
		'sender <> $$$$ OR dedupe_key NOT LIKE $$purged:%$$',
		'id IN (SELECT unnest($4))',
		'sender = $$$$, dedupe_key = $$purged:$$ || id', 'n'),
	    (3, 'alert.text', 'alert', 'received_at',
		'text <> $$$$ OR error <> $$(purged)$$',
		'id IN (SELECT unnest($3))', 'text = $$$$, error = CASE WHEN '
		'error IS NULL THEN NULL ELSE $$(purged)$$ END', 't'),
	    (4, 'alert.sender', 'alert', 'received_at', 'sender <> $$$$',
		'id IN (SELECT unnest($3))', 'sender = $$$$', 'n'),
	    (5, 'alert_event.note', 'alert_event', 'at',
		'note IS NOT NULL AND NOT EXISTS (SELECT 1 FROM authority au '
		'WHERE au.id = note)', 'alert_id IN (SELECT unnest($3))',
		'note = NULL', 't'),
	    (6, 'alert_event.actor', 'alert_event', 'at',
		'actor ~ $r$^[+]?[0-9]{5,}$$r$',
		'alert_id IN (SELECT unnest($3))',
		'actor = farol_phone_label(actor)', 'n'),
	    (7, 'outbox.text', 'outbox', 'created_at', 'text <> $$$$',
		'state IN ($$queued$$, $$sending$$, $$held$$)', 'text = $$$$',
		't'),
	    (8, 'outbox.recipient', 'outbox', 'created_at',
		'recipient <> $$$$',
		'state IN ($$queued$$, $$sending$$, $$held$$)',
		'recipient = $$$$', 'n')
	    ) AS rule (i, w, tbl, t, kept, live, change, lim) ORDER BY i
	LOOP
		SELECT x.rows, x.more INTO n, m FROM farol_purge_rule(r.w,
		    r.tbl, r.t, r.kept, r.live, r.change,
		    CASE WHEN r.lim = 't' THEN tb ELSE nb END, v_alerts,
		    v_messages, p_dry, p_limit, v_cap, r.tbl = ANY (v_moved))
		    AS x;
		v_more := v_more OR m;
		v_what := v_what || r.w;
		v_rows := v_rows || n;
		v_at := v_at || CASE WHEN r.lim = 't' THEN tb ELSE nb END;
	END LOOP;
	-- Tables without a watermark: digest_item (a U3 alert's few rows)
	-- and flood_quarantine (a row per sender), read whole.
	IF p_dry THEN
		SELECT count(*) INTO n FROM digest_item WHERE created_at < nb
		    AND recipient <> '' AND done_at IS NOT NULL;
	ELSE
		UPDATE digest_item SET recipient = '' WHERE id IN (SELECT id
		    FROM digest_item WHERE created_at < nb AND recipient <> ''
		    AND done_at IS NOT NULL LIMIT p_limit);
		GET DIAGNOSTICS n = ROW_COUNT;
	END IF;
	v_what := v_what || 'digest_item.recipient'::text;
	v_rows := v_rows || n;
	v_at := v_at || nb;
	IF p_dry THEN
		SELECT count(*) INTO n FROM flood_quarantine
		WHERE ended_at < nb;
	ELSE
		DELETE FROM flood_quarantine WHERE sender IN (SELECT sender
		    FROM flood_quarantine WHERE ended_at < nb LIMIT p_limit);
		GET DIAGNOSTICS n = ROW_COUNT;
	END IF;
	v_what := v_what || 'flood_quarantine'::text;
	v_rows := v_rows || n;
	v_at := v_at || nb;
	v_what := v_what || 'spool files'::text;
	v_rows := v_rows || coalesce(p_spool_files, 0)::bigint;
	v_at := v_at || least(tb, nb);
	IF NOT p_dry THEN
		INSERT INTO purge_log (by, what, before, rows)
		SELECT p_by, x.w, x.a, x.r
		FROM unnest(v_what, v_rows, v_at) AS x(w, r, a)
		WHERE x.r > 0;
	END IF;
	IF v_more AND NOT p_dry THEN
		v_what := v_what || 'more'::text;
		v_rows := v_rows || 1::bigint;
	END IF;
	RETURN QUERY SELECT x.w, x.r FROM unnest(v_what, v_rows) AS x(w, r);
END
$purge$;

-- Erase focal point p_id: its number and name leave focal_point (and
-- farol_sync_registry never writes them back), and every copy of its
-- number and the free text of its reports leave message, alert,
-- alert_event and outbox, whatever their age; its alerts stay, as codes
-- (area, forms, counts, states, times, and the focal point's id).
-- Recorded in purge_log. Returns one row per table with the rows
-- replaced; none when p_id is unknown; one row ('at work', n) and no
-- change while n of its alerts, or SMS to it, still wait to be sent (a
-- forward quotes its number and words: close or dismiss them first).
CREATE OR REPLACE FUNCTION farol_erase_focal_point(p_id text, p_by text)
RETURNS TABLE (what text, rows bigint)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
	v_number	text;
	v_what		text[] := '{focal_point}';
	v_rows		bigint[] := '{1}';
	n		bigint;
	n2		bigint;
BEGIN
	SELECT f.number INTO v_number FROM focal_point f WHERE f.id = p_id
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT count(*) INTO n FROM alert a
	WHERE (a.focal_point = p_id OR a.sender = v_number)
	    AND farol_alert_live(a.id);
	SELECT n + count(*) INTO n FROM outbox o WHERE o.recipient = v_number
	    AND o.state IN ('queued', 'sending', 'held');
	-- A rung to it an alert still plans (a focal point on a ladder).
	SELECT n + count(*) INTO n FROM alert a, farol_alert_plan_rows(
	    a.rung_plan) AS p
	WHERE a.rung_plan_next_at IS NOT NULL AND p.recipient = v_number;
	IF n > 0 THEN
		what := 'at work';
		rows := n;
		RETURN NEXT;
		RETURN;
	END IF;
	UPDATE focal_point SET number = 'erased:' || id, name = '',
	    active = false, erased_at = coalesce(erased_at, now()),
	    updated_at = now() WHERE id = p_id;
	UPDATE message m SET sender = '', text = '',
	    dedupe_key = 'purged:' || m.id
	WHERE (m.sender = v_number OR m.id IN (SELECT a.message_id
	    FROM alert a WHERE a.focal_point = p_id))
	    AND (m.sender <> '' OR m.text <> '');
	GET DIAGNOSTICS n = ROW_COUNT;
	v_what := v_what || 'message'::text;
	v_rows := v_rows || n;
	UPDATE alert a SET sender = '', text = '', error = CASE WHEN
	    a.error IS NULL THEN NULL ELSE '(purged)' END
	WHERE (a.focal_point = p_id OR a.sender = v_number)
	    AND (a.sender <> '' OR a.text <> '' OR a.error <> '(purged)');
	GET DIAGNOSTICS n = ROW_COUNT;
	v_what := v_what || 'alert'::text;
	v_rows := v_rows || n;
	UPDATE alert_event e SET actor = 'focal point ' || p_id, note = NULL
	WHERE e.actor = v_number;
	GET DIAGNOSTICS n = ROW_COUNT;
	v_what := v_what || 'alert_event'::text;
	v_rows := v_rows || n;
	UPDATE outbox o SET recipient = '', text = ''
	WHERE o.recipient = v_number;
	GET DIAGNOSTICS n = ROW_COUNT;
	-- The forwards of its reports quote their text: gone once sent.
	UPDATE outbox o SET text = '' WHERE o.text <> ''
	    AND o.alert_id IN (SELECT a.id FROM alert a
	    WHERE a.focal_point = p_id);
	GET DIAGNOSTICS n2 = ROW_COUNT;
	v_what := v_what || 'outbox'::text;
	v_rows := v_rows || (n + n2);
	DELETE FROM flood_quarantine q WHERE q.sender = v_number;
	INSERT INTO purge_log (by, what, before, rows)
	SELECT p_by, 'focal point ' || p_id || ': ' || x.w, NULL, x.r
	FROM unnest(v_what, v_rows) AS x(w, r);
	RETURN QUERY SELECT x.w, x.r FROM unnest(v_what, v_rows) AS x(w, r);
END
$$;
