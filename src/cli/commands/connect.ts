import type { Command } from 'commander';
import { createConnectService } from '../../app/connect.js';
import type { ConfigurationObject } from '../../domain/configuration.js';
import { ValidationError } from '../../domain/errors.js';
import { describeOwner } from '../../domain/principal.js';
import { startLoopbackCallback } from '../../oauth/loopback-callback.js';
import { cliPrincipal, collect, parseJsonFlag, parseMetadataFlags, type PrincipalFlags } from '../args.js';
import { withContext, type DataFlags } from '../context.js';
import type { CliIO } from '../io.js';
import { printJson, printObject } from '../output.js';

interface ConnectFlags extends PrincipalFlags, DataFlags {
  connector?: string;
  name?: string;
  id?: string;
  scope?: string;
  config: string;
  description?: string;
  metadata?: string[];
  port?: string;
  json?: boolean;
}

/**
 * `configs connect`: the OAuth authorization code flow from a terminal. A listener on 127.0.0.1
 * receives the browser coming back from the provider; the tokens go straight into the sealed
 * configuration and are never printed.
 */
export function registerConnect(configs: Command, io: CliIO): void {
  configs
    .command('connect')
    .description(
      "connect an account through the provider's sign-in and consent (OAuth code + PKCE) and create the configuration; needs oauth.<connector> in the settings file, except for pc_custom_mcp, whose server announces its own authorization server; --id re-authorizes an existing configuration",
    )
    .option('--connector <id>', 'connector id: pc_custom_mcp (any OAuth-protected remote MCP server), or one with an OAuth client in the settings file (pc_github, pc_clickup, pc_jira, pc_teams)')
    .option('--name <text>', 'a name for it, e.g. "Work Jira" (default: the MCP server\'s host for pc_custom_mcp)')
    .option('--id <configuration>', 're-authorize this configuration instead of creating one (new consent, e.g. after the server revoked the grant)')
    .option('--scope <scopes>', 'with --id: the scopes to ask for (space-separated), e.g. after a call needed more')
    .option('--config <json>', 'connector settings as a JSON object', '{}')
    .option('--description <text>', 'what it is for')
    .option('--metadata <key=value>', 'a tag; repeat for more', collect)
    .option('--port <n>', 'port of the loopback callback (default: a free one); the OAuth app must accept http://127.0.0.1:<port>/oauth/callback')
    .option('--user <id>', 'act as this user (env CONNECTOR_GATEWAY_USER, default usr_local)')
    .option('--api-key-id <id>', 'act for configurations owned by this API key instead of a user')
    .option('--org <id>', 'organization (env CONNECTOR_GATEWAY_ORG, default org_local)')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--json', 'print the created configuration as JSON (the authorization URL then goes to stderr)')
    .action(async (opts: ConnectFlags) => {
      const principal = cliPrincipal(opts, io.env);
      const port = parsePort(opts.port);
      const metadata = parseMetadataFlags(opts.metadata);
      const body = opts.id !== undefined ? reconnectBody(opts) : createBody(opts, metadata);
      const created = await withContext(io, opts, async (ctx): Promise<ConfigurationObject> => {
        const connect = createConnectService(ctx);
        let binding: string | undefined;
        const callback = await startLoopbackCallback({ flow: connect.flow, port, binding: () => binding });
        try {
          const started = await connect.start(principal, body, callback.redirectUri);
          binding = started.binding;
          // With --json, stdout carries exactly one document: the result.
          const out = opts.json ? io.stderr : io.stdout;
          out.write(`Open this URL in a browser to connect ${opts.id ?? opts.connector ?? ''} for ${describeOwner(principal)}:\n\n  ${started.authorization_url}\n\nWaiting for the provider to return to ${callback.redirectUri} (until ${started.expires_at}) …\n`);
          return await callback.result;
        } finally {
          await callback.close();
        }
      });
      if (opts.json) {
        printJson(io, created);
        return;
      }
      io.stdout.write(`Connected ${created.id}\n`);
      printObject(io, created as unknown as Record<string, unknown>);
    });
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new ValidationError(`port: --port must be 0-65535, not ${JSON.stringify(text)}`, 'port');
  return port;
}

function reconnectBody(opts: ConnectFlags): Record<string, unknown> {
  if (opts.connector !== undefined || opts.name !== undefined || opts.config !== '{}') {
    throw new ValidationError('id: --id re-authorizes an existing configuration as it is; leave out --connector, --name and --config', 'id');
  }
  return { configuration_id: opts.id, ...(opts.scope !== undefined ? { scope: opts.scope } : {}) };
}

function createBody(opts: ConnectFlags, metadata: Record<string, string | null> | undefined): Record<string, unknown> {
  if (opts.connector === undefined) throw new ValidationError('connector: --connector is required (or --id to re-authorize a configuration)', 'connector');
  if (opts.scope !== undefined) throw new ValidationError('scope: --scope goes with --id (a new connection asks for the scopes the server announces)', 'scope');
  const configuration = parseJsonFlag('--config', opts.config, 'configuration');
  return {
    personal_connector_id: opts.connector,
    name: opts.name ?? defaultName(opts.connector, configuration),
    configuration,
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/** A remote MCP server is named after its host; other connectors need --name. */
function defaultName(connector: string, configuration: unknown): string {
  const endpoint = (configuration as { endpoint?: unknown } | null)?.endpoint;
  if (connector === 'pc_custom_mcp' && typeof endpoint === 'string') {
    try {
      return new URL(endpoint).host;
    } catch {
      // validation names the bad endpoint
    }
  }
  throw new ValidationError('name: --name is required', 'name');
}
