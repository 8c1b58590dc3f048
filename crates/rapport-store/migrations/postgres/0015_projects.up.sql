-- Projects (post-sale delivery) and their ordered milestones.

CREATE TABLE projects (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    name text COLLATE "C" NOT NULL,
    company_id uuid,
    deal_id uuid,
    status text NOT NULL,
    starts_on text COLLATE "C",
    ends_on text COLLATE "C",
    -- ends_on, or '9999-12-31' when there is none: keyset sorting needs NOT NULL, and projects
    -- without an end date come last when sorted by it.
    ends_sort text COLLATE "C" NOT NULL,
    owner_id uuid,
    description text,
    tags text NOT NULL DEFAULT '[]',
    -- The milestones as JSON, read with the project; project_milestones mirrors them for queries.
    milestones text NOT NULL DEFAULT '[]',
    progress bigint NOT NULL DEFAULT 0,
    completed_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT projects_company_fkey FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id),
    CONSTRAINT projects_deal_fkey FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
CREATE INDEX projects_live_created ON projects (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_live_updated ON projects (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_live_name ON projects (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_live_ends ON projects (workspace_id, ends_sort, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_live_progress ON projects (workspace_id, progress, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_company ON projects (workspace_id, company_id);
CREATE INDEX projects_deal ON projects (workspace_id, deal_id);
CREATE INDEX projects_owner ON projects (workspace_id, owner_id);

-- A project's milestones, kept in step with the project: "which milestones are due this week".
CREATE TABLE project_milestones (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    position bigint NOT NULL,
    title text NOT NULL,
    due_on text COLLATE "C" NOT NULL,
    done_at timestamptz,
    -- 'open' or 'done', so filters on open milestones read one index.
    state text NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, project_id) REFERENCES projects (workspace_id, id)
);
CREATE INDEX project_milestones_project ON project_milestones (workspace_id, project_id, position);
-- Open milestones due in a range (open_milestones.due_on), and any milestone's (milestones.due_on).
CREATE INDEX project_milestones_due ON project_milestones (workspace_id, state, due_on, project_id);
CREATE INDEX project_milestones_any_due ON project_milestones (workspace_id, due_on, project_id);
