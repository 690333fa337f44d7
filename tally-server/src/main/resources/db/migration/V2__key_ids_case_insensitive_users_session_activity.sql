-- API keys get a public id (to list and revoke them by), an optional expiry and the time of their
-- last use (written at most once a minute per key). Existing keys get an id of the same form as
-- new ones: 'key_' and 16 hex digits.
ALTER TABLE api_keys ADD COLUMN id TEXT;
UPDATE api_keys SET id = 'key_' || lower(hex(randomblob(8)));
CREATE UNIQUE INDEX api_keys_id ON api_keys (id);
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;

-- User ids are unique ignoring case (ids are ASCII, which lower() folds). Users that already clash
-- ('Alice' and 'alice' both created before this migration) keep working: all but the oldest of
-- each clash are marked and left out of the unique index, so no new clash can be created.
ALTER TABLE users ADD COLUMN case_duplicate INTEGER NOT NULL DEFAULT 0;
UPDATE users SET case_duplicate = 1 WHERE EXISTS (
  SELECT 1 FROM users o
  WHERE lower(o.id) = lower(users.id) AND o.id <> users.id
    AND (julianday(o.created_at) < julianday(users.created_at)
         OR (julianday(o.created_at) = julianday(users.created_at) AND o.id < users.id)));
CREATE UNIQUE INDEX users_id_nocase ON users (lower(id)) WHERE case_duplicate = 0;

-- Sessions expire after tally.server.chat.session-ttl without a message: the time of the last
-- message in epoch milliseconds, indexed, so the sweep finds expired sessions without a scan.
ALTER TABLE chat_sessions ADD COLUMN active_ms INTEGER NOT NULL DEFAULT 0;
UPDATE chat_sessions
  SET active_ms = CAST(round((julianday(updated_at) - 2440587.5) * 86400000.0) AS INTEGER);
CREATE INDEX chat_sessions_active ON chat_sessions (active_ms);
