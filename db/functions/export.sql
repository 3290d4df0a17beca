-- The Observatory's export (`farolctl export`, gateway/export.c): the
-- alerts it may count, with nothing that names or dates anyone, and its
-- record with the privacy budget. The role farol_observatory executes
-- these two and nothing else that writes (gateway/db_init.c).
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/observatory.md.

-- One row per counted alert of [p_since, p_until): its area code, form
-- codes, calendar month ("2026-03", the session's time zone) and counts,
-- NULL where not reported. Never a number, a name, text, a reference or
-- a time. Counted: every alert but the invalid, the cancelled (the
-- reporter said it was wrong) and the held or dismissed (held_reason).
CREATE OR REPLACE FUNCTION farol_export_alerts(p_since timestamptz,
    p_until timestamptz)
RETURNS TABLE (area text, forms text[], month text, victims int,
    females int, males int, minor boolean)
LANGUAGE sql STABLE
AS $$
	SELECT a.area, a.forms, to_char(a.received_at, 'YYYY-MM'),
	    a.victims, a.females, a.males, a.minor
	FROM alert a
	WHERE a.received_at >= p_since AND a.received_at < p_until
	  AND a.state NOT IN ('invalid', 'cancelled')
	  AND a.held_reason IS NULL
$$;

-- Record an export (p_who: the Unix user, beside the database role).
-- With p_epsilon (not NULL) spend it on every calendar
-- month [p_since, p_until) touches, unless one of them would then exceed
-- p_budget: then nothing is recorded and result is 'over_budget', month
-- the first such month and spent what it has spent already. result 'ok'
-- otherwise (month NULL, spent the most any month has spent now).
CREATE OR REPLACE FUNCTION farol_export_record(p_who text,
    p_since timestamptz, p_until timestamptz, p_by text, p_epsilon numeric,
    p_budget numeric, p_reason text)
RETURNS TABLE (result text, month date, spent numeric)
LANGUAGE plpgsql
AS $$
DECLARE
	v_months	date[];
BEGIN
	IF p_until <= p_since THEN
		RAISE EXCEPTION 'the period is empty (until <= since)';
	END IF;
	IF p_epsilon IS NOT NULL THEN
		v_months := ARRAY(SELECT g::date FROM generate_series(
		    date_trunc('month', p_since),
		    p_until - interval '1 microsecond', interval '1 month') g);
		INSERT INTO export_budget AS b (month)
		SELECT unnest(v_months) ON CONFLICT DO NOTHING;
		-- In month order, so that two exports never deadlock.
		PERFORM 1 FROM export_budget b WHERE b.month = ANY (v_months)
		ORDER BY b.month FOR UPDATE;
		SELECT b.month, b.spent INTO month, spent FROM export_budget b
		WHERE b.month = ANY (v_months) AND b.spent + p_epsilon > p_budget
		ORDER BY b.month LIMIT 1;
		IF FOUND THEN
			result := 'over_budget';
			RETURN NEXT;
			RETURN;
		END IF;
		UPDATE export_budget b SET spent = b.spent + p_epsilon
		WHERE b.month = ANY (v_months);
	END IF;
	INSERT INTO export_log (who, since, until, by, epsilon, reason)
	VALUES (session_user || coalesce(' as ' || p_who, ''), p_since, p_until, p_by, p_epsilon,
	    coalesce(p_reason, ''));
	result := 'ok';
	month := NULL;
	SELECT max(b.spent) INTO spent FROM export_budget b
	WHERE b.month = ANY (v_months);
	RETURN NEXT;
END
$$;
