/**
 * One refused create request per rule of the configuration object, with the field the error must
 * name. Shared by the service, REST and CLI tests.
 */
export interface Refusal {
  rule: string;
  body: Record<string, unknown>;
  param: string;
  status: number;
}

const gh = {
  personal_connector_id: 'pc_github',
  name: 'My GitHub',
  configuration: { repository: 'acme/backend' },
  credentials: { type: 'api_key', api_key: 'ghp_refusedSecret' },
};
const with_ = (patch: Record<string, unknown>) => ({ ...gh, ...patch });
const without = (key: keyof typeof gh) => Object.fromEntries(Object.entries(gh).filter(([k]) => k !== key));

export const REFUSALS: Refusal[] = [
  { rule: 'id is assigned by the server', body: with_({ id: 'pconf_mine' }), param: 'id', status: 400 },
  { rule: 'object is a constant, not input', body: with_({ object: 'personal_connector.configuration' }), param: 'object', status: 400 },
  { rule: 'user_id must be the caller', body: with_({ user_id: 'usr_someone_else' }), param: 'user_id', status: 403 },
  { rule: 'api_key_id must be the caller', body: with_({ api_key_id: 'key_other' }), param: 'api_key_id', status: 403 },
  { rule: 'organization_id must be the caller', body: with_({ organization_id: 'org_other' }), param: 'organization_id', status: 403 },
  { rule: 'personal_connector_id is required', body: without('personal_connector_id'), param: 'personal_connector_id', status: 400 },
  { rule: 'personal_connector_id must be known', body: with_({ personal_connector_id: 'pc_gitlab' }), param: 'personal_connector_id', status: 400 },
  { rule: 'personal_connector_id format', body: with_({ personal_connector_id: 'GitHub' }), param: 'personal_connector_id', status: 400 },
  { rule: 'name is required', body: without('name'), param: 'name', status: 400 },
  { rule: 'name must not be empty', body: with_({ name: '   ' }), param: 'name', status: 400 },
  { rule: 'name at most 100 characters', body: with_({ name: 'n'.repeat(101) }), param: 'name', status: 400 },
  { rule: 'name is a string', body: with_({ name: 42 }), param: 'name', status: 400 },
  { rule: 'configuration is an object', body: with_({ configuration: ['acme/backend'] }), param: 'configuration', status: 400 },
  { rule: 'github: repository is owner/repo', body: with_({ configuration: { repository: 'backend' } }), param: 'configuration.repository', status: 400 },
  { rule: 'github: unknown setting', body: with_({ configuration: { repo: 'acme/backend' } }), param: 'configuration.repo', status: 400 },
  {
    rule: 'clickup: default_priority 1-4',
    body: { personal_connector_id: 'pc_clickup', name: 'Work ClickUp', configuration: { workspace_id: '12345', default_priority: 9 }, credentials: { type: 'api_key', api_key: 'pk_x' } },
    param: 'configuration.default_priority',
    status: 400,
  },
  {
    rule: 'jira: a site is required',
    body: { personal_connector_id: 'pc_jira', name: 'Jira', configuration: { project_key: 'PROJ' }, credentials: { type: 'api_key', api_key: 'x' } },
    param: 'configuration.site_url',
    status: 400,
  },
  {
    rule: 'teams: unknown setting',
    body: { personal_connector_id: 'pc_teams', name: 'Teams', configuration: { team: 'x' }, credentials: { type: 'bearer', token: 't' } },
    param: 'configuration.team',
    status: 400,
  },
  {
    rule: 'custom mcp: endpoint is an http(s) URL',
    body: { personal_connector_id: 'pc_custom_mcp', name: 'Mine', configuration: { endpoint: 'ftp://my-server.com/api' } },
    param: 'configuration.endpoint',
    status: 400,
  },
  {
    rule: 'custom mcp: endpoint is required',
    body: { personal_connector_id: 'pc_custom_mcp', name: 'Mine', configuration: { custom_settings: {} } },
    param: 'configuration.endpoint',
    status: 400,
  },
  { rule: 'credentials required for github', body: without('credentials'), param: 'credentials', status: 400 },
  { rule: 'credentials.type is known', body: with_({ credentials: { type: 'password', password: 'x' } }), param: 'credentials.type', status: 400 },
  {
    rule: 'credentials.type among the connector auth methods',
    body: { personal_connector_id: 'pc_teams', name: 'Teams', configuration: {}, credentials: { type: 'api_key', api_key: 'x' } },
    param: 'credentials.type',
    status: 400,
  },
  { rule: 'api_key credentials need api_key', body: with_({ credentials: { type: 'api_key' } }), param: 'credentials.api_key', status: 400 },
  { rule: 'bearer token not empty', body: with_({ credentials: { type: 'bearer', token: '' } }), param: 'credentials.token', status: 400 },
  {
    rule: 'oauth2 expires_at is ISO 8601',
    body: with_({ credentials: { type: 'oauth2', access_token: 'a', expires_at: 'tomorrow' } }),
    param: 'credentials.expires_at',
    status: 400,
  },
  { rule: 'credentials: no unknown fields', body: with_({ credentials: { type: 'bearer', token: 't', user: 'x' } }), param: 'credentials.user', status: 400 },
  { rule: 'enabled is a boolean', body: with_({ enabled: 'yes' }), param: 'enabled', status: 400 },
  { rule: 'health_status is not input', body: with_({ health_status: 'healthy' }), param: 'health_status', status: 400 },
  { rule: 'last_sync_at is not input', body: with_({ last_sync_at: '2025-01-01T00:00:00Z' }), param: 'last_sync_at', status: 400 },
  { rule: 'created_at is not input', body: with_({ created_at: '2025-01-01T00:00:00Z' }), param: 'created_at', status: 400 },
  { rule: 'description is a string', body: with_({ description: 7 }), param: 'description', status: 400 },
  { rule: 'description at most 1000 characters', body: with_({ description: 'd'.repeat(1001) }), param: 'description', status: 400 },
  { rule: 'metadata values are strings', body: with_({ metadata: { team: 5 } }), param: 'metadata.team', status: 400 },
  { rule: 'metadata values at most 500 characters', body: with_({ metadata: { team: 'v'.repeat(501) } }), param: 'metadata.team', status: 400 },
  { rule: 'metadata keys at most 40 characters', body: with_({ metadata: { ['k'.repeat(41)]: 'v' } }), param: 'metadata', status: 400 },
  {
    rule: 'metadata at most 50 keys',
    body: with_({ metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }),
    param: 'metadata',
    status: 400,
  },
  { rule: 'metadata is an object', body: with_({ metadata: 'team=x' }), param: 'metadata', status: 400 },
  { rule: 'unknown fields are refused', body: with_({ colour: 'blue' }), param: 'colour', status: 400 },
];
