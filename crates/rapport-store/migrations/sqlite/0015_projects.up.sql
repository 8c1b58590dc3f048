-- Projects (post-sale delivery) and their ordered milestones.

CREATE TABLE projects (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    company_id BLOB,
    deal_id BLOB,
    status TEXT NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    -- ends_on, or '9999-12-31' when there is none: keyset sorting needs NOT NULL, and projects
    -- without an end date come last when sorted by it.
    ends_sort TEXT NOT NULL,
    owner_id BLOB,
    description TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    -- The milestones as JSON, read with the project; project_milestones mirrors them for queries.
    milestones TEXT NOT NULL DEFAULT '[]',
    progress INTEGER NOT NULL DEFAULT 0,
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
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
    workspace_id BLOB NOT NULL,
    id BLOB NOT NULL,
    project_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_at TEXT,
    -- 'open' or 'done', so filters on open milestones read one index.
    state TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, project_id) REFERENCES projects (workspace_id, id)
);
CREATE INDEX project_milestones_project ON project_milestones (workspace_id, project_id, position);
-- Open milestones due in a range (open_milestones.due_on), and any milestone's (milestones.due_on).
CREATE INDEX project_milestones_due ON project_milestones (workspace_id, state, due_on, project_id);
CREATE INDEX project_milestones_any_due ON project_milestones (workspace_id, due_on, project_id);
