-- The registry, mirrored from the config file.
-- Re-applied with CREATE OR REPLACE on every start-up, after the
-- migrations, in their transaction (db/migrate.c); docs: db/database.md.

-- p: {"focal_points":[{id, number, name, area, lang, active, has_pin}],
--     "authorities":[{id, name, areas:[], lang, ladder:[numbers]}]}.
-- Upserts; rows absent from p become inactive (never deleted: alerts
-- refer to them). A number moving from one focal point to another is
-- released first, so the unique constraint never blocks a valid file.
-- An erased focal point (farol_erase_focal_point) keeps no number and no
-- name: the file's are not written back while it still names it.
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
	WHERE erased_at IS NULL AND (id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x)
	    OR number IN (SELECT x->>'number' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x
	    WHERE x->>'id' <> focal_point.id));
	UPDATE focal_point SET active = false, updated_at = now()
	WHERE id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]')) x);
	FOR fp IN SELECT * FROM
	    jsonb_array_elements(coalesce(p->'focal_points', '[]'))
	LOOP
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
	WHERE id NOT IN (SELECT x->>'id' FROM
	    jsonb_array_elements(coalesce(p->'authorities', '[]')) x);
	FOR a IN SELECT * FROM
	    jsonb_array_elements(coalesce(p->'authorities', '[]'))
	LOOP
		INSERT INTO authority (id, name, areas, lang, active)
		VALUES (a->>'id', coalesce(a->>'name', ''),
		    ARRAY(SELECT jsonb_array_elements_text(
		    coalesce(a->'areas', '[]'))),
		    coalesce(a->>'lang', 'pt'), true)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
		    areas = EXCLUDED.areas, lang = EXCLUDED.lang,
		    active = true, updated_at = now();
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
