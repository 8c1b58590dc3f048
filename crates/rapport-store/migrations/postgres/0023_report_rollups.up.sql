-- Per-day (and per-stage) sums the dashboard reports read instead of aggregating every deal and
-- activity: a report over a quarter reads about ninety days of a few rows each, whatever the
-- table sizes. Triggers keep them exact in the transaction of every write to the source rows, so
-- no code path (a create, an update, a soft delete or restore, a merge sweep, a pipeline whose
-- stage changed kind, a seed or an import) can forget them; reports never read stale sums.
--
-- Only live rows count. Key columns that can be absent in the source are stored as a sentinel so
-- they can be part of the primary key (NULLs never conflict): the nil uuid for "no owner", '' for
-- "no currency" or "no close reason". Days are UTC dates. Counts left at zero stay; readers skip
-- them.

CREATE TABLE activity_day_counts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    day date NOT NULL,
    owner_id uuid NOT NULL,
    kind text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (workspace_id, day, owner_id, kind)
);

CREATE TABLE deal_close_day_sums (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    day date NOT NULL,
    stage_kind text NOT NULL,
    currency text NOT NULL,
    close_reason text NOT NULL,
    owner_id uuid NOT NULL,
    n bigint NOT NULL,
    total bigint NOT NULL,
    PRIMARY KEY (workspace_id, day, stage_kind, currency, close_reason, owner_id)
);

CREATE TABLE deal_stage_sums (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    pipeline_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    currency text NOT NULL,
    owner_id uuid NOT NULL,
    n bigint NOT NULL,
    total bigint NOT NULL,
    weighted bigint NOT NULL,
    PRIMARY KEY (workspace_id, pipeline_id, stage_id, currency, owner_id)
);

INSERT INTO activity_day_counts (workspace_id, day, owner_id, kind, n)
SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date,
       COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), kind, COUNT(*)
FROM activities WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO deal_close_day_sums (workspace_id, day, stage_kind, currency, close_reason, owner_id, n, total)
SELECT workspace_id, (closed_at AT TIME ZONE 'UTC')::date, stage_kind, COALESCE(amount_currency, ''),
       COALESCE(close_reason, ''), COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'),
       COUNT(*), COALESCE(SUM(amount_amount), 0)
FROM deals
WHERE deleted_at IS NULL AND closed_at IS NOT NULL AND stage_kind IN ('won', 'lost')
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO deal_stage_sums (workspace_id, pipeline_id, stage_id, currency, owner_id, n, total, weighted)
SELECT workspace_id, pipeline_id, stage_id, COALESCE(amount_currency, ''),
       COALESCE(owner_id, '00000000-0000-0000-0000-000000000000'), COUNT(*),
       COALESCE(SUM(amount_amount), 0), COALESCE(SUM(amount_amount * COALESCE(probability, 0)), 0)
FROM deals WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION activities_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.deleted_at IS NULL THEN
            UPDATE activity_day_counts SET n = n - 1
            WHERE workspace_id = OLD.workspace_id AND day = (OLD.occurred_at AT TIME ZONE 'UTC')::date
                AND owner_id = COALESCE(OLD.owner_id, '00000000-0000-0000-0000-000000000000')
                AND kind = OLD.kind;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.deleted_at IS NULL THEN
            INSERT INTO activity_day_counts AS c (workspace_id, day, owner_id, kind, n)
            VALUES (NEW.workspace_id, (NEW.occurred_at AT TIME ZONE 'UTC')::date,
                    COALESCE(NEW.owner_id, '00000000-0000-0000-0000-000000000000'), NEW.kind, 1)
            ON CONFLICT (workspace_id, day, owner_id, kind) DO UPDATE SET n = c.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER activities_rollup AFTER INSERT OR DELETE ON activities
FOR EACH ROW EXECUTE FUNCTION activities_rollup();
CREATE TRIGGER activities_rollup_update AFTER UPDATE ON activities
FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
    OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
    OR OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.kind IS DISTINCT FROM NEW.kind)
