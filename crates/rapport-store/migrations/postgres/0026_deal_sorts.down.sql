DROP INDEX deals_live_close;
DROP INDEX deals_live_amount;
ALTER TABLE deals DROP COLUMN close_sort;
ALTER TABLE deals DROP COLUMN amount_sort;
