-- The PostgreSQL store's first schema (see docs/deployment.md and src/store/postgres/).
-- Records are kept whole as JSONB documents (`doc`), so a field another version of the gateway adds
-- to a record round-trips untouched; the columns beside them are copies of what queries filter,
-- order and lock on. Identifiers use the "C" collation so the database orders them exactly as
-- JavaScript compares strings (the embedded store's order).

-- Up Migration
CREATE TABLE cg_configurations (
  id text COLLATE "C" PRIMARY KEY,
  owner_key text COLLATE "C" NOT NULL,
  organization_id text COLLATE "C" NOT NULL,
  personal_connector_id text COLLATE "C" NOT NULL,
  enabled boolean NOT NULL,
  health_status text NOT NULL,
  -- created_at in milliseconds, as the embedded store orders it (Date.parse), then id.
  created_ms bigint NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  doc jsonb NOT NULL
);
CREATE INDEX cg_configurations_owner_order ON cg_configurations (owner_key, created_ms, id);
CREATE INDEX cg_configurations_metadata ON cg_configurations USING gin ((doc -> 'metadata') jsonb_path_ops);

CREATE TABLE cg_api_keys (
  id text COLLATE "C" PRIMARY KEY,
  organization_id text COLLATE "C" NOT NULL,
  secret_hash text COLLATE "C" NOT NULL UNIQUE,
  created_seq bigserial NOT NULL,
  doc jsonb NOT NULL
);
CREATE INDEX cg_api_keys_organization ON cg_api_keys (organization_id, created_seq);

-- Append order is the audit trail's order (newest first when listed); `seq` keeps it across replicas.
CREATE TABLE cg_audit_events (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL,
  organization_id text COLLATE "C" NOT NULL,
  user_id text COLLATE "C",
  api_key_id text COLLATE "C",
  doc jsonb NOT NULL
);
CREATE INDEX cg_audit_events_id ON cg_audit_events (id);
CREATE INDEX cg_audit_events_user ON cg_audit_events (organization_id, user_id, seq);
CREATE INDEX cg_audit_events_key ON cg_audit_events (organization_id, api_key_id, seq);

-- Pending OAuth authorizations: id is sha256(state); the secrets are in the sealed document.
CREATE TABLE cg_oauth_flows (
  id text COLLATE "C" PRIMARY KEY,
  owner_key text COLLATE "C" NOT NULL,
  expires_at timestamptz NOT NULL,
  doc jsonb NOT NULL
);
CREATE INDEX cg_oauth_flows_owner ON cg_oauth_flows (owner_key);
CREATE INDEX cg_oauth_flows_expiry ON cg_oauth_flows (expires_at);

-- One holder per key across every replica (e.g. one OAuth refresh at a time); a holder that died
-- loses its lease when `expires_at` passes.
CREATE TABLE cg_leases (
  key text COLLATE "C" PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- The change feed: one row per committed change, in commit order (writers serialise the insert
-- with a transaction-level advisory lock), announced with NOTIFY cg_changes. Replicas read it to
-- keep caches and open sessions current, and poll it when a notification may have been missed.
CREATE TABLE cg_changes (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  origin text NOT NULL,
  kind text NOT NULL,
  op text NOT NULL,
  id text COLLATE "C" NOT NULL,
  before jsonb,
  after jsonb
);
CREATE INDEX cg_changes_at ON cg_changes (at);

-- Token buckets shared by every replica, so a rate limit holds for the whole deployment.
CREATE TABLE cg_rate_buckets (
  key text COLLATE "C" PRIMARY KEY,
  tokens double precision NOT NULL,
  at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE cg_rate_buckets;
DROP TABLE cg_changes;
DROP TABLE cg_leases;
DROP TABLE cg_oauth_flows;
DROP TABLE cg_audit_events;
DROP TABLE cg_api_keys;
DROP TABLE cg_configurations;
