-- Appointments with their attendees and linked records (side rows, so filters can find an
-- appointment by any one of them), and each member's calendar feed token.

CREATE TABLE appointments (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    location TEXT,
    video_url TEXT,
    -- {"contacts": [...], "users": [...]} and [{"type", "id"}...] as the API shows them; the
    -- side tables below hold the same, one row each, for lookups.
    attendees TEXT NOT NULL,
    records TEXT NOT NULL DEFAULT '[]',
    owner_id BLOB,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
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
    workspace_id BLOB NOT NULL,
    appointment_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    attendee_id BLOB NOT NULL,
    PRIMARY KEY (workspace_id, appointment_id, kind, attendee_id),
    FOREIGN KEY (workspace_id, appointment_id) REFERENCES appointments (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX appointment_attendees_lookup ON appointment_attendees (workspace_id, kind, attendee_id);

-- The records an appointment is about.
CREATE TABLE appointment_links (
    workspace_id BLOB NOT NULL,
    appointment_id BLOB NOT NULL,
    record_type TEXT NOT NULL,
    record_id BLOB NOT NULL,
    PRIMARY KEY (workspace_id, appointment_id, record_type, record_id),
    FOREIGN KEY (workspace_id, appointment_id) REFERENCES appointments (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX appointment_links_lookup ON appointment_links (workspace_id, record_type, record_id);

-- One calendar feed per member and workspace; the URL's secret is stored as its SHA-256 only.
CREATE TABLE calendar_feeds (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
