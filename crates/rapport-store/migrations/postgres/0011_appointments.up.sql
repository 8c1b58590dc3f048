-- Appointments with their attendees and linked records (side rows, so filters can find an
-- appointment by any one of them), and each member's calendar feed token.

CREATE TABLE appointments (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    title text COLLATE "C" NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    time_zone text NOT NULL,
    location text,
    video_url text,
    -- {"contacts": [...], "users": [...]} and [{"type", "id"}...] as the API shows them; the
    -- side tables below hold the same, one row each, for lookups.
    attendees text NOT NULL,
    records text NOT NULL DEFAULT '[]',
    owner_id uuid,
    description text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX appointments_live_created ON appointments (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX appointments_live_updated ON appointments (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX appointments_live_title ON appointments (workspace_id, title, id) WHERE deleted_at IS NULL;
-- Calendar ranges (starts_at < to AND ends_at > from) and the default order.
CREATE INDEX appointments_live_starts ON appointments (workspace_id, starts_at, id) WHERE deleted_at IS NULL;
CREATE INDEX appointments_live_ends ON appointments (workspace_id, ends_at, id) WHERE deleted_at IS NULL;
CREATE INDEX appointments_live_owner ON appointments (workspace_id, owner_id, starts_at) WHERE deleted_at IS NULL;

-- Who attends: kind 'contact' or 'user' and the attendee's id.
CREATE TABLE appointment_attendees (
    workspace_id uuid NOT NULL,
    appointment_id uuid NOT NULL,
    kind text NOT NULL,
    attendee_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, appointment_id, kind, attendee_id),
    FOREIGN KEY (workspace_id, appointment_id) REFERENCES appointments (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX appointment_attendees_lookup ON appointment_attendees (workspace_id, kind, attendee_id);

-- The records an appointment is about.
CREATE TABLE appointment_links (
    workspace_id uuid NOT NULL,
    appointment_id uuid NOT NULL,
    record_type text NOT NULL,
    record_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, appointment_id, record_type, record_id),
    FOREIGN KEY (workspace_id, appointment_id) REFERENCES appointments (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX appointment_links_lookup ON appointment_links (workspace_id, record_type, record_id);

-- One calendar feed per member and workspace; the URL's secret is stored as its SHA-256 only.
CREATE TABLE calendar_feeds (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    user_id uuid NOT NULL REFERENCES users (id),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
