-- Pipelines with their ordered stages, deals, and every stage move of a deal.

CREATE TABLE pipelines (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    name text COLLATE "C" NOT NULL,
    rotting_days bigint,
    -- The stages as JSON, read with the pipeline; pipeline_stages mirrors them for references.
    stages text NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX pipelines_live_created ON pipelines (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX pipelines_live_updated ON pipelines (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX pipelines_live_name ON pipelines (workspace_id, name, id) WHERE deleted_at IS NULL;

-- A pipeline's stages, kept in step with the pipeline so deals can reference them.
CREATE TABLE pipeline_stages (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    pipeline_id uuid NOT NULL,
    position bigint NOT NULL,
    name text COLLATE "C" NOT NULL,
    probability bigint NOT NULL,
    kind text NOT NULL,
    -- Removed stages stay (deals' history and soft-deleted deals still name them).
    removed_at timestamptz,
    PRIMARY KEY (workspace_id, id),
    -- Lets a deal's foreign key require its stage to be a stage of its own pipeline.
    UNIQUE (workspace_id, pipeline_id, id),
    FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id)
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (workspace_id, pipeline_id, position);

CREATE TABLE deals (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    name text COLLATE "C" NOT NULL,
    pipeline_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    stage_kind text NOT NULL,
    amount_amount bigint,
    amount_currency text,
    expected_close_date text,
    probability bigint,
    company_id uuid,
    close_reason text,
    owner_id uuid,
    tags text NOT NULL DEFAULT '[]',
    closed_at timestamptz,
    stage_entered_at timestamptz,
    last_activity_at timestamptz,
    rots_at timestamptz,
    board_rank bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT deals_pipeline_fkey FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id),
    CONSTRAINT deals_stage_fkey FOREIGN KEY (workspace_id, pipeline_id, stage_id) REFERENCES pipeline_stages (workspace_id, pipeline_id, id),
    CONSTRAINT deals_company_fkey FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id)
);
CREATE INDEX deals_live_created ON deals (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_live_updated ON deals (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_live_name ON deals (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_live_closed ON deals (workspace_id, closed_at, id) WHERE deleted_at IS NULL;
-- The board: one stage's deals in rank order; also counts and sums per stage for reports.
CREATE INDEX deals_live_stage_rank ON deals (workspace_id, stage_id, board_rank, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_live_pipeline ON deals (workspace_id, pipeline_id, created_at, id) WHERE deleted_at IS NULL;
-- Reports read these alone (index-only): a pipeline's sums by stage, and deals closed in a period.
CREATE INDEX deals_report_pipeline ON deals (workspace_id, pipeline_id, stage_id, amount_currency, amount_amount, probability, owner_id) WHERE deleted_at IS NULL;
CREATE INDEX deals_report_closed ON deals (workspace_id, closed_at, stage_kind, amount_currency, amount_amount, close_reason, owner_id) WHERE deleted_at IS NULL AND closed_at IS NOT NULL;
CREATE INDEX deals_company ON deals (workspace_id, company_id);
CREATE INDEX deals_owner ON deals (workspace_id, owner_id);

-- Every stage a deal entered, with when and who moved it.
CREATE TABLE deal_stage_moves (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    deal_id uuid NOT NULL,
    from_stage_id uuid,
    to_stage_id uuid NOT NULL,
    moved_at timestamptz NOT NULL,
    actor text NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX deal_stage_moves_deal ON deal_stage_moves (workspace_id, deal_id, moved_at, id);
