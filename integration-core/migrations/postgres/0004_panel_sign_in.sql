-- Panel sign-in (PostgreSQL): why an OAuth login was started, and one-time hand-offs.

-- The one callback URL serves setup and the panel's sign-in; older rows were setup logins.
ALTER TABLE oauth_states ADD COLUMN purpose TEXT NOT NULL DEFAULT 'setup';

-- A signed-in panel session handed from the sign-in pop-up to its frame by a one-time code.
CREATE TABLE handoffs (
    code_hash  TEXT PRIMARY KEY,              -- SHA-256 of the one-time code (hex), never the code
    payload    TEXT NOT NULL,                 -- sealed by the caller
    expires_at BIGINT NOT NULL                -- Unix milliseconds
);
