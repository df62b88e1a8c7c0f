import { z } from 'zod';

const secret = (what: string) =>
  z.string({ error: `${what} must be a string` }).min(1, { error: `${what} must not be empty` }).max(16_384, { error: `${what} must be at most 16384 characters` });

/**
 * Why `value` cannot be an HTTP header value as it stands, or undefined when it can. Header values
 * are visible ASCII with spaces inside (RFC 9110 field-value); a pasted line break, a `…`
 * placeholder or any control or non-ASCII character would be refused by the HTTP client at the
 * first call, or worse, split the header. Never quotes the value: it is a secret.
 */
export function headerValueProblem(value: string): string | undefined {
  if (/^\s|\s$/.test(value)) return 'starts or ends with whitespace (a pasted line break?)';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return `contains a line break at character ${i + 1}`;
    if (c < 0x20 || c === 0x7f) return `contains a control character at character ${i + 1}`;
    if (c > 0x7e) {
      const cp = value.codePointAt(i) ?? c;
      const what = cp === 0x2026 ? 'an ellipsis (…), a placeholder rather than a token?' : `a non-ASCII character (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
      return `contains ${what} at character ${i + 1}`;
    }
  }
  return undefined;
}

/** A secret that is sent in an HTTP header (token, API key, access token). */
const headerSecret = (what: string) =>
  secret(what).superRefine((value, ctx) => {
    const problem = headerValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}; it is sent as an HTTP header value, which allows only visible ASCII characters and inner spaces` });
  });

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-12-31T23:59:59Z' });

export const ApiKeyCredentialsSchema = z.strictObject({
  type: z.literal('api_key'),
  api_key: headerSecret('api_key'),
});

export const OAuth2CredentialsSchema = z.strictObject({
  type: z.literal('oauth2'),
  access_token: headerSecret('access_token'),
  refresh_token: secret('refresh_token').optional(),
  expires_at: isoDateTime.optional(),
  token_type: z.string().max(64).optional(),
  scope: z.string().max(4096).optional(),
  /**
   * Where the tokens come from, set by the gateway's MCP authorization (remote MCP servers): the
   * authorization server that issued them, the resource (RFC 8707) they are for, and the client they
   * were issued to. A refresh goes only to that issuer, with that client, for that resource.
   */
  issuer: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  resource: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  client_id: z.string().min(1).max(2048).optional(),
});

export const BearerCredentialsSchema = z.strictObject({
  type: z.literal('bearer'),
  token: headerSecret('token'),
});

export const CredentialsSchema = z.discriminatedUnion('type', [ApiKeyCredentialsSchema, OAuth2CredentialsSchema, BearerCredentialsSchema], {
  error: 'credentials.type must be one of api_key, oauth2, bearer',
});

export type ApiKeyCredentials = z.infer<typeof ApiKeyCredentialsSchema>;
export type OAuth2Credentials = z.infer<typeof OAuth2CredentialsSchema>;
export type BearerCredentials = z.infer<typeof BearerCredentialsSchema>;
export type Credentials = z.infer<typeof CredentialsSchema>;
export type CredentialType = Credentials['type'];
export const CREDENTIAL_TYPES: readonly CredentialType[] = ['api_key', 'oauth2', 'bearer'];

/** The value that goes on the wire for this credential (token or key), whatever its type. */
export function credentialSecret(c: Credentials): string {
  switch (c.type) {
    case 'api_key':
      return c.api_key;
    case 'oauth2':
      return c.access_token;
    case 'bearer':
      return c.token;
  }
}

/**
 * Where the clear credentials come from during a call. Connectors get this, never the vault:
 * `get()` unseals (and refreshes an OAuth2 token near expiry); `refresh()` forces a refresh after
 * the service answered 401 to a token believed valid, and returns undefined when it cannot.
 */
export interface CredentialSource {
  readonly type: CredentialType | undefined;
  get(signal?: AbortSignal): Promise<Credentials | undefined>;
  refresh(rejected: Credentials, signal?: AbortSignal): Promise<Credentials | undefined>;
}
