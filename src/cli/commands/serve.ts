import type { Command } from 'commander';
import { openAppContext } from '../../app/context.js';
import { createLogger } from '../../app/logger.js';
import { ValidationError } from '../../domain/errors.js';
import { startServe } from '../../app/serve.js';
import { cliPrincipal, nonEmpty } from '../args.js';
import type { CliIO } from '../io.js';
import { ensureFirstRunKey } from './first-run.js';

interface ServeFlags {
  transport?: string;
  host?: string;
  port?: string;
  data?: string;
  databaseUrl?: string;
  user?: string;
  org?: string;
}

export function registerServe(program: Command, io: CliIO, signals: { onShutdown(fn: () => void): void }): void {
  program
    .command('serve')
    .description(
      'serve MCP over stdio (default) or Streamable HTTP with the REST API. On the first http start an API key is created and printed once on stdout with next steps; logs always go to stderr',
    )
    .option('--transport <kind>', 'stdio or http (env CONNECTOR_GATEWAY_TRANSPORT)')
    .option('--host <host>', 'http: address to bind (env CONNECTOR_GATEWAY_HOST, default 127.0.0.1)')
    .option('--port <port>', 'http: port (env CONNECTOR_GATEWAY_PORT, default 3333; 0 picks a free one)')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--user <id>', 'stdio: whose configurations to serve (env CONNECTOR_GATEWAY_USER, default usr_local)')
    .option('--org <id>', 'organization (env CONNECTOR_GATEWAY_ORG, default org_local)')
    .action(async (flags: ServeFlags) => {
      const env = io.env;
      const transport = flags.transport ?? nonEmpty(env.CONNECTOR_GATEWAY_TRANSPORT) ?? 'stdio';
      if (transport !== 'stdio' && transport !== 'http') throw new ValidationError(`transport: --transport must be stdio or http, not ${JSON.stringify(transport)}`, 'transport');
      const host = flags.host ?? nonEmpty(env.CONNECTOR_GATEWAY_HOST) ?? '127.0.0.1';
      const portText = flags.port ?? nonEmpty(env.CONNECTOR_GATEWAY_PORT) ?? '3333';
      const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
      if (!(port >= 0 && port <= 65535)) throw new ValidationError(`port: --port must be 0-65535, not ${JSON.stringify(portText)}`, 'port');
      const principal = cliPrincipal(flags, env);

      const ctx = await openAppContext({ env, log: createLogger(env, 'info'), ...(flags.data !== undefined ? { dataFile: flags.data } : {}), ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl } : {}) });
      let running;
      try {
        running = await startServe(ctx, { transport, host, port, principal });
      } catch (e) {
        await ctx.close();
        throw e;
      }
      if (transport === 'http' && running.url) {
        // With a database, replicas start together: each would print its own first-run key. Keys are made with `keys create` there.
        if (ctx.database === undefined) await ensureFirstRunKey(ctx, io, principal, running.url);
        ctx.log.info({ url: running.url, mcp: `${running.url}/mcp`, ...(ctx.database !== undefined ? { database: ctx.database } : { data_file: ctx.dataFile }) }, 'listening');
      } else {
        ctx.log.info({ transport, principal: `${principal.organization_id}/${principal.user_id ?? principal.api_key_id ?? ''}`, data_file: ctx.dataFile }, 'serving over stdio');
      }
      let stopping: Promise<void> | undefined;
      const stop = () =>
        (stopping ??= (async () => {
          await running.close();
          await ctx.close();
        })());
      signals.onShutdown(() => void stop());
      await running.closed;
      await stop();
    });
}
