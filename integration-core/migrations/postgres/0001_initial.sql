-- integration-core schema, version 1 (PostgreSQL). Times are Unix milliseconds (UTC).

CREATE TABLE installations (
    id          BIGINT PRIMARY KEY,          -- the Oneflow account id
    state       TEXT    NOT NULL,
    tenant      TEXT    UNIQUE,               -- SuperOffice CustN; one installation per tenant
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE secrets (
    installation BIGINT NOT NULL,
    kind         TEXT    NOT NULL,
    sealed       BYTEA  NOT NULL,            -- format byte || nonce || ChaCha20-Poly1305 ciphertext
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (installation, kind)
);

CREATE TABLE settings (
    installation BIGINT PRIMARY KEY,
    value        TEXT    NOT NULL,            -- JSON
    version      BIGINT NOT NULL
);

CREATE TABLE oauth_states (
    state         TEXT    PRIMARY KEY,
    installation  BIGINT NOT NULL,
    pkce_verifier BYTEA  NOT NULL,           -- sealed like a secret
    nonce         TEXT    NOT NULL,
    expires_at    BIGINT NOT NULL
);

CREATE TABLE contract_requests (
    installation BIGINT NOT NULL,
    request_key  TEXT    NOT NULL,
    sale_id      BIGINT NOT NULL,
    contract_id  BIGINT,
    claimed_at   BIGINT NOT NULL,
    PRIMARY KEY (installation, request_key)
);

CREATE TABLE sale_contract_links (
    installation BIGINT NOT NULL,
    sale_id      BIGINT NOT NULL,
    contract_id  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (installation, contract_id)
);
CREATE INDEX sale_contract_links_by_sale ON sale_contract_links (installation, sale_id);

CREATE TABLE webhook_inbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation BIGINT NOT NULL,
    source       TEXT    NOT NULL,
    dedupe_key   TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    received_at  BIGINT NOT NULL,
    UNIQUE (installation, source, dedupe_key)
);

CREATE TABLE jobs (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation     BIGINT NOT NULL,
    delivery_id      BIGINT NOT NULL REFERENCES webhook_inbox (id),
    source           TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL,        -- queued | leased | done | parked
    attempts         BIGINT NOT NULL DEFAULT 0,
    available_at     BIGINT NOT NULL,
    leased_by        TEXT,
    lease_token      BIGINT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, available_at, id);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    action       TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    event        TEXT
);
CREATE INDEX audit_log_by_installation ON audit_log (installation, id);
