-- Schema v22: the six foreign keys a report's rows pass through
-- (alert.message_id, alert.focal_point, alert_event.alert_id,
-- outbox.alert_id, outbox.message_id, outbox.authority_id) are guarded by
-- triggers that check a whole statement at once instead of one query per
-- row (issue #20: fourteen per report, a tenth of the database's CPU).
-- They guard what the foreign keys guarded, with the same SQLSTATE
-- (foreign_key_violation, 23503), the constraint's name and RI's words:
-- - a child row written (INSERT: one query per statement, with its
--   transition table; UPDATE of the column: per row, only when it
--   changes) whose key no parent row has is refused; the parents found
--   are locked FOR KEY SHARE, as RI locks them, so that a concurrent
--   DELETE of one waits for this transaction, then finds the child;
-- - a parent row deleted (per statement), or its key changed (per row),
--   while a child row still refers to a key no parent row has any more,
--   is refused (NO ACTION, checked at the end of the statement);
-- - TRUNCATE of a parent is refused while a child row refers to it, as
--   RI refuses it (feature_not_supported); TRUNCATE of both at once
--   passes, and so does TRUNCATE of a parent whose children are empty
--   (RI refuses that too); TRUNCATE ... CASCADE no longer reaches the
--   child: it is refused instead.
-- Outside READ COMMITTED (REPEATABLE READ, SERIALIZABLE) a parent's
-- DELETE, key change or TRUNCATE is refused outright
-- (feature_not_supported): RI checks the children with a fresh snapshot
-- there, which a trigger cannot, and a child committed since the
-- snapshot would be missed. farol never deletes these parents.
-- The other foreign keys (alert.acknowledged_by, digest_item,
-- authority_contact, alert_transition) are written rarely and stay.
-- Docs: db/database.md, "Foreign key guards".
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

-- Raise RI's error: a child's key (p_key, text) with no parent, or a
-- parent's key still referenced.
CREATE FUNCTION farol_fk_refuse(p_constraint text, p_child text,
    p_column text, p_parent text, p_parent_column text, p_key text,
    p_still_referenced boolean)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	IF p_still_referenced THEN
		RAISE EXCEPTION 'update or delete on table "%" violates '
		    'foreign key constraint "%" on table "%"', p_parent,
		    p_constraint, p_child
		USING ERRCODE = 'foreign_key_violation',
		    DETAIL = format('Key (%s)=(%s) is still referenced from '
			'table "%s".', p_parent_column, p_key, p_child),
		    CONSTRAINT = p_constraint, TABLE = p_child;
	END IF;
	RAISE EXCEPTION 'insert or update on table "%" violates foreign key '
	    'constraint "%"', p_child, p_constraint
	USING ERRCODE = 'foreign_key_violation',
	    DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
		p_column, p_key, p_parent),
	    CONSTRAINT = p_constraint, TABLE = p_child;
END
$$;

