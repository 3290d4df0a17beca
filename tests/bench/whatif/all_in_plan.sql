-- What-if for tests/bench/ingest_cost (deferfwd, fifth session): no
-- outbox row at ingest: the three immediate forwards (rung 1) and the
-- receipt kept in the alert's rung_plan, due now. farold's element
-- changed, the functions as they are.
CREATE OR REPLACE FUNCTION bench_element() RETURNS text LANGUAGE sql AS $b$
SELECT '{"kind": "sms", "text": "ALERTA SV SX U1 V2 MENOR relato #N bar",
 "alert": {"area": "SV", "text": "relato #N bar", "forms": ["SX"],
  "males": null, "minor": true, "state": "received", "sender": "#S",
  "females": null, "urgency": 1, "victims": 2, "verified": true,
  "focal_point": "fp-bench-00", "held_reason": null,
  "rung_plan": {"texts": [
  "FAROL {ref} U1 SV SX V2 MENOR: relato #N bar FP Bench #S. Responda OK {ref}",
  "FAROL {ref} SEM RESPOSTA de ninguem na escala. U1 SV SX V2 MENOR: relato #N bar",
  "Alerta {ref} recebido: SV, exploracao sexual, U1, 2 vitimas, menor. Policia SV +2 avisadas. ANULAR {ref} se errado."], "rungs": [
 {"to": ["pn-sv", "+2389920001", "icca", "+2389980001", "national-desk", "+2389990001"], "rung": 1, "text": 0, "after_s": 0, "purpose": "forward"},
 {"to": [null, "#S"], "text": 2, "after_s": 0, "purpose": "receipt", "limit_max": 20, "limit_per_s": 3600},
 {"to": ["pn-sv", "+2389920002", "icca", "+2389980002", "national-desk", "+2389990002"], "rung": 2, "text": 0, "after_s": 300, "purpose": "escalation"},
 {"to": ["pn-sv", "+2389920003"], "rung": 3, "text": 0, "after_s": 600, "purpose": "escalation"},
 {"to": [null, "+2389999001"], "text": 1, "after_s": 900, "purpose": "escalation"}]},
  "rung_plan_after_s": 0},
 "modem": "cv1", "parts": 1, "outbox": [],
 "sender": "#S", "smsc_time": "2026-12-02 08:10:46+00:00", "concat_ref": -1,
 "received_at": 1796199046, "parts_expected": 1}'
$b$;
