/**
 * Known OAuth endpoints of the built-in services, so a settings file only needs the client id and
 * secret registered with the service. These are documentation first: the settings schema asks for
 * `issuer` or `token_endpoint`, and `clients.ts` fills a missing `authorization_endpoint` from here when
 * the token endpoint is the preset's.
 *
 * - GitHub (OAuth App / GitHub App user tokens): no discovery. Scopes are GitHub's (`repo`,
 *   `read:org`); GitHub App user tokens expire after 8 h and come with a refresh token, OAuth App tokens
 *   do not expire. GitHub answers token errors with HTTP 200 and an `error` field (handled in clients.ts).
 * - Atlassian (Jira Cloud, OAuth 2.0 3LO): `audience=api.atlassian.com` and `prompt=consent` are
 *   required authorization parameters, `offline_access` gives a rotating refresh token. API calls go
 *   to https://api.atlassian.com/ex/jira/{cloud_id}/rest/api/3/… (configure `cloud_id`).
 * - Microsoft identity platform (Teams through Microsoft Graph): discovery on
 *   https://login.microsoftonline.com/{tenant}/v2.0 (tenant id, `organizations` or `common`);
 *   scopes `offline_access` plus Graph scopes such as `ChannelMessage.Send`, `Channel.ReadBasic.All`,
 *   `Team.ReadBasic.All`, or `https://graph.microsoft.com/.default`.
 * - ClickUp: authorize on https://app.clickup.com/api, token on
 *   https://api.clickup.com/api/v2/oauth/token; no scopes, tokens do not expire, no refresh token.
 */
export interface OAuthPreset {
  authorization_endpoint?: string;
  token_endpoint?: string;
  /** For services with discovery; `{tenant}` is a placeholder. */
  issuer?: string;
  scopes: string[];
  authorization_params?: Record<string, string>;
}

export const OAUTH_PRESETS: Readonly<Record<string, OAuthPreset>> = {
  pc_github: {
    authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token',
    scopes: ['repo', 'read:org'],
  },
  pc_jira: {
    authorization_endpoint: 'https://auth.atlassian.com/authorize',
    token_endpoint: 'https://auth.atlassian.com/oauth/token',
    scopes: ['read:jira-work', 'write:jira-work', 'read:jira-user', 'offline_access'],
    authorization_params: { audience: 'api.atlassian.com', prompt: 'consent' },
  },
  pc_teams: {
    issuer: 'https://login.microsoftonline.com/{tenant}/v2.0',
    scopes: ['offline_access', 'ChannelMessage.Send', 'ChannelMessage.Read.All', 'Channel.ReadBasic.All', 'Team.ReadBasic.All'],
  },
  pc_clickup: {
    authorization_endpoint: 'https://app.clickup.com/api',
    token_endpoint: 'https://api.clickup.com/api/v2/oauth/token',
    scopes: [],
  },
};

/** The preset's authorization endpoint when the configured token endpoint is the preset's one. */
export function presetAuthorizationEndpoint(connectorId: string, tokenEndpoint: string | undefined): string | undefined {
  const preset = OAUTH_PRESETS[connectorId];
  return preset && tokenEndpoint && preset.token_endpoint === tokenEndpoint ? preset.authorization_endpoint : undefined;
}
