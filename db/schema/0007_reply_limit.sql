-- Schema v7: the receipts and replies to one number in a recent window
-- are counted at every insert (security.reply_limit, in
-- farol_outbox_insert). Only rows not cancelled count, and only they are
-- in this index, so the count visits at most the limit's rows however
-- many were cancelled past it (an automatic responder's).
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE INDEX outbox_reply_recipient ON outbox (recipient, created_at)
    WHERE purpose IN ('receipt', 'reply') AND state <> 'cancelled';
