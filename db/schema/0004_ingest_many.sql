-- Schema v4: farol_ingest_many decodes a message's fields once.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

-- Same contract as in 0002 (one row per element of p, i from 0, in order;
-- all or nothing). The nine fields of the message, which a report and a
-- command share, are read by one jsonb_to_record instead of once per
-- branch.
CREATE OR REPLACE FUNCTION farol_ingest_many(p jsonb)
RETURNS TABLE (i int, message_id bigint, inserted boolean, result text,
    alert_id bigint, alert_ref bigint, outbox_queued int, state text,
    focal_number text, authority_name text, holders text[])
LANGUAGE plpgsql
AS $$
DECLARE
	e	jsonb;
	k	int := 0;
	m	record;		-- the message fields of e
	c	record;		-- what farol_ingest_command returned
	r	record;		-- what farol_ingest_report returned
BEGIN
	FOR e IN SELECT * FROM jsonb_array_elements(p)
	LOOP
		SELECT x.modem, x.sender, x.text,
		    NULLIF(x.smsc_time, '')::timestamptz AS smsc_time,
		    to_timestamp(x.received_at) AS received_at, x.parts,
		    NULLIF(x.concat_ref, -1) AS concat_ref, x.kind,
		    x.parts_expected
		INTO m
		FROM jsonb_to_record(e) AS x(modem text, sender text,
		    text text, smsc_time text,
		    received_at double precision, parts int, concat_ref int,
		    kind text, parts_expected int);
		i := k;
		IF e ? 'command' THEN
			SELECT * INTO c FROM farol_ingest_command(m.modem,
			    m.sender, m.text, m.smsc_time, m.received_at,
			    m.parts, m.concat_ref, m.kind, m.parts_expected,
			    e->>'command', (e->>'ref')::bigint, e->>'note');
			message_id := c.message_id;
			inserted := c.inserted;
			result := c.result;
			alert_id := c.alert_id;
			alert_ref := c.alert_ref;
			outbox_queued := 0;
			state := c.state;
			focal_number := c.focal_number;
			authority_name := c.authority_name;
			holders := c.holders;
		ELSE
			SELECT * INTO r FROM farol_ingest_report(m.modem,
			    m.sender, m.text, m.smsc_time, m.received_at,
			    m.parts, m.concat_ref, m.kind, m.parts_expected,
			    CASE WHEN jsonb_typeof(e->'alert') = 'object'
				THEN e->'alert' END,
			    e->'outbox');
			message_id := r.message_id;
			inserted := r.inserted;
			result := NULL;
			alert_id := r.alert_id;
			alert_ref := r.alert_ref;
			outbox_queued := r.outbox_queued;
			state := NULL;
			focal_number := NULL;
			authority_name := NULL;
			holders := NULL;
		END IF;
		RETURN NEXT;
		k := k + 1;
	END LOOP;
END
$$;
