-- Fixed-window rate budgets shared by every replica using this database (PostgreSQL).

CREATE TABLE rate_budgets (
    budget_key   TEXT   PRIMARY KEY,          -- e.g. superoffice:Cust12345 or oneflow:<installation>
    window_start BIGINT NOT NULL,             -- Unix milliseconds
    used         BIGINT NOT NULL
);
