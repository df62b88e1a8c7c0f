-- The key policy (which key seals, which are retired), one row shared by every replica.

-- Up Migration
CREATE TABLE cg_key_policy (
  id integer PRIMARY KEY CHECK (id = 1),
  doc jsonb NOT NULL
);

-- Down Migration
DROP TABLE cg_key_policy;
