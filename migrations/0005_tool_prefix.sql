-- Each configuration's tool prefix (`<tool_prefix>_<tool>`), given once and kept, so a
-- configuration's tool names never move to another one. A copy of doc->>'tool_prefix', unique per
-- owner (the empty prefix, "no prefix", is not a name and may repeat). Rows written before this
-- migration have none: the gateway gives them theirs when it opens the database (the prefix their
-- tools had until then), see src/store/postgres/tool-prefixes.ts.

-- Up Migration
ALTER TABLE cg_configurations ADD COLUMN tool_prefix text COLLATE "C";
CREATE UNIQUE INDEX cg_configurations_tool_prefix ON cg_configurations (owner_key, tool_prefix) WHERE tool_prefix <> '';
CREATE INDEX cg_configurations_without_tool_prefix ON cg_configurations (owner_key) WHERE tool_prefix IS NULL;

-- Down Migration
DROP INDEX cg_configurations_without_tool_prefix;
DROP INDEX cg_configurations_tool_prefix;
ALTER TABLE cg_configurations DROP COLUMN tool_prefix;
