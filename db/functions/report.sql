-- The Observatory's view (a stable contract: columns are only added).
-- Applied with CREATE OR REPLACE after the migrations, in their
-- transaction, at every start-up that finds them changed (db/migrate.c,
-- schema_functions); docs: db/database.md.

-- The Observatory's view: one row per alert. A stable contract, documented
-- column by column in db/database.md; never the focal point's number.
CREATE OR REPLACE VIEW alert_report AS
SELECT	a.ref,
	a.received_at,
	a.area,
	a.forms,
	a.urgency,
	a.victims,
	a.females,
	a.males,
	a.minor,
	a.state,
	a.acknowledged_at,
	a.acknowledged_by,
	a.focal_point,
	a.text,
	a.verified,
	a.held_reason
FROM alert a;