-- The child side of an INSERT, one function per child table so that its
-- queries are planned once per connection (plpgsql caches them), with
-- the statement's new rows (farol_new). A few rows (one report's): one
-- pass over them, each key looked up and its parent locked FOR KEY
-- SHARE as RI does; done when every parent is there. Many rows (a
-- batch's), or a key missing: each distinct key once, its parent locked
-- FOR KEY SHARE; the first key without a parent is refused. (The first
-- way costs less below 16 rows, the second above: no hash table to make,
-- but no key looked up twice.)
CREATE FUNCTION farol_fk_alert_insert()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_fk	text;
	v_key	text;
BEGIN
	IF (SELECT count(*) < 16 FROM farol_new) AND NOT EXISTS (SELECT
	    FROM farol_new n
	    WHERE (n.message_id IS NOT NULL AND NOT EXISTS (SELECT
		FROM message p WHERE p.id = n.message_id FOR KEY SHARE))
	    OR (n.focal_point IS NOT NULL AND NOT EXISTS (SELECT FROM
		focal_point p WHERE p.id = n.focal_point FOR KEY SHARE))) THEN
		RETURN NULL;
	END IF;
	SELECT k.fk, k.key INTO v_fk, v_key FROM (
	    SELECT 'message_id' AS fk, n.message_id::text AS key
	    FROM (SELECT DISTINCT message_id FROM farol_new
		WHERE message_id IS NOT NULL) n
	    WHERE NOT EXISTS (SELECT FROM message p WHERE p.id = n.message_id
		FOR KEY SHARE)
	    UNION ALL
	    SELECT 'focal_point', n.focal_point
	    FROM (SELECT DISTINCT focal_point FROM farol_new
		WHERE focal_point IS NOT NULL) n
	    WHERE NOT EXISTS (SELECT FROM focal_point p
		WHERE p.id = n.focal_point FOR KEY SHARE)) k
	LIMIT 1;
	IF v_fk = 'message_id' THEN
		PERFORM farol_fk_refuse('alert_message_id_fkey', 'alert',
		    'message_id', 'message', 'id', v_key, false);
	ELSIF v_fk = 'focal_point' THEN
		PERFORM farol_fk_refuse('alert_focal_point_fkey', 'alert',
		    'focal_point', 'focal_point', 'id', v_key, false);
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION farol_fk_alert_event_insert()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_key	text;
BEGIN
	IF (SELECT count(*) < 16 FROM farol_new) AND NOT EXISTS (SELECT
	    FROM farol_new n
	    WHERE n.alert_id IS NOT NULL AND NOT EXISTS (SELECT FROM alert p
		WHERE p.id = n.alert_id FOR KEY SHARE)) THEN
		RETURN NULL;
	END IF;
	SELECT n.alert_id::text INTO v_key
	FROM (SELECT DISTINCT alert_id FROM farol_new
	    WHERE alert_id IS NOT NULL) n
	WHERE NOT EXISTS (SELECT FROM alert p WHERE p.id = n.alert_id
	    FOR KEY SHARE)
	LIMIT 1;
	IF FOUND THEN
		PERFORM farol_fk_refuse('alert_event_alert_id_fkey',
		    'alert_event', 'alert_id', 'alert', 'id', v_key, false);
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION farol_fk_outbox_insert()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_fk	text;
	v_key	text;
BEGIN
	IF (SELECT count(*) < 16 FROM farol_new) AND NOT EXISTS (SELECT
	    FROM farol_new n
	    WHERE (n.alert_id IS NOT NULL AND NOT EXISTS (SELECT FROM alert p
		WHERE p.id = n.alert_id FOR KEY SHARE))
	    OR (n.message_id IS NOT NULL AND NOT EXISTS (SELECT
		FROM message p WHERE p.id = n.message_id FOR KEY SHARE))
	    OR (n.authority_id IS NOT NULL AND NOT EXISTS (SELECT FROM
		authority p WHERE p.id = n.authority_id FOR KEY SHARE))) THEN
		RETURN NULL;
	END IF;
	SELECT k.fk, k.key INTO v_fk, v_key FROM (
	    SELECT 'alert_id' AS fk, n.alert_id::text AS key
	    FROM (SELECT DISTINCT alert_id FROM farol_new
		WHERE alert_id IS NOT NULL) n
	    WHERE NOT EXISTS (SELECT FROM alert p WHERE p.id = n.alert_id
		FOR KEY SHARE)
	    UNION ALL
	    SELECT 'message_id', n.message_id::text
	    FROM (SELECT DISTINCT message_id FROM farol_new
		WHERE message_id IS NOT NULL) n
	    WHERE NOT EXISTS (SELECT FROM message p WHERE p.id = n.message_id
		FOR KEY SHARE)
	    UNION ALL
	    SELECT 'authority_id', n.authority_id
	    FROM (SELECT DISTINCT authority_id FROM farol_new
		WHERE authority_id IS NOT NULL) n
	    WHERE NOT EXISTS (SELECT FROM authority p
		WHERE p.id = n.authority_id FOR KEY SHARE)) k
	LIMIT 1;
	IF v_fk = 'alert_id' THEN
		PERFORM farol_fk_refuse('outbox_alert_id_fkey', 'outbox',
		    'alert_id', 'alert', 'id', v_key, false);
	ELSIF v_fk = 'message_id' THEN
		PERFORM farol_fk_refuse('outbox_message_id_fkey', 'outbox',
		    'message_id', 'message', 'id', v_key, false);
	ELSIF v_fk = 'authority_id' THEN
		PERFORM farol_fk_refuse('outbox_authority_id_fkey', 'outbox',
		    'authority_id', 'authority', 'id', v_key, false);
	END IF;
	RETURN NULL;
END
$$;

-- The child side of an UPDATE that changes the column (rare: never at
-- run time), per row. TG_ARGV: the column, the parent, its key, the
-- constraint. The trigger's WHEN passes only a changed, non-NULL key.
CREATE FUNCTION farol_fk_child_update()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_found	boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT FROM %I p WHERE p.%I = '
	    '($1::%I).%I FOR KEY SHARE)', TG_ARGV[1], TG_ARGV[2],
	    TG_TABLE_NAME, TG_ARGV[0]) INTO v_found USING NEW;
	IF NOT v_found THEN
		PERFORM farol_fk_refuse(TG_ARGV[3], TG_TABLE_NAME, TG_ARGV[0],
		    TG_ARGV[1], TG_ARGV[2], to_jsonb(NEW)->>TG_ARGV[0], false);
	END IF;
	RETURN NULL;
