-- Fixed-window rate budgets shared by every process using this database (SQLite).

CREATE TABLE rate_budgets (
    budget_key   TEXT    PRIMARY KEY,         -- e.g. superoffice:Cust12345 or oneflow:<installation>
    window_start INTEGER NOT NULL,            -- Unix milliseconds
    used         INTEGER NOT NULL
);
