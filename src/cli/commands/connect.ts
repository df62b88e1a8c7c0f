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
  connector: string;
  name: string;
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
    .description("connect an account through the provider's sign-in and consent (OAuth code + PKCE) and create the configuration; needs oauth.<connector> in the settings file")
    .requiredOption('--connector <id>', 'connector id with an OAuth client in the settings file (pc_github, pc_clickup, pc_jira, pc_teams, pc_custom_mcp)')
    .requiredOption('--name <text>', 'a name for it, e.g. "Work Jira"')
    .option('--config <json>', 'connector settings as a JSON object', '{}')
    .option('--description <text>', 'what it is for')
    .option('--metadata <key=value>', 'a tag; repeat for more', collect)
    .option('--port <n>', 'port of the loopback callback (default: a free one); the OAuth app must accept http://127.0.0.1:<port>/oauth/callback')
    .option('--user <id>', 'act as this user (env CONNECTOR_GATEWAY_USER, default usr_local)')
    .option('--api-key-id <id>', 'act for configurations owned by this API key instead of a user')
    .option('--org <id>', 'organization (env CONNECTOR_GATEWAY_ORG, default org_local)')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print the created configuration as JSON (the authorization URL then goes to stderr)')
    .action(async (opts: ConnectFlags) => {
      const principal = cliPrincipal(opts, io.env);
      const port = parsePort(opts.port);
      const metadata = parseMetadataFlags(opts.metadata);
      const body = {
        personal_connector_id: opts.connector,
        name: opts.name,
        configuration: parseJsonFlag('--config', opts.config, 'configuration'),
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      };
      const created = await withContext(io, opts, async (ctx): Promise<ConfigurationObject> => {
        const connect = createConnectService(ctx);
        let binding: string | undefined;
        const callback = await startLoopbackCallback({ flow: connect.flow, port, binding: () => binding });
        try {
          const started = await connect.start(principal, body, callback.redirectUri);
          binding = started.binding;
          // With --json, stdout carries exactly one document: the result.
          const out = opts.json ? io.stderr : io.stdout;
          out.write(`Open this URL in a browser to connect ${opts.connector} for ${describeOwner(principal)}:\n\n  ${started.authorization_url}\n\nWaiting for the provider to return to ${callback.redirectUri} (until ${started.expires_at}) …\n`);
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