END
$$;

-- The parent side: a key no parent row has any more (deleted, changed)
-- that a child row still names (for TRUNCATE, any child row), found at
-- the end of the statement (NO ACTION); the child rows are locked FOR
-- KEY SHARE as RI locks them, so that a concurrent change of their key
-- is waited for.
-- TG_ARGV: the parent's key, the child, its column, the constraint.
-- DELETE per statement (farol_old, its transition table), UPDATE of the
-- key per row, TRUNCATE per statement.
CREATE FUNCTION farol_fk_parent_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_key	text;
BEGIN
	IF current_setting('transaction_isolation') NOT IN
	    ('read committed', 'read uncommitted') THEN
		RAISE EXCEPTION '% on table "%" needs READ COMMITTED',
		    TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'feature_not_supported',
		    DETAIL = format('Foreign key "%s" is guarded by a trigger, '
			'which cannot see the rows of "%s" committed since '
			'this transaction began.', TG_ARGV[3], TG_ARGV[1]),
		    HINT = 'Use READ COMMITTED.';
	END IF;
	IF TG_OP = 'TRUNCATE' THEN
		EXECUTE format('SELECT c.%I::text FROM %I c WHERE c.%I IS NOT '
		    'NULL LIMIT 1', TG_ARGV[2], TG_ARGV[1], TG_ARGV[2])
		INTO v_key;
		IF v_key IS NOT NULL THEN
			RAISE EXCEPTION 'cannot truncate a table referenced in '
			    'a foreign key constraint'
			USING ERRCODE = 'feature_not_supported',
			    DETAIL = format('Table "%s" references "%s".',
				TG_ARGV[1], TG_TABLE_NAME),
			    HINT = format('Truncate table "%s" at the same '
				'time.', TG_ARGV[1]);
		END IF;
		RETURN NULL;
	ELSIF TG_OP = 'DELETE' THEN
		EXECUTE format('SELECT o.%I::text FROM (SELECT DISTINCT %I '
		    'FROM farol_old) o WHERE NOT EXISTS (SELECT FROM %I p '
		    'WHERE p.%I = o.%I) AND EXISTS (SELECT FROM %I c '
		    'WHERE c.%I = o.%I FOR KEY SHARE) LIMIT 1', TG_ARGV[0],
		    TG_ARGV[0], TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0],
		    TG_ARGV[1], TG_ARGV[2], TG_ARGV[0])
		INTO v_key;
	ELSE
		EXECUTE format('SELECT ($1::%I).%I::text WHERE NOT EXISTS '
		    '(SELECT FROM %I p WHERE p.%I = ($1::%I).%I) AND EXISTS '
		    '(SELECT FROM %I c WHERE c.%I = ($1::%I).%I '
		    'FOR KEY SHARE)', TG_TABLE_NAME, TG_ARGV[0],
		    TG_TABLE_NAME, TG_ARGV[0], TG_TABLE_NAME, TG_ARGV[0],
		    TG_ARGV[1], TG_ARGV[2], TG_TABLE_NAME, TG_ARGV[0])
		INTO v_key USING OLD;
	END IF;
	IF v_key IS NOT NULL THEN
		PERFORM farol_fk_refuse(TG_ARGV[3], TG_ARGV[1], TG_ARGV[2],
		    TG_TABLE_NAME, TG_ARGV[0], v_key, true);
	END IF;
	RETURN NULL;
