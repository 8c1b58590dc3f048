-- Per-day (and per-stage) sums the dashboard reports read instead of aggregating every deal and
-- activity: a report over a quarter reads about ninety days of a few rows each, whatever the
-- table sizes. Triggers keep them exact in the transaction of every write to the source rows, so
-- no code path (a create, an update, a soft delete or restore, a merge sweep, a pipeline whose
-- stage changed kind, a seed or an import) can forget them; reports never read stale sums.
--
-- Only live rows count. Key columns that can be absent in the source are stored as a sentinel so
-- they can be part of the primary key (NULLs never conflict): a 16-byte zero id for "no owner",
-- '' for "no currency" or "no close reason". Days are UTC dates as 'YYYY-MM-DD', the first ten
-- characters of the stored RFC 3339 UTC timestamps. Counts left at zero stay; readers skip them.

CREATE TABLE activity_day_counts (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    day TEXT NOT NULL,
    owner_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day, owner_id, kind)
) WITHOUT ROWID;

CREATE TABLE deal_close_day_sums (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    day TEXT NOT NULL,
    stage_kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_reason TEXT NOT NULL,
    owner_id BLOB NOT NULL,
    n INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day, stage_kind, currency, close_reason, owner_id)
) WITHOUT ROWID;

CREATE TABLE deal_stage_sums (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    pipeline_id BLOB NOT NULL,
    stage_id BLOB NOT NULL,
    currency TEXT NOT NULL,
    owner_id BLOB NOT NULL,
    n INTEGER NOT NULL,
    total INTEGER NOT NULL,
    weighted INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, pipeline_id, stage_id, currency, owner_id)
) WITHOUT ROWID;

INSERT INTO activity_day_counts (workspace_id, day, owner_id, kind, n)
SELECT workspace_id, substr(occurred_at, 1, 10), COALESCE(owner_id, zeroblob(16)), kind, COUNT(*)
FROM activities WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO deal_close_day_sums (workspace_id, day, stage_kind, currency, close_reason, owner_id, n, total)
SELECT workspace_id, substr(closed_at, 1, 10), stage_kind, COALESCE(amount_currency, ''),
       COALESCE(close_reason, ''), COALESCE(owner_id, zeroblob(16)), COUNT(*),
       COALESCE(SUM(amount_amount), 0)
FROM deals
WHERE deleted_at IS NULL AND closed_at IS NOT NULL AND stage_kind IN ('won', 'lost')
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO deal_stage_sums (workspace_id, pipeline_id, stage_id, currency, owner_id, n, total, weighted)
SELECT workspace_id, pipeline_id, stage_id, COALESCE(amount_currency, ''),
       COALESCE(owner_id, zeroblob(16)), COUNT(*), COALESCE(SUM(amount_amount), 0),
       COALESCE(SUM(amount_amount * COALESCE(probability, 0)), 0)
FROM deals WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5;

-- Activities.

