-- integration-core schema, version 1 (SQLite). Times are Unix milliseconds (UTC).

CREATE TABLE installations (
    id          INTEGER PRIMARY KEY,          -- the Oneflow account id
    state       TEXT    NOT NULL,
    tenant      TEXT    UNIQUE,               -- SuperOffice CustN; one installation per tenant
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE secrets (
    installation INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    sealed       BLOB    NOT NULL,            -- format byte || nonce || ChaCha20-Poly1305 ciphertext
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (installation, kind)
);

CREATE TABLE settings (
    installation INTEGER PRIMARY KEY,
    value        TEXT    NOT NULL,            -- JSON
    version      INTEGER NOT NULL
);

CREATE TABLE oauth_states (
    state         TEXT    PRIMARY KEY,
    installation  INTEGER NOT NULL,
    pkce_verifier BLOB    NOT NULL,           -- sealed like a secret
    nonce         TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL
);

CREATE TABLE contract_requests (
    installation INTEGER NOT NULL,
    request_key  TEXT    NOT NULL,
    sale_id      INTEGER NOT NULL,
    contract_id  INTEGER,
    claimed_at   INTEGER NOT NULL,
    PRIMARY KEY (installation, request_key)
);

CREATE TABLE sale_contract_links (
    installation INTEGER NOT NULL,
    sale_id      INTEGER NOT NULL,
    contract_id  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (installation, contract_id)
);
CREATE INDEX sale_contract_links_by_sale ON sale_contract_links (installation, sale_id);

CREATE TABLE webhook_inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    installation INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    dedupe_key   TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    UNIQUE (installation, source, dedupe_key)
);

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    installation     INTEGER NOT NULL,
    delivery_id      INTEGER NOT NULL REFERENCES webhook_inbox (id),
    source           TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL,        -- queued | leased | done | parked
    attempts         INTEGER NOT NULL DEFAULT 0,
    available_at     INTEGER NOT NULL,
    leased_by        TEXT,
    lease_token      INTEGER,
    lease_expires_at INTEGER,
    last_error       TEXT,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, available_at, id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    installation INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    action       TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    event        TEXT
);
CREATE INDEX audit_log_by_installation ON audit_log (installation, id);
