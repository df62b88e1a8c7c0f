import { z } from 'zod';
import { ConnectorIdSchema, ConnectorSettingsSchema, DescriptionSchema, MetadataSchema, NameSchema } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { createConnectFlow, type ConnectFlow, type ConnectStartResult } from '../oauth/connect.js';
import { requireConnector, validateConnectorSettings } from '../service/configuration-rules.js';
import { parseOrThrow } from '../service/validation.js';
import type { AppContext } from './context.js';
import type { BearerChallenge } from '../oauth/mcp-auth/index.js';
import type { FlowEndings } from '../oauth/authorization-wait.js';
import type { ConnectService } from '../service/connect.js';

export type { ConnectService };
import type { ConnectCallback } from '../oauth/connect.js';

const MCP_CONNECTOR = 'pc_custom_mcp';

/** What `POST …/configurations/oauth/start` and `configs connect` ask for: the create body minus credentials. */
export const ConnectRequestSchema = z.strictObject({
  personal_connector_id: ConnectorIdSchema,
  name: NameSchema,
  configuration: ConnectorSettingsSchema.optional(),
  description: DescriptionSchema.optional(),
  metadata: MetadataSchema.optional(),
  redirect_uri: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL registered with the OAuth client' })
    .refine((u) => !u.includes('?') && !u.includes('#'), { error: 'must not carry a query string or fragment' })
    .optional(),
});

/** Re-authorizing an existing configuration (new consent, more scopes): `POST …/oauth/start {configuration_id}`. */
export const ReconnectRequestSchema = z.strictObject({
  configuration_id: z.string().min(1).max(128),
  scope: z.string().min(1).max(4096).regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, { error: 'must be space-separated scope tokens (RFC 6749 §3.3)' }).optional(),
  redirect_uri: ConnectRequestSchema.shape.redirect_uri,
});

export function createConnectService(
  ctx: Pick<AppContext, 'registry' | 'settings' | 'oauthClients' | 'configurations' | 'store' | 'sealing' | 'mcpAuth'>,
  opts: {
    /** Told of every flow that ended without new credentials, so a chat waiting for it stops at once. */
    endings?: FlowEndings;
  } = {},
): ConnectService {
  const inner = createConnectFlow({
    settings: ctx.settings,
    clients: ctx.oauthClients,
    mcpAuth: ctx.mcpAuth,
    // Re-authorization goes through the same update path as PATCH: ownership, sealing, audit, events.
    replaceCredentials: (principal, id, credentials) => ctx.configurations.update(principal, id, { credentials }),
    store: ctx.store,
    sealer: ctx.sealing,
    maxPendingPerPrincipal: ctx.settings.limits.max_pending_oauth_flows,
    // The same path as POST /configurations: validation, sealing, audit, events.
    createConfiguration: (principal, input) => ctx.configurations.create(principal, input),
  });
  const flow: ConnectFlow = {
    start: (input) => inner.start(input),
    pending: (state) => inner.pending(state),
    async complete(callback, binding) {
      try {
        return await inner.complete(callback, binding);
      } catch (e) {
        const state = stateOf(callback);
        if (state) opts.endings?.failed(state);
        throw e;
      }
    },
  };
  return {
    flow,
    async start(principal, body, defaultRedirectUri, opts = {}) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ValidationError('request body must be a JSON object with personal_connector_id and name, or with configuration_id');
      }
      if ('configuration_id' in body) return reconnect(principal, parseOrThrow(ReconnectRequestSchema, body), defaultRedirectUri, opts.challenge);
      const input = parseOrThrow(ConnectRequestSchema, body);
      const id = input.personal_connector_id;
      const def = requireConnector(ctx.registry, id);
      if (!def.authMethods.includes('oauth2')) {
        throw new ValidationError(`personal_connector_id: ${id} does not accept oauth2 credentials (it accepts ${def.authMethods.join(', ')})`, 'personal_connector_id', 'oauth_not_supported');
      }
      // A remote MCP server announces its own authorization server: no settings entry is needed.
      if (!ctx.oauthClients.has(id) && id !== MCP_CONNECTOR) {
        throw new ValidationError(
          `personal_connector_id: no OAuth client is configured for ${id}: add oauth.${id} to the settings file (CONNECTOR_GATEWAY_CONFIG)`,
          'personal_connector_id',
          'oauth_not_configured',
        );
      }
      const configuration = validateConnectorSettings(def, input.configuration ?? {});
      return flow.start({
        principal,
        connectorId: id,
        name: input.name,
        configuration,
        redirectUri: input.redirect_uri ?? defaultRedirectUri,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
        ...(opts.challenge ? { challenge: opts.challenge } : {}),
      });
    },
  };

  async function reconnect(principal: Principal, input: z.output<typeof ReconnectRequestSchema>, defaultRedirectUri: string, challenge: BearerChallenge | undefined): Promise<ConnectStartResult> {
    // get() answers someone else's configuration like a missing one.
    const current = await ctx.configurations.get(principal, input.configuration_id);
    const id = current.personal_connector_id;
    const def = requireConnector(ctx.registry, id);
    if (!def.authMethods.includes('oauth2') || (!ctx.oauthClients.has(id) && id !== MCP_CONNECTOR)) {
      throw new ValidationError(`configuration_id: ${current.id} (${id}) cannot be authorized with OAuth here: no OAuth client is configured for ${id}`, 'configuration_id', 'oauth_not_configured');
    }
    return flow.start({
      principal,
      connectorId: id,
      name: current.name,
      configuration: current.configuration,
      redirectUri: input.redirect_uri ?? defaultRedirectUri,
      configurationId: current.id,
      ...(input.scope !== undefined ? { scope: input.scope } : {}),
      ...(challenge ? { challenge } : {}),
    });
  }
}

function stateOf(callback: ConnectCallback): string | undefined {
  if (typeof callback === 'string' || callback instanceof URL) {
    try {
      return new URL(String(callback)).searchParams.get('state') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return callback.state;
}