CREATE TRIGGER activities_rollup_insert AFTER INSERT ON activities
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO activity_day_counts (workspace_id, day, owner_id, kind, n)
    VALUES (NEW.workspace_id, substr(NEW.occurred_at, 1, 10), COALESCE(NEW.owner_id, zeroblob(16)), NEW.kind, 1)
    ON CONFLICT (workspace_id, day, owner_id, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER activities_rollup_update AFTER UPDATE ON activities
WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.occurred_at IS NOT NEW.occurred_at
    OR OLD.owner_id IS NOT NEW.owner_id OR OLD.kind IS NOT NEW.kind
BEGIN
    UPDATE activity_day_counts SET n = n - 1
    WHERE OLD.deleted_at IS NULL AND workspace_id = OLD.workspace_id
        AND day = substr(OLD.occurred_at, 1, 10) AND owner_id = COALESCE(OLD.owner_id, zeroblob(16))
        AND kind = OLD.kind;
    INSERT INTO activity_day_counts (workspace_id, day, owner_id, kind, n)
    SELECT NEW.workspace_id, substr(NEW.occurred_at, 1, 10), COALESCE(NEW.owner_id, zeroblob(16)), NEW.kind, 1
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (workspace_id, day, owner_id, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER activities_rollup_delete AFTER DELETE ON activities
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE activity_day_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND day = substr(OLD.occurred_at, 1, 10)
        AND owner_id = COALESCE(OLD.owner_id, zeroblob(16)) AND kind = OLD.kind;
END;

-- Deals: closed ones by day, live ones by stage.

CREATE TRIGGER deals_rollup_insert AFTER INSERT ON deals
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO deal_close_day_sums (workspace_id, day, stage_kind, currency, close_reason, owner_id, n, total)
    SELECT NEW.workspace_id, substr(NEW.closed_at, 1, 10), NEW.stage_kind, COALESCE(NEW.amount_currency, ''),
           COALESCE(NEW.close_reason, ''), COALESCE(NEW.owner_id, zeroblob(16)), 1, COALESCE(NEW.amount_amount, 0)
    WHERE NEW.closed_at IS NOT NULL AND NEW.stage_kind IN ('won', 'lost')
    ON CONFLICT (workspace_id, day, stage_kind, currency, close_reason, owner_id)
    DO UPDATE SET n = n + 1, total = total + excluded.total;
    INSERT INTO deal_stage_sums (workspace_id, pipeline_id, stage_id, currency, owner_id, n, total, weighted)
    VALUES (NEW.workspace_id, NEW.pipeline_id, NEW.stage_id, COALESCE(NEW.amount_currency, ''),
            COALESCE(NEW.owner_id, zeroblob(16)), 1, COALESCE(NEW.amount_amount, 0),
            COALESCE(NEW.amount_amount * COALESCE(NEW.probability, 0), 0))
    ON CONFLICT (workspace_id, pipeline_id, stage_id, currency, owner_id)
    DO UPDATE SET n = n + 1, total = total + excluded.total, weighted = weighted + excluded.weighted;
END;

CREATE TRIGGER deals_rollup_update AFTER UPDATE ON deals
WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.pipeline_id IS NOT NEW.pipeline_id
    OR OLD.stage_id IS NOT NEW.stage_id OR OLD.stage_kind IS NOT NEW.stage_kind
    OR OLD.amount_amount IS NOT NEW.amount_amount OR OLD.amount_currency IS NOT NEW.amount_currency
    OR OLD.probability IS NOT NEW.probability OR OLD.owner_id IS NOT NEW.owner_id
    OR OLD.closed_at IS NOT NEW.closed_at OR OLD.close_reason IS NOT NEW.close_reason
BEGIN
    UPDATE deal_close_day_sums SET n = n - 1, total = total - COALESCE(OLD.amount_amount, 0)
    WHERE OLD.deleted_at IS NULL AND OLD.closed_at IS NOT NULL AND OLD.stage_kind IN ('won', 'lost')
        AND workspace_id = OLD.workspace_id AND day = substr(OLD.closed_at, 1, 10)
        AND stage_kind = OLD.stage_kind AND currency = COALESCE(OLD.amount_currency, '')
        AND close_reason = COALESCE(OLD.close_reason, '') AND owner_id = COALESCE(OLD.owner_id, zeroblob(16));
    UPDATE deal_stage_sums SET n = n - 1, total = total - COALESCE(OLD.amount_amount, 0),
        weighted = weighted - COALESCE(OLD.amount_amount * COALESCE(OLD.probability, 0), 0)
    WHERE OLD.deleted_at IS NULL AND workspace_id = OLD.workspace_id AND pipeline_id = OLD.pipeline_id
        AND stage_id = OLD.stage_id AND currency = COALESCE(OLD.amount_currency, '')
        AND owner_id = COALESCE(OLD.owner_id, zeroblob(16));
    INSERT INTO deal_close_day_sums (workspace_id, day, stage_kind, currency, close_reason, owner_id, n, total)
    SELECT NEW.workspace_id, substr(NEW.closed_at, 1, 10), NEW.stage_kind, COALESCE(NEW.amount_currency, ''),
           COALESCE(NEW.close_reason, ''), COALESCE(NEW.owner_id, zeroblob(16)), 1, COALESCE(NEW.amount_amount, 0)
    WHERE NEW.deleted_at IS NULL AND NEW.closed_at IS NOT NULL AND NEW.stage_kind IN ('won', 'lost')
    ON CONFLICT (workspace_id, day, stage_kind, currency, close_reason, owner_id)
    DO UPDATE SET n = n + 1, total = total + excluded.total;
    INSERT INTO deal_stage_sums (workspace_id, pipeline_id, stage_id, currency, owner_id, n, total, weighted)
    SELECT NEW.workspace_id, NEW.pipeline_id, NEW.stage_id, COALESCE(NEW.amount_currency, ''),
           COALESCE(NEW.owner_id, zeroblob(16)), 1, COALESCE(NEW.amount_amount, 0),
           COALESCE(NEW.amount_amount * COALESCE(NEW.probability, 0), 0)
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (workspace_id, pipeline_id, stage_id, currency, owner_id)
    DO UPDATE SET n = n + 1, total = total + excluded.total, weighted = weighted + excluded.weighted;
END;

CREATE TRIGGER deals_rollup_delete AFTER DELETE ON deals
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE deal_close_day_sums SET n = n - 1, total = total - COALESCE(OLD.amount_amount, 0)
    WHERE OLD.closed_at IS NOT NULL AND OLD.stage_kind IN ('won', 'lost')
        AND workspace_id = OLD.workspace_id AND day = substr(OLD.closed_at, 1, 10)
        AND stage_kind = OLD.stage_kind AND currency = COALESCE(OLD.amount_currency, '')
        AND close_reason = COALESCE(OLD.close_reason, '') AND owner_id = COALESCE(OLD.owner_id, zeroblob(16));
    UPDATE deal_stage_sums SET n = n - 1, total = total - COALESCE(OLD.amount_amount, 0),
        weighted = weighted - COALESCE(OLD.amount_amount * COALESCE(OLD.probability, 0), 0)
    WHERE workspace_id = OLD.workspace_id AND pipeline_id = OLD.pipeline_id
        AND stage_id = OLD.stage_id AND currency = COALESCE(OLD.amount_currency, '')
        AND owner_id = COALESCE(OLD.owner_id, zeroblob(16));
END;
