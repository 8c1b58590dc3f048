-- Deals sort by amount and by expected close date. Both are optional, and a sort column must
-- be non-null for keyset cursors, so each gets a sort copy: a deal without an amount sorts as
-- the smallest (-1, below every amount), one without a close date as the latest (9999-12-31).
-- Amounts compare as stored, across currencies, as other CRMs' boards do.
ALTER TABLE deals ADD COLUMN amount_sort INTEGER NOT NULL DEFAULT -1;
ALTER TABLE deals ADD COLUMN close_sort TEXT NOT NULL DEFAULT '9999-12-31';
UPDATE deals SET amount_sort = COALESCE(amount_amount, -1), close_sort = COALESCE(expected_close_date, '9999-12-31');
CREATE INDEX deals_live_amount ON deals (workspace_id, amount_sort, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_live_close ON deals (workspace_id, close_sort, id) WHERE deleted_at IS NULL;
