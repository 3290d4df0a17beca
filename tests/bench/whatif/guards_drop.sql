-- What-if for tests/bench/ingest_cost: the foreign key guards of v22
-- (db/schema/0022_fk_guards.sql) dropped and nothing in their place: the
-- floor, what those six checks cost at all.
DROP FUNCTION farol_fk_alert_insert(), farol_fk_alert_event_insert(),
    farol_fk_outbox_insert(), farol_fk_child_update(),
    farol_fk_parent_guard() CASCADE;
