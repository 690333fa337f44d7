-- Tally usage store, compact layout (V3), one source for SQLite and PostgreSQL. Placeholders
-- (set by JdbcUsageStore per dialect): ${blob} BLOB | BYTEA; ${seq_pk} the row sequence key
-- (SQLite: the rowid; PostgreSQL: an identity); ${histogram} BLOB (sparse) | INTEGER[] (dense,
-- merged element-wise); ${rollup_options} WITHOUT ROWID | WITH (fillfactor = 70).
-- The V2 tables are renamed here and their rows moved by the Java migration 3.1, then dropped.

ALTER TABLE tally_event RENAME TO tally_event_v2;
ALTER TABLE tally_event_content RENAME TO tally_event_content_v2;
ALTER TABLE tally_rollup_hour RENAME TO tally_rollup_hour_v2;

-- Small-int codes for low-cardinality text. Kinds: 1 operation, 2 model, 3 provider, 4 currency,
-- 5 price version (codes from 1 as values appear), 6 outcome, 7 token source (fixed codes).
-- Code 0 is never stored here: it means "none".
CREATE TABLE tally_code (
  kind SMALLINT NOT NULL,
  code INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (kind, code)
);
CREATE UNIQUE INDEX tally_code_value_uq ON tally_code (kind, value);
INSERT INTO tally_code (kind, code, value) VALUES (6, 1, 'SUCCESS');
INSERT INTO tally_code (kind, code, value) VALUES (6, 2, 'ERROR');
INSERT INTO tally_code (kind, code, value) VALUES (6, 3, 'CANCELLED');
INSERT INTO tally_code (kind, code, value) VALUES (7, 1, 'REPORTED');
INSERT INTO tally_code (kind, code, value) VALUES (7, 2, 'ESTIMATED');
INSERT INTO tally_code (kind, code, value) VALUES (7, 3, 'MISSING');

-- One row per event. id: 16 bytes for a UUID, else the caller's id as UTF-8 padded to >= 17 bytes
-- (never equal to a UUID's). cold: the fields reports never read, packed (docs/STORE.md).
-- No per-subject index: per-user reports come from rollups, per-user listings scan by time.
CREATE TABLE tally_event (
  seq ${seq_pk},
  id ${blob} NOT NULL,
  occurred_at_ns BIGINT NOT NULL,
  subject TEXT NOT NULL,
  operation INTEGER NOT NULL,
  model INTEGER NOT NULL,
  provider INTEGER NOT NULL,
  outcome SMALLINT NOT NULL,
  token_source SMALLINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  cached_input_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  duration_ns BIGINT NOT NULL,
  duration_bucket SMALLINT NOT NULL,
  cost_nanos BIGINT,
  currency INTEGER NOT NULL,
  price_version INTEGER NOT NULL,
  cold ${blob} NOT NULL
);
CREATE UNIQUE INDEX tally_event_id_uq ON tally_event (id);
CREATE INDEX tally_event_at_idx ON tally_event (occurred_at_ns, id);

CREATE TABLE tally_event_content (
  id ${blob} NOT NULL PRIMARY KEY,
  occurred_at_ns BIGINT NOT NULL,
  input_text TEXT,
  output_text TEXT
);
CREATE INDEX tally_event_content_at_idx ON tally_event_content (occurred_at_ns);

-- Hourly rollups, keyed by codes; the duration histogram is one column.
CREATE TABLE tally_rollup_hour (
  hour_start_ns BIGINT NOT NULL,
  subject TEXT NOT NULL,
  operation INTEGER NOT NULL,
  model INTEGER NOT NULL,
  outcome SMALLINT NOT NULL,
  currency INTEGER NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  cached_input_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  tokens_missing BIGINT NOT NULL,
  cost_nanos BIGINT NOT NULL,
  unpriced BIGINT NOT NULL,
  duration_sum_us BIGINT NOT NULL,
  duration_max_ns BIGINT NOT NULL,
  histogram ${histogram} NOT NULL,
  PRIMARY KEY (hour_start_ns, subject, operation, model, outcome, currency)
) ${rollup_options};
CREATE INDEX tally_rollup_hour_subject_idx ON tally_rollup_hour (subject, hour_start_ns);

-- Rollups hold exactly the events with seq <= this mark; rows after it are read raw by reports
-- and folded in by the next flush (SQLite defers rollups; PostgreSQL writes them with each batch).
CREATE TABLE tally_rollup_mark (
  id SMALLINT NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL
);
INSERT INTO tally_rollup_mark (id, seq) VALUES (1, 0);
