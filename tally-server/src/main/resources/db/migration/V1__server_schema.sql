-- The server's own tables (users, API keys, chat sessions). The usage ledger lives in its own
-- database (tally.store.url) with its own migrations and history table.
CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  email       TEXT,
  admin       INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL
);

-- Only the SHA-256 of a key is stored; the key itself is shown once, at creation.
CREATE TABLE api_keys (
  key_hash    TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  TEXT NOT NULL
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE chat_sessions (
  id          TEXT PRIMARY KEY,
  subject     TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE chat_messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
  role        TEXT NOT NULL,
  content     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX chat_messages_session ON chat_messages (session_id, id);
