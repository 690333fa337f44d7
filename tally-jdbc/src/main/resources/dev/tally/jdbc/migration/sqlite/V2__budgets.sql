-- Budgets and their alert outbox live beside the ledger, so "once per window" survives restarts.
-- Amounts are decimal text (exact in both dialects); instants are epoch milliseconds.

CREATE TABLE tally_budget (
    id             VARCHAR(64)  PRIMARY KEY,
    subject        VARCHAR(256) NOT NULL,
    measure        VARCHAR(16)  NOT NULL,
    limit_amount   VARCHAR(64)  NOT NULL,
    currency       VARCHAR(3),
    window_kind    VARCHAR(16)  NOT NULL,
    window_zone    VARCHAR(64),
    rolling_hours  INTEGER,
    thresholds     VARCHAR(256) NOT NULL,
    action         VARCHAR(16)  NOT NULL,
    webhook_url    VARCHAR(2048),
    webhook_secret VARCHAR(512)
);

CREATE TABLE tally_alert (
    id              VARCHAR(64)  PRIMARY KEY,
    budget_id       VARCHAR(64)  NOT NULL,
    subject         VARCHAR(256) NOT NULL,
    threshold       INTEGER      NOT NULL,
    measure         VARCHAR(16)  NOT NULL,
    spent           VARCHAR(64)  NOT NULL,
    limit_amount    VARCHAR(64)  NOT NULL,
    currency        VARCHAR(3),
    window_start    BIGINT       NOT NULL,
    window_end      BIGINT       NOT NULL,
    fired_at        BIGINT       NOT NULL,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at BIGINT       NOT NULL,
    delivered_at    BIGINT,
    last_error      VARCHAR(1024)
);

CREATE INDEX tally_alert_due ON tally_alert (delivered_at, next_attempt_at);
CREATE INDEX tally_alert_fired ON tally_alert (fired_at);
