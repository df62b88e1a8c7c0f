import { z } from 'zod';
import { ConnectorIdSchema, ConnectorSettingsSchema, DescriptionSchema, MetadataSchema, NameSchema } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { createConnectFlow, type ConnectFlow, type ConnectStartResult } from '../oauth/connect.js';
import { requireConnector, validateConnectorSettings } from '../service/configuration-rules.js';
import { parseOrThrow } from '../service/validation.js';
import type { AppContext } from './context.js';

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

export interface ConnectService {
  /**
   * Checks everything that can be checked before the user is sent to the provider (connector, OAuth
   * client, settings), so a typo does not cost a round trip through a consent screen.
   */
  start(principal: Principal, body: unknown, defaultRedirectUri: string): Promise<ConnectStartResult>;
  /** The flow itself, for callers that complete callbacks (the REST route, the CLI listener). */
  readonly flow: ConnectFlow;
}

export function createConnectService(ctx: Pick<AppContext, 'registry' | 'settings' | 'oauthClients' | 'configurations' | 'store' | 'sealing'>): ConnectService {
  const flow = createConnectFlow({
    settings: ctx.settings,
    clients: ctx.oauthClients,
    store: ctx.store,
    sealer: ctx.sealing,
    maxPendingPerPrincipal: ctx.settings.limits.max_pending_oauth_flows,
    // The same path as POST /configurations: validation, sealing, audit, events.
    createConfiguration: (principal, input) => ctx.configurations.create(principal, input),
  });
  return {
    flow,
    async start(principal, body, defaultRedirectUri) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ValidationError('request body must be a JSON object with personal_connector_id and name');
      }
      const input = parseOrThrow(ConnectRequestSchema, body);
      const id = input.personal_connector_id;
      const def = requireConnector(ctx.registry, id);
      if (!def.authMethods.includes('oauth2')) {
        throw new ValidationError(`personal_connector_id: ${id} does not accept oauth2 credentials (it accepts ${def.authMethods.join(', ')})`, 'personal_connector_id', 'oauth_not_supported');
      }
      if (!ctx.oauthClients.has(id)) {
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
      });
    },
  };
}
