-- Settings every process sharing the database reads the same way (connector-gateway settings).

-- Up Migration
CREATE TABLE cg_settings (
  id integer PRIMARY KEY CHECK (id = 1),
  doc jsonb NOT NULL
);

-- Down Migration
DROP TABLE cg_settings;
