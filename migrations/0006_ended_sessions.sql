-- 2025-era MCP sessions their client ended (DELETE), by the sha256 digest of their id, kept until
-- the id's lifetime ends (it stops opening then anyway). Any replica refuses an id listed here
-- (404), not only the one that received the DELETE; the change feed ('session', 'ended') tells the
-- replicas holding the session to close their copy.

-- Up Migration
CREATE TABLE cg_ended_sessions (
  id text COLLATE "C" PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX cg_ended_sessions_expires_at ON cg_ended_sessions (expires_at);

-- Down Migration
DROP TABLE cg_ended_sessions;
