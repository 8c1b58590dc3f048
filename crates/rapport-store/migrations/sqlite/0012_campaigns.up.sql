-- Campaigns, their members (contacts or leads, with how far each went) and the deals they
-- influenced.

CREATE TABLE campaigns (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    kind TEXT,
    status TEXT NOT NULL,
    budget_amount INTEGER,
    budget_currency TEXT,
    -- Calendar days as YYYY-MM-DD text, whose order is date order.
    starts_on TEXT,
    ends_on TEXT,
    owner_id BLOB,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT campaigns_dates_check CHECK (starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX campaigns_live_created ON campaigns (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX campaigns_live_updated ON campaigns (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX campaigns_live_name ON campaigns (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX campaigns_owner ON campaigns (workspace_id, owner_id);

-- A member is a contact or a lead (member_type names the object), so member_id has no foreign
-- key; the application checks it. A removed member keeps its row (deleted_at) and comes back
-- through the same row when added again.
CREATE TABLE campaign_members (
    workspace_id BLOB NOT NULL,
    id BLOB NOT NULL,
    campaign_id BLOB NOT NULL,
    member_type TEXT NOT NULL,
    member_id BLOB NOT NULL,
    status TEXT NOT NULL,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT campaign_members_campaign_fkey FOREIGN KEY (workspace_id, campaign_id) REFERENCES campaigns (workspace_id, id)
);
CREATE UNIQUE INDEX campaign_members_member_key ON campaign_members (workspace_id, campaign_id, member_type, member_id);
CREATE INDEX campaign_members_live_added ON campaign_members (workspace_id, campaign_id, added_at, id) WHERE deleted_at IS NULL;
CREATE INDEX campaign_members_live_updated ON campaign_members (workspace_id, campaign_id, updated_at, id) WHERE deleted_at IS NULL;
-- The campaigns a contact or lead is in.
CREATE INDEX campaign_members_record ON campaign_members (workspace_id, member_type, member_id);

CREATE TABLE campaign_deals (
    workspace_id BLOB NOT NULL,
    id BLOB NOT NULL,
    campaign_id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    linked_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT campaign_deals_campaign_fkey FOREIGN KEY (workspace_id, campaign_id) REFERENCES campaigns (workspace_id, id),
    CONSTRAINT campaign_deals_deal_fkey FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
CREATE UNIQUE INDEX campaign_deals_deal_key ON campaign_deals (workspace_id, campaign_id, deal_id);
CREATE INDEX campaign_deals_live_linked ON campaign_deals (workspace_id, campaign_id, linked_at, id) WHERE deleted_at IS NULL;
-- The campaigns that influenced a deal.
CREATE INDEX campaign_deals_deal ON campaign_deals (workspace_id, deal_id);
