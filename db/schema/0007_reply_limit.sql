-- Schema v7: the receipts and replies to one number in a recent window
-- are counted at every insert (security.reply_limit, in
-- farol_outbox_insert): an index keeps that count cheap.
-- Applied by db/migrate.c inside one transaction; no BEGIN/COMMIT here.

CREATE INDEX outbox_reply_recipient ON outbox (recipient, created_at)
    WHERE purpose IN ('receipt', 'reply');
