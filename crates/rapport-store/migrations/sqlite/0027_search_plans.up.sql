-- PostgreSQL's search indexes take the workspace in this version. SQLite needs no change: its
-- search statement fixes the join order itself (see rapport-store's search module).
SELECT 1;
