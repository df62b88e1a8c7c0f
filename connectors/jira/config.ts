import { z } from 'zod';
import { commonConfigFields } from '../kit/connector.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { ValidationError } from '../../src/domain/errors.js';

export const PROJECT_KEY_RE = /^[A-Z][A-Z0-9_]{1,9}$/;
const CLOUD_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Atlassian account ids: "5b10ac8d82e05b22cc7d4ef5" or "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077". */
export const ACCOUNT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9:_-]{0,127}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** zod 4 runs refinements even after the URL format check failed, so they must not assume a URL. */
function parseUrl(u: string): URL | undefined {
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
}

const siteUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://acme.atlassian.net' })
  .refine((u) => {
    const p = parseUrl(u);
    return p === undefined || p.protocol === 'https:' || LOOPBACK_HOSTS.has(p.hostname) || p.hostname.startsWith('127.');
  }, {
    error: 'must use https (http is accepted only on loopback)',
  })
  .refine((u) => {
    const p = parseUrl(u);
    return p === undefined || ((p.pathname === '/' || p.pathname === '') && p.search === '' && p.hash === '');
  }, { error: 'must be the site origin without a path, e.g. https://acme.atlassian.net' })
  .transform((u) => parseUrl(u)?.origin ?? u);

/** An email (looked up through /user/search) or an Atlassian accountId. */
export const assigneeRef = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(254)
  .refine((v) => z.email().safeParse(v).success || ACCOUNT_ID_RE.test(v), { error: 'must be an email address or an Atlassian accountId' });

export const JiraConfigSchema = z
  .strictObject({
    ...commonConfigFields,
    site_url: siteUrl.optional(),
    cloud_id: z.string().regex(CLOUD_ID_RE, { error: 'must be the Atlassian cloud id (a UUID from accessible-resources)' }).optional(),
    email: z.email({ error: 'must be the Atlassian account email' }).optional(),
    project_key: z.string().regex(PROJECT_KEY_RE, { error: 'must be 2-10 characters: an uppercase letter, then uppercase letters, digits or _' }).optional(),
    issue_type: z.string().trim().min(1, { error: 'must not be empty' }).max(255).default('Task'),
    default_assignee: assigneeRef.optional(),
  })
  .refine((c) => c.site_url !== undefined || c.cloud_id !== undefined, {
    error: 'set site_url (https://<site>.atlassian.net, API token) or cloud_id (OAuth 2.0 through api.atlassian.com)',
    path: ['site_url'],
  });
export type JiraConfig = z.infer<typeof JiraConfigSchema>;

/**
 * With a cloud id, requests go through the Atlassian API gateway (OAuth 2.0 3LO and scoped API
 * tokens need it); otherwise straight to the site.
 */
export function jiraBaseUrl(c: JiraConfig): string {
  if (c.cloud_id !== undefined) return `https://api.atlassian.com/ex/jira/${c.cloud_id}`;
  return c.site_url ?? '';
}

/** Browse links need the site itself; through the API gateway alone there is none to build. */
export function browseUrl(c: JiraConfig, key: string): string | undefined {
  return c.site_url !== undefined ? `${c.site_url}/browse/${key}` : undefined;
}

export function jiraAuthorize(credentials: Credentials, config: JiraConfig): Record<string, string> {
  switch (credentials.type) {
    case 'api_key': {
      // Jira Cloud API tokens are Basic auth: base64(email:token); the token alone is refused.
      if (config.email === undefined) {
        throw new ValidationError('email is required in the Jira configuration when the credentials are an api_key (Basic auth sends email:api_token)', 'configuration.email');
      }
      return { Authorization: `Basic ${Buffer.from(`${config.email}:${credentials.api_key}`, 'utf8').toString('base64')}` };
    }
    case 'oauth2':
      return { Authorization: `Bearer ${credentials.access_token}` };
    case 'bearer':
      return { Authorization: `Bearer ${credentials.token}` };
  }
}
