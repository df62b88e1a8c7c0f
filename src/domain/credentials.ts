import { z } from 'zod';

const secret = (what: string) =>
  z.string({ error: `${what} must be a string` }).min(1, { error: `${what} must not be empty` }).max(16_384, { error: `${what} must be at most 16384 characters` });

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-12-31T23:59:59Z' });

export const ApiKeyCredentialsSchema = z.strictObject({
  type: z.literal('api_key'),
  api_key: secret('api_key'),
});

export const OAuth2CredentialsSchema = z.strictObject({
  type: z.literal('oauth2'),
  access_token: secret('access_token'),
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
  token: secret('token'),
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
