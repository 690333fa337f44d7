-- Fleet-wide budget reservations (BudgetReservations, JdbcReservationStore).
-- Version 10 so it never collides with the ledger's own migrations (V3...).
-- Amounts are integer units: micro-units of the currency for cost budgets, tokens for token budgets.
-- Instants are epoch nanoseconds, as in the ledger.

CREATE TABLE tally_budget_account (
    budget_id       VARCHAR(64) NOT NULL,
    window_start_ns BIGINT      NOT NULL,
    limit_units     BIGINT      NOT NULL,
    committed_units BIGINT      NOT NULL DEFAULT 0,
    reserved_units  BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_id, window_start_ns)
);

-- One row per request and budget. state: R reserved, D dispatched, S settled, X settled at the
-- estimate by the sweeper, L released.
CREATE TABLE tally_reservation (
    request_id      VARCHAR(128) NOT NULL,
    budget_id       VARCHAR(64)  NOT NULL,
    window_start_ns BIGINT       NOT NULL,
    measure         VARCHAR(8)   NOT NULL,
    estimate_units  BIGINT       NOT NULL,
    actual_units    BIGINT,
    state           CHAR(1)      NOT NULL,
    created_at_ns   BIGINT       NOT NULL,
    ended_at_ns     BIGINT,
    PRIMARY KEY (request_id, budget_id)
);

CREATE INDEX tally_reservation_open ON tally_reservation (state, created_at_ns);
