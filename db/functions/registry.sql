-- The registry, mirrored from the config file.
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- p: {"focal_points":[{id, number, name, area, lang, active, has_pin}],
--     "authorities":[{id, name, areas:[], lang, ladder:[numbers]}]}.
-- Upserts; rows absent from p become inactive (never deleted: alerts
-- refer to them). A number moving from one focal point to another is
-- released first, so the unique constraint never blocks a valid file.
-- An erased focal point (farol_erase_focal_point) keeps no number and no
-- name: the file's are not written back while it still names it.
-- A row already as the file says is not written (nor its updated_at):
-- farold calls this at every start-up, before any report is stored, and
-- an unchanged registry then writes nothing and costs no WAL flush.
CREATE OR REPLACE FUNCTION farol_sync_registry(p jsonb)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	fp	jsonb;
	a	jsonb;
	i	int;
BEGIN
	UPDATE focal_point SET number = 'released:' || id
	WHERE erased_at IS NULL AND number <> 'released:' || id AND
	    (id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x)
	    OR number IN (SELECT x->>'number' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x
	    WHERE x->>'id' <> focal_point.id));
	UPDATE focal_point SET active = false, updated_at = now()
	WHERE active AND id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x);
	FOR fp IN SELECT * FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]'))
	LOOP
		-- Not even an upsert that changes nothing: it locks the row,
		-- and the lock costs a transaction id and a WAL flush.
		CONTINUE WHEN EXISTS (SELECT 1 FROM focal_point f
		    WHERE f.id = fp->>'id' AND (f.erased_at IS NOT NULL OR
		    (f.number, f.name, f.area, f.lang, f.active, f.has_pin)
		    IS NOT DISTINCT FROM (fp->>'number',
		    coalesce(fp->>'name', ''), fp->>'area',
		    coalesce(fp->>'lang', 'pt'),
		    coalesce((fp->>'active')::boolean, true),
		    coalesce((fp->>'has_pin')::boolean, false))));
		INSERT INTO focal_point (id, number, name, area, lang, active,
		    has_pin)
		VALUES (fp->>'id', fp->>'number', coalesce(fp->>'name', ''),
		    fp->>'area', coalesce(fp->>'lang', 'pt'),
		    coalesce((fp->>'active')::boolean, true),
		    coalesce((fp->>'has_pin')::boolean, false))
		ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number,
		    name = EXCLUDED.name, area = EXCLUDED.area,
		    lang = EXCLUDED.lang, active = EXCLUDED.active,
		    has_pin = EXCLUDED.has_pin, updated_at = now()
		WHERE focal_point.erased_at IS NULL;
	END LOOP;

	UPDATE authority SET active = false, updated_at = now()
	WHERE active AND id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'authorities', '[]')) x);
	FOR a IN SELECT * FROM
	    jsonb_array_elements(coalesce(p->'authorities', '[]'))
	LOOP
		IF NOT EXISTS (SELECT 1 FROM authority au
		    WHERE au.id = a->>'id' AND (au.name, au.areas, au.lang,
		    au.active) IS NOT DISTINCT FROM (coalesce(a->>'name', ''),
		    ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(a->'areas', '[]'))), coalesce(a->>'lang', 'pt'),
		    true)) THEN
			INSERT INTO authority (id, name, areas, lang, active)
			VALUES (a->>'id', coalesce(a->>'name', ''),
			    ARRAY(SELECT jsonb_array_elements_text(
			    coalesce(a->'areas', '[]'))),
			    coalesce(a->>'lang', 'pt'), true)
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
			    areas = EXCLUDED.areas, lang = EXCLUDED.lang,
			    active = true, updated_at = now();
		END IF;
		-- The ladder is written again only when it changed.
		CONTINUE WHEN ARRAY(SELECT c.number FROM authority_contact c
		    WHERE c.authority_id = a->>'id' ORDER BY c.rung) =
		    ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(a->'ladder', '[]')));
		DELETE FROM authority_contact WHERE authority_id = a->>'id';
		FOR i IN 0 .. jsonb_array_length(coalesce(a->'ladder', '[]'))
		    - 1
		LOOP
			INSERT INTO authority_contact (authority_id, rung,
			    number)
			VALUES (a->>'id', i + 1, a->'ladder'->>i);
		END LOOP;
	END LOOP;
END
$$;
