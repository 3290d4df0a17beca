-- What-if for tests/bench/ingest_cost: the six foreign keys v22 replaced
-- by guards (db/schema/0022_fk_guards.sql) put back as they were in v2,
-- the guards dropped: before and after in one run.
DROP FUNCTION farol_fk_alert_insert(), farol_fk_alert_event_insert(),
    farol_fk_outbox_insert(), farol_fk_child_update(),
    farol_fk_parent_guard() CASCADE;
ALTER TABLE alert
    ADD CONSTRAINT alert_message_id_fkey FOREIGN KEY (message_id)
	REFERENCES message(id),
    ADD CONSTRAINT alert_focal_point_fkey FOREIGN KEY (focal_point)
	REFERENCES focal_point(id);
ALTER TABLE alert_event ADD CONSTRAINT alert_event_alert_id_fkey
    FOREIGN KEY (alert_id) REFERENCES alert(id);
ALTER TABLE outbox
    ADD CONSTRAINT outbox_alert_id_fkey FOREIGN KEY (alert_id)
	REFERENCES alert(id),
    ADD CONSTRAINT outbox_message_id_fkey FOREIGN KEY (message_id)
	REFERENCES message(id),
    ADD CONSTRAINT outbox_authority_id_fkey FOREIGN KEY (authority_id)
	REFERENCES authority(id);
