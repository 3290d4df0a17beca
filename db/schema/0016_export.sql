-- Schema v16: what `farolctl export` records (db/observatory.md): every
-- export (who, when, why, what it asked), and the privacy budget spent
-- per calendar month by exports with differential privacy (--epsilon).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.
-- Written only by farol_export_record() (db/functions/export.sql).

CREATE TABLE export_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	who		text NOT NULL,		-- database role / Unix user
	since		timestamptz NOT NULL,
	until		timestamptz NOT NULL,
	by		text NOT NULL,		-- "area,form,month"
	epsilon		numeric CHECK (epsilon > 0),	-- NULL: no noise
	reason		text NOT NULL DEFAULT ''
);

-- The epsilon spent so far on each calendar month's alerts (month is its
-- first day, in the database's time zone). An export spends its epsilon
-- on every month its period touches.
CREATE TABLE export_budget (
	month		date PRIMARY KEY,
	spent		numeric NOT NULL DEFAULT 0 CHECK (spent >= 0)
);
