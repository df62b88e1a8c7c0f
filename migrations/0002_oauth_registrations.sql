-- OAuth client registrations (RFC 7591) with remote MCP servers' authorization servers, shared by
-- every replica: one per issuer and redirect URI; the client is in the sealed document.

-- Up Migration
CREATE TABLE cg_oauth_registrations (
  id text COLLATE "C" PRIMARY KEY,
  created_seq bigserial NOT NULL,
  doc jsonb NOT NULL
);

-- Down Migration
DROP TABLE cg_oauth_registrations;
