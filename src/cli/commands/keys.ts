import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { withContext, type DataFlags } from '../context.js';
import { printJson, printTable } from '../output.js';

export function registerKeys(program: Command, io: CliIO): void {
  const keys = program.command('keys').description('API keys for the HTTP server (bearer tokens)');

  keys
    .command('create')
    .description('create an API key; its secret is printed once and never again')
    .requiredOption('--org <id>', 'organization the key acts in')
    .option('--user <id>', 'user the key acts as (without it, the key owns its own configurations)')
    .option('--name <text>', 'a label')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print {id, object, organization_id, user_id, secret, created_at}')
    .action(async (opts: DataFlags & { org: string; user?: string; name?: string; json?: boolean }) => {
      const key = await withContext(io, opts, (ctx) =>
        ctx.apiKeys.create({ organization_id: opts.org, ...(opts.user !== undefined ? { user_id: opts.user } : {}), ...(opts.name !== undefined ? { name: opts.name } : {}) }),
      );
      if (opts.json) {
        printJson(io, key);
        return;
      }
      io.stdout.write(`Created API key ${key.id} for ${key.organization_id}/${key.user_id ?? key.id}\n`);
      io.stdout.write(`Secret (shown only now; store it safely):\n${key.secret}\n`);
    });

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--org <id>', 'only this organization')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print {object:"list", data} as JSON')
    .action(async (opts: DataFlags & { org?: string; json?: boolean }) => {
      const list = await withContext(io, opts, (ctx) => ctx.apiKeys.list(opts.org));
      if (opts.json) {
        printJson(io, { object: 'list', data: list, has_more: false });
        return;
      }
      printTable(
        io,
        ['ID', 'ORG', 'USER', 'NAME', 'PREFIX', 'CREATED', 'REVOKED'],
        list.map((k) => [k.id, k.organization_id, k.user_id ?? '-', k.name ?? '-', `${k.prefix}…`, k.created_at, k.revoked_at ?? '-']),
        '(no API keys)',
      );
    });

  keys
    .command('revoke')
    .description('revoke an API key: it stops working at once')
    .argument('<id>')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print the revoked key as JSON')
    .action(async (id: string, opts: DataFlags & { json?: boolean }) => {
      const key = await withContext(io, opts, (ctx) => ctx.apiKeys.revoke(id));
      if (opts.json) printJson(io, key);
      else io.stdout.write(`Revoked ${key.id} (${key.revoked_at ?? ''})\n`);
    });
}
