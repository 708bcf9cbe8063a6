-- Vigil initial schema. Placeholders: {pk} auto-increment primary key,
-- {ts} timestamp with time zone, {bool}, {json} (JSON kept as text).

CREATE TABLE admins (
    id {pk},
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_super {bool} NOT NULL DEFAULT FALSE,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    disabled {bool} NOT NULL DEFAULT FALSE,
    created_at {ts} NOT NULL
);

CREATE TABLE admin_permissions (
    admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    PRIMARY KEY (admin_id, slug)
);

CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);

-- Sign-in throttling shared by every server instance.
CREATE TABLE login_attempts (
    id {pk},
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    attempted_at {ts} NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (scope, subject, attempted_at);

-- The provider's central address system: codes billing may refer to.
CREATE TABLE address_directory (
    csa TEXT PRIMARY KEY,
    city TEXT NOT NULL,
    street TEXT NOT NULL,
    house TEXT NOT NULL,
    entrance TEXT
);

-- The location tree (city -> street -> house -> entrance). `path` is the
-- materialised chain of ids ("/1/7/42/") so a scope check is a prefix match.
CREATE TABLE locations (
    id {pk},
    parent_id BIGINT REFERENCES locations(id),
    csa TEXT UNIQUE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX locations_parent ON locations (parent_id);
CREATE INDEX locations_path ON locations (path);
CREATE UNIQUE INDEX locations_parent_kind_name ON locations (parent_id, kind, name);

-- Camera scope of an administrator: the location subtrees it administers.
CREATE TABLE admin_scopes (
    admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    location_id BIGINT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    PRIMARY KEY (admin_id, location_id)
);

CREATE TABLE users (
    id {pk},
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    parent_id BIGINT REFERENCES users(id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    account TEXT UNIQUE,
    contract_number TEXT,
    tariff TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    properties {json} NOT NULL DEFAULT '{}',
    expires_at {ts},
    sync_version BIGINT NOT NULL DEFAULT 0,
    permissions_version BIGINT NOT NULL DEFAULT 0,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_name ON users (name, id);
CREATE INDEX users_parent ON users (parent_id, created_at, id);
CREATE INDEX users_kind_status ON users (kind, status, id);

CREATE TABLE user_permissions (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    PRIMARY KEY (user_id, slug)
);

CREATE TABLE user_locations (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    location_id BIGINT NOT NULL REFERENCES locations(id),
    contract_number TEXT,
    created_at {ts} NOT NULL,
    PRIMARY KEY (user_id, location_id)
);
CREATE INDEX user_locations_location ON user_locations (location_id);

CREATE TABLE cameras (
    id {pk},
    name TEXT NOT NULL,
    mac TEXT NOT NULL UNIQUE,
    serial_number TEXT NOT NULL,
    model TEXT,
    status TEXT NOT NULL,
    location_id BIGINT REFERENCES locations(id),
    source TEXT NOT NULL,
    archive_days INTEGER NOT NULL DEFAULT 7,
    created_at {ts} NOT NULL
);
CREATE INDEX cameras_location ON cameras (location_id);
CREATE INDEX cameras_name ON cameras (name, id);

CREATE TABLE user_cameras (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    PRIMARY KEY (user_id, camera_id)
);
CREATE INDEX user_cameras_camera ON user_cameras (camera_id);

CREATE TABLE intercoms (
    id {pk},
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    department TEXT NOT NULL,
    status TEXT NOT NULL,
    location_id BIGINT REFERENCES locations(id),
    flat_from INTEGER NOT NULL,
    flat_to INTEGER NOT NULL,
    created_at {ts} NOT NULL
);

CREATE TABLE apartments (
    id {pk},
    intercom_id BIGINT NOT NULL REFERENCES intercoms(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    UNIQUE (intercom_id, number)
);

CREATE TABLE user_apartments (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    apartment_id BIGINT NOT NULL REFERENCES apartments(id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    PRIMARY KEY (user_id, apartment_id)
);
CREATE INDEX user_apartments_apartment ON user_apartments (apartment_id);

CREATE TABLE intercom_keys (
    id {pk},
    intercom_id BIGINT NOT NULL REFERENCES intercoms(id) ON DELETE CASCADE,
    apartment_id BIGINT NOT NULL REFERENCES apartments(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    code TEXT NOT NULL,
    created_at {ts} NOT NULL,
    UNIQUE (intercom_id, code)
);
CREATE INDEX intercom_keys_user ON intercom_keys (user_id, intercom_id);

CREATE TABLE billing_events (
    id {pk},
    request_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    account TEXT,
    payload {json} NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT,
    http_status INTEGER NOT NULL,
    occurred_at {ts},
    received_at {ts} NOT NULL,
    processed_at {ts} NOT NULL
);
CREATE INDEX billing_events_user ON billing_events (user_id, received_at, id);
CREATE INDEX billing_events_received ON billing_events (received_at, id);

CREATE TABLE analytics_levels (
    id {pk},
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL
);

CREATE TABLE analytics_types (
    id {pk},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level_id BIGINT NOT NULL REFERENCES analytics_levels(id)
);

-- `removed_at` is set when the total drops to zero; the level's cases are
-- hidden from then on and purged 7 days later unless licences come back.
CREATE TABLE licence_allocations (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level_id BIGINT NOT NULL REFERENCES analytics_levels(id),
    total INTEGER NOT NULL,
    removed_at {ts},
    version BIGINT NOT NULL DEFAULT 0,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (user_id, level_id)
);
CREATE INDEX licence_allocations_removed ON licence_allocations (removed_at);

CREATE TABLE analytics_cases (
    id {pk},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    main_user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type_id BIGINT NOT NULL REFERENCES analytics_types(id),
    level_id BIGINT NOT NULL REFERENCES analytics_levels(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX analytics_cases_main ON analytics_cases (main_user_id, level_id, id);
CREATE INDEX analytics_cases_user ON analytics_cases (user_id, created_at, id);

CREATE TABLE analytics_case_cameras (
    case_id BIGINT NOT NULL REFERENCES analytics_cases(id) ON DELETE CASCADE,
    camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    PRIMARY KEY (case_id, camera_id)
);

CREATE TABLE case_events (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES analytics_cases(id) ON DELETE CASCADE,
    camera_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    snapshot_ref TEXT,
    occurred_at {ts} NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, occurred_at, id);

CREATE TABLE audit_log (
    id {pk},
    admin_id BIGINT REFERENCES admins(id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    on_behalf_of_user BIGINT REFERENCES users(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    detail {json} NOT NULL DEFAULT '{}',
    created_at {ts} NOT NULL
);
CREATE INDEX audit_log_user ON audit_log (user_id, created_at, id);
CREATE INDEX audit_log_created ON audit_log (created_at, id);

-- Web-client sessions; `impersonator_admin_id` marks a Login as User session.
CREATE TABLE client_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    impersonator_admin_id BIGINT REFERENCES admins(id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
);
CREATE INDEX client_sessions_user ON client_sessions (user_id);

-- Single-use Login as User tickets, bound to an administrator and a user.
CREATE TABLE impersonation_tickets (
    ticket_hash TEXT PRIMARY KEY,
    admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    used_at {ts}
);
