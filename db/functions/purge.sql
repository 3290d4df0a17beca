-- Retention and erasure: free text and phone numbers replaced after their
-- time (observatory.retain_text_days, retain_numbers_days), or at once for
-- one focal point; codes, counts, areas, times and states are kept.
-- Re-applied with CREATE OR REPLACE on every start-up, after the
-- migrations, in their transaction (db/migrate.c); docs: db/retention.md.
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

-- The purge. Text older than p_text_before and numbers older than
-- p_numbers_before (NULL: none) are replaced: texts by '', numbers by ''
-- (an event's actor by farol_phone_label), a parse error by '(purged)',
-- a message's deduplication key (a hash of its sender and text) by
-- 'purged:<id>'; ended flood quarantines (a sender each) are deleted.
-- At most p_limit rows per column (NULL: all), so that one call holds
-- farold's connection briefly: the caller calls again while a count
-- reaches p_limit. p_spool_files: the spool files farold removed
-- (gateway/purge.c), for the record. Returns one row per column with the
-- rows replaced, and records those above 0 in purge_log; with p_dry,
-- counts what would be (all of it, whatever p_limit) and changes and
-- records nothing. Safe to repeat: a replaced value is not counted again.
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
	r		record;
	n		bigint;
BEGIN
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
	-- The rules: what, table, key, the change (NULL: delete), which
	-- rows ($1 the text limit, $2 the numbers limit, $3 the alerts and
	-- $4 the messages at work), and which limit applies. Their strings
	-- quote with two dollar signs (the body is quoted with a tag).
	FOR r IN SELECT * FROM (VALUES
	    (1, 'message.text', 'message', 'id', 'text = $$$$',
		'received_at < $1 AND text <> $$$$ AND NOT id = ANY ($4)', 't'),
	    (2, 'message.sender', 'message', 'id',
		'sender = $$$$, dedupe_key = $$purged:$$ || id',
		'received_at < $2 AND (sender <> $$$$ OR dedupe_key NOT LIKE '
		'$$purged:%$$) AND NOT id = ANY ($4)', 'n'),
	    (3, 'alert.text', 'alert', 'id', 'text = $$$$, error = CASE WHEN '
		'error IS NULL THEN NULL ELSE $$(purged)$$ END',
		'received_at < $1 AND (text <> $$$$ OR error <> $$(purged)$$) '
		'AND NOT id = ANY ($3)', 't'),
	    (4, 'alert.sender', 'alert', 'id', 'sender = $$$$',
		'received_at < $2 AND sender <> $$$$ AND NOT id = ANY ($3)',
		'n'),
	    (5, 'alert_event.note', 'alert_event', 'id', 'note = NULL',
		'at < $1 AND note IS NOT NULL AND NOT EXISTS (SELECT 1 FROM '
		'authority au WHERE au.id = note) AND NOT alert_id = ANY ($3)',
		't'),
	    (6, 'alert_event.actor', 'alert_event', 'id',
		'actor = farol_phone_label(actor)',
		'at < $2 AND actor ~ $r$^[+]?[0-9]{5,}$$r$ '
		'AND NOT alert_id = ANY ($3)',
		'n'),
	    (7, 'outbox.text', 'outbox', 'id', 'text = $$$$',
		'created_at < $1 AND text <> $$$$ AND state NOT IN '
		'($$queued$$, $$sending$$, $$held$$)', 't'),
	    (8, 'outbox.recipient', 'outbox', 'id', 'recipient = $$$$',
		'created_at < $2 AND recipient <> $$$$ AND state NOT IN '
		'($$queued$$, $$sending$$, $$held$$)', 'n'),
	    (9, 'digest_item.recipient', 'digest_item', 'id',
		'recipient = $$$$', 'created_at < $2 AND recipient <> $$$$ '
		'AND done_at IS NOT NULL', 'n'),
	    (10, 'flood_quarantine', 'flood_quarantine', 'sender', NULL,
		'ended_at < $2', 'n')
	    ) AS rule (i, w, tbl, k, change, cond, lim) ORDER BY i
	LOOP
		IF p_dry THEN
			EXECUTE format('SELECT count(*) FROM %I WHERE %s',
			    r.tbl, r.cond) INTO n
			    USING tb, nb, v_alerts, v_messages;
		ELSIF r.change IS NULL THEN
			EXECUTE format('DELETE FROM %I WHERE %I IN (SELECT %I '
			    'FROM %I WHERE %s LIMIT $5)', r.tbl, r.k, r.k,
			    r.tbl, r.cond)
			    USING tb, nb, v_alerts, v_messages, p_limit;
			GET DIAGNOSTICS n = ROW_COUNT;
		ELSE
			EXECUTE format('UPDATE %I SET %s WHERE %I IN (SELECT '
			    '%I FROM %I WHERE %s LIMIT $5)', r.tbl, r.change,
			    r.k, r.k, r.tbl, r.cond)
			    USING tb, nb, v_alerts, v_messages, p_limit;
			GET DIAGNOSTICS n = ROW_COUNT;
		END IF;
		v_what := v_what || r.w;
		v_rows := v_rows || n;
		v_at := v_at || CASE WHEN r.lim = 't' THEN tb ELSE nb END;
	END LOOP;
	v_what := v_what || 'spool files'::text;
	v_rows := v_rows || coalesce(p_spool_files, 0)::bigint;
	v_at := v_at || least(tb, nb);
	IF NOT p_dry THEN
		INSERT INTO purge_log (by, what, before, rows)
		SELECT p_by, x.w, x.a, x.r
		FROM unnest(v_what, v_rows, v_at) AS x(w, r, a)
		WHERE x.r > 0;
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
