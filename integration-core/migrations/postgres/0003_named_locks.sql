-- Named locks with expiry, e.g. one token refresh per tenant across replicas (PostgreSQL).

CREATE TABLE named_locks (
    name       TEXT PRIMARY KEY,              -- e.g. superoffice-token-refresh:Cust12345
    holder     TEXT NOT NULL,                 -- who holds it, for diagnostics
    token      BIGINT NOT NULL,               -- fencing token of this holding
    expires_at BIGINT NOT NULL                -- Unix milliseconds
);