EXECUTE FUNCTION activities_rollup();

CREATE FUNCTION deals_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.deleted_at IS NULL THEN
            IF OLD.closed_at IS NOT NULL AND OLD.stage_kind IN ('won', 'lost') THEN
                UPDATE deal_close_day_sums
                SET n = n - 1, total = total - COALESCE(OLD.amount_amount, 0)
                WHERE workspace_id = OLD.workspace_id
                    AND day = (OLD.closed_at AT TIME ZONE 'UTC')::date
                    AND stage_kind = OLD.stage_kind
                    AND currency = COALESCE(OLD.amount_currency, '')
                    AND close_reason = COALESCE(OLD.close_reason, '')
                    AND owner_id = COALESCE(OLD.owner_id, '00000000-0000-0000-0000-000000000000');
            END IF;
            UPDATE deal_stage_sums
            SET n = n - 1, total = total - COALESCE(OLD.amount_amount, 0),
                weighted = weighted - COALESCE(OLD.amount_amount * COALESCE(OLD.probability, 0), 0)
            WHERE workspace_id = OLD.workspace_id AND pipeline_id = OLD.pipeline_id
                AND stage_id = OLD.stage_id AND currency = COALESCE(OLD.amount_currency, '')
                AND owner_id = COALESCE(OLD.owner_id, '00000000-0000-0000-0000-000000000000');
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.deleted_at IS NULL THEN
            IF NEW.closed_at IS NOT NULL AND NEW.stage_kind IN ('won', 'lost') THEN
                INSERT INTO deal_close_day_sums AS s
                    (workspace_id, day, stage_kind, currency, close_reason, owner_id, n, total)
                VALUES (NEW.workspace_id, (NEW.closed_at AT TIME ZONE 'UTC')::date, NEW.stage_kind,
                        COALESCE(NEW.amount_currency, ''), COALESCE(NEW.close_reason, ''),
                        COALESCE(NEW.owner_id, '00000000-0000-0000-0000-000000000000'), 1,
                        COALESCE(NEW.amount_amount, 0))
                ON CONFLICT (workspace_id, day, stage_kind, currency, close_reason, owner_id)
                DO UPDATE SET n = s.n + 1, total = s.total + excluded.total;
            END IF;
            INSERT INTO deal_stage_sums AS s
                (workspace_id, pipeline_id, stage_id, currency, owner_id, n, total, weighted)
            VALUES (NEW.workspace_id, NEW.pipeline_id, NEW.stage_id, COALESCE(NEW.amount_currency, ''),
                    COALESCE(NEW.owner_id, '00000000-0000-0000-0000-000000000000'), 1,
                    COALESCE(NEW.amount_amount, 0),
                    COALESCE(NEW.amount_amount * COALESCE(NEW.probability, 0), 0))
            ON CONFLICT (workspace_id, pipeline_id, stage_id, currency, owner_id)
            DO UPDATE SET n = s.n + 1, total = s.total + excluded.total,
                weighted = s.weighted + excluded.weighted;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER deals_rollup AFTER INSERT OR DELETE ON deals
FOR EACH ROW EXECUTE FUNCTION deals_rollup();
CREATE TRIGGER deals_rollup_update AFTER UPDATE ON deals
FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
    OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id OR OLD.stage_id IS DISTINCT FROM NEW.stage_id
    OR OLD.stage_kind IS DISTINCT FROM NEW.stage_kind
    OR OLD.amount_amount IS DISTINCT FROM NEW.amount_amount
    OR OLD.amount_currency IS DISTINCT FROM NEW.amount_currency
    OR OLD.probability IS DISTINCT FROM NEW.probability OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
    OR OLD.closed_at IS DISTINCT FROM NEW.closed_at OR OLD.close_reason IS DISTINCT FROM NEW.close_reason)
EXECUTE FUNCTION deals_rollup();
