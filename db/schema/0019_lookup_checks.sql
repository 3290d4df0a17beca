-- Schema v19: the columns that name a lookup value (outbox.state,
-- outbox.purpose, message.kind, alert.state) are guarded by a CHECK made
-- from their lookup table instead of a foreign key (issue #20). The
-- foreign keys cost a lookup in another table for every row written
-- (the outbox's two, for nine rows a report, were a third of the cost of
-- storing a report) and for every change of state; a CHECK costs a
-- comparison. The lookup tables stay the list of names (db/lookup.c
-- reads them at every connection); a trigger on each makes its CHECK
-- again from the table whenever the table changes, in the same
-- transaction, so that the CHECK allows exactly the table's values, as
-- the foreign key did: a name missing from the table is refused
-- (check_violation, where it was foreign_key_violation), a name added is
-- usable at once, and a name still used cannot leave the table (the new
-- CHECK fails on the rows that use it). alert_transition keeps its
-- foreign keys to alert_state (data, never written at run time).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

-- Make the CHECK of a lookup table's referencing column from the table:
-- TG_ARGV: the lookup's column, the referencing table, its column, the
-- constraint's name. Statement-level, after any change of the table.
CREATE FUNCTION farol_lookup_check_make() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_names	text[];
BEGIN
	EXECUTE format('SELECT coalesce(array_agg(%I ORDER BY %I), ''{}'') '
	    'FROM %I', TG_ARGV[0], TG_ARGV[0], TG_TABLE_NAME) INTO v_names;
	EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS %I, '
	    'ADD CONSTRAINT %I CHECK (%I = ANY (%L::text[]))', TG_ARGV[1],
	    TG_ARGV[3], TG_ARGV[3], TG_ARGV[2], v_names);
	RETURN NULL;
END
$$;

ALTER TABLE outbox DROP CONSTRAINT outbox_state_fkey,
    DROP CONSTRAINT outbox_purpose_fkey;
ALTER TABLE message DROP CONSTRAINT message_kind_fkey;
ALTER TABLE alert DROP CONSTRAINT alert_state_fkey;

CREATE TRIGGER outbox_state_check_make
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON outbox_state
FOR EACH STATEMENT EXECUTE FUNCTION farol_lookup_check_make('state',
    'outbox', 'state', 'outbox_state_known');
CREATE TRIGGER outbox_purpose_check_make
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON outbox_purpose
FOR EACH STATEMENT EXECUTE FUNCTION farol_lookup_check_make('purpose',
    'outbox', 'purpose', 'outbox_purpose_known');
CREATE TRIGGER message_kind_check_make
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON message_kind
FOR EACH STATEMENT EXECUTE FUNCTION farol_lookup_check_make('kind',
    'message', 'kind', 'message_kind_known');
CREATE TRIGGER alert_state_check_make
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON alert_state
FOR EACH STATEMENT EXECUTE FUNCTION farol_lookup_check_make('state',
    'alert', 'state', 'alert_state_known');

-- The first CHECKs, from the tables as they are (an empty UPDATE fires
-- the triggers).
UPDATE outbox_state SET state = state WHERE false;
UPDATE outbox_purpose SET purpose = purpose WHERE false;
UPDATE message_kind SET kind = kind WHERE false;
UPDATE alert_state SET state = state WHERE false;