END
$$;

ALTER TABLE alert DROP CONSTRAINT alert_message_id_fkey,
    DROP CONSTRAINT alert_focal_point_fkey;
ALTER TABLE alert_event DROP CONSTRAINT alert_event_alert_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_alert_id_fkey,
    DROP CONSTRAINT outbox_message_id_fkey,
    DROP CONSTRAINT outbox_authority_id_fkey;

-- The children, on INSERT.
CREATE TRIGGER alert_fkeys_insert AFTER INSERT ON alert
REFERENCING NEW TABLE AS farol_new
FOR EACH STATEMENT EXECUTE FUNCTION farol_fk_alert_insert();
CREATE TRIGGER alert_event_fkeys_insert AFTER INSERT ON alert_event
REFERENCING NEW TABLE AS farol_new
FOR EACH STATEMENT EXECUTE FUNCTION farol_fk_alert_event_insert();
CREATE TRIGGER outbox_fkeys_insert AFTER INSERT ON outbox
REFERENCING NEW TABLE AS farol_new
FOR EACH STATEMENT EXECUTE FUNCTION farol_fk_outbox_insert();

-- Each foreign key: the child on UPDATE of its column, the parent on
-- DELETE, UPDATE of its key and TRUNCATE.
CREATE FUNCTION farol_fk_guard_make(p_child text, p_column text,
    p_parent text, p_constraint text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	EXECUTE format('CREATE TRIGGER %I AFTER UPDATE OF %I ON %I '
	    'FOR EACH ROW WHEN (NEW.%I IS NOT NULL AND '
	    'OLD.%I IS DISTINCT FROM NEW.%I) EXECUTE FUNCTION '
	    'farol_fk_child_update(%L, %L, %L, %L)', p_constraint || '_upd',
	    p_column, p_child, p_column, p_column, p_column, p_column,
	    p_parent, 'id', p_constraint);
	EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I '
	    'REFERENCING OLD TABLE AS farol_old FOR EACH STATEMENT '
	    'EXECUTE FUNCTION farol_fk_parent_guard(%L, %L, %L, %L)',
	    p_constraint || '_del', p_parent, 'id', p_child, p_column,
	    p_constraint);
	EXECUTE format('CREATE TRIGGER %I AFTER UPDATE OF id ON %I '
	    'FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) '
	    'EXECUTE FUNCTION farol_fk_parent_guard(%L, %L, %L, %L)',
	    p_constraint || '_upd', p_parent, 'id', p_child, p_column,
	    p_constraint);
	EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
	    'FOR EACH STATEMENT '
	    'EXECUTE FUNCTION farol_fk_parent_guard(%L, %L, %L, %L)',
	    p_constraint || '_trunc', p_parent, 'id', p_child, p_column,
	    p_constraint);
END
$$;

SELECT farol_fk_guard_make('alert', 'message_id', 'message',
    'alert_message_id_fkey');
SELECT farol_fk_guard_make('alert', 'focal_point', 'focal_point',
    'alert_focal_point_fkey');
SELECT farol_fk_guard_make('alert_event', 'alert_id', 'alert',
    'alert_event_alert_id_fkey');
SELECT farol_fk_guard_make('outbox', 'alert_id', 'alert',
    'outbox_alert_id_fkey');
SELECT farol_fk_guard_make('outbox', 'message_id', 'message',
    'outbox_message_id_fkey');
SELECT farol_fk_guard_make('outbox', 'authority_id', 'authority',
    'outbox_authority_id_fkey');
DROP FUNCTION farol_fk_guard_make(text, text, text, text);
