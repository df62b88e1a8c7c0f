import { escapeControl } from '../../domain/terminal-text.js';
import { EXIT, ExitCode } from '../errors.js';
import type { Command } from 'commander';
import type { ConfigurationObject } from '../../domain/configuration.js';
import type { CliIO } from '../io.js';
import { cliPrincipal, collect, parseJsonFlag, parseMetadataFlags, readCredentialsFlags, type PrincipalFlags } from '../args.js';
import { withContext, type DataFlags } from '../context.js';
import { printJson, printObject, printTable } from '../output.js';
import { createProgress, eachWithProgress } from '../progress.js';
import { ValidationError } from '../../domain/errors.js';
import type { ListQuery } from '../../service/configurations.js';

type Common = PrincipalFlags & DataFlags & { json?: boolean };

function owned(cmd: Command): Command {
  return cmd
    .option('--user <id>', 'act as this user (env CONNECTOR_GATEWAY_USER, default usr_local)')
    .option('--api-key-id <id>', 'act for configurations owned by this API key instead of a user')
    .option('--org <id>', 'organization (env CONNECTOR_GATEWAY_ORG, default org_local)')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print the result as JSON');
}

export function registerConfigs(program: Command, io: CliIO): void {
  const configs = program.command('configs').description('create, list, change and check connector configurations');

  owned(configs.command('create').description('create a configuration'))
    .requiredOption('--connector <id>', 'connector id (pc_github, pc_clickup, pc_jira, pc_teams, pc_custom_mcp)')
    .requiredOption('--name <text>', 'a name for it, e.g. "My GitHub"')
    .option('--config <json>', 'connector settings as a JSON object', '{}')
    .option('--credentials <json>', 'credentials as JSON, e.g. {"type":"api_key","api_key":"…"}')
    .option('--credentials-file <file>', 'read the credentials JSON from a file, or - for stdin (keeps them out of shell history)')
    .option('--description <text>', 'what it is for')
    .option('--metadata <key=value>', 'a tag; repeat for more', collect)
    .option('--disabled', 'create it disabled')
    .option('--tool-prefix <prefix>', `its tools are named <prefix>_<tool> ('' for the upstream's own names); default: from the name`)
    .action(async (opts: Common & { connector: string; name: string; config: string; credentials?: string; credentialsFile?: string; description?: string; metadata?: string[]; disabled?: boolean; toolPrefix?: string }) => {
      const principal = cliPrincipal(opts, io.env);
      const credentials = await readCredentialsFlags(io, opts);
      const metadata = parseMetadataFlags(opts.metadata);
      const body = {
        personal_connector_id: opts.connector,
        name: opts.name,
        configuration: parseJsonFlag('--config', opts.config, 'configuration'),
        ...(credentials !== undefined ? { credentials } : {}),
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
        ...(opts.disabled ? { enabled: false } : {}),
        ...(opts.toolPrefix !== undefined ? { tool_prefix: opts.toolPrefix } : {}),
      };
      const created = await withContext(io, opts, (ctx) => ctx.configurations.create(principal, body));
      show(io, created, opts.json, 'Created');
    });

  owned(configs.command('list').description("list the principal's configurations"))
    .option('--connector <id>', 'only this connector')
    .option('--enabled <bool>', 'only enabled (true) or disabled (false) ones')
    .option('--health <status>', 'only healthy, unhealthy or unknown ones')
    .option('--metadata <key=value>', 'only those tagged so; repeat to require several', collect)
    .option('--limit <n>', 'page size, 1-100', '10')
    .option('--starting-after <id>', 'the last id of the previous page')
    .action(async (opts: Common & { connector?: string; enabled?: string; health?: string; metadata?: string[]; limit: string; startingAfter?: string }) => {
      const principal = cliPrincipal(opts, io.env);
      const query = listQuery(opts);
      const page = await withContext(io, opts, (ctx) => ctx.configurations.list(principal, query));
      if (opts.json) {
        printJson(io, { object: 'list', data: page.data, has_more: page.has_more });
        return;
      }
      printTable(
        io,
        ['ID', 'NAME', 'CONNECTOR', 'ENABLED', 'HEALTH', 'UPDATED'],
        page.data.map((c) => [c.id, c.name, c.personal_connector_id, String(c.enabled), c.health_status, c.updated_at]),
        '(no configurations)',
      );
      const last = page.data[page.data.length - 1];
      if (page.has_more && last) io.stdout.write(`more: --starting-after ${last.id}\n`);
    });

  owned(configs.command('get').description('show one configuration').argument('<id>')).action(async (id: string, opts: Common) => {
    const principal = cliPrincipal(opts, io.env);
    show(io, await withContext(io, opts, (ctx) => ctx.configurations.get(principal, id)), opts.json);
  });

  owned(configs.command('update').description('change a configuration (settings and metadata are merged)').argument('<id>'))
    .option('--name <text>', 'new name')
    .option('--config <json>', 'settings to merge (JSON merge patch: null removes a key)')
    .option('--credentials <json>', 'replace the credentials (JSON)')
    .option('--credentials-file <file>', 'replace the credentials from a file, or - for stdin')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .option('--description <text>', 'new description ("" clears it)')
    .option('--metadata <key=value>', 'set a tag (key= removes it); repeat for more', collect)
    .option('--tool-prefix <prefix>', `rename its tools to <prefix>_<tool> ('' for the upstream's own names)`)
    .action(async (id: string, opts: Common & { name?: string; config?: string; credentials?: string; credentialsFile?: string; enable?: boolean; disable?: boolean; description?: string; metadata?: string[]; toolPrefix?: string }) => {
      const principal = cliPrincipal(opts, io.env);
      if (opts.enable && opts.disable) throw new ValidationError('enabled: give --enable or --disable, not both', 'enabled');
      const credentials = await readCredentialsFlags(io, opts);
      const metadata = parseMetadataFlags(opts.metadata, true);
      const patch = {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.config !== undefined ? { configuration: parseJsonFlag('--config', opts.config, 'configuration') } : {}),
        ...(credentials !== undefined ? { credentials } : {}),
        ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
        ...(opts.description !== undefined ? { description: opts.description === '' ? null : opts.description } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
        ...(opts.toolPrefix !== undefined ? { tool_prefix: opts.toolPrefix } : {}),
      };
      show(io, await withContext(io, opts, (ctx) => ctx.configurations.update(principal, id, patch)), opts.json, 'Updated');
    });

  owned(configs.command('delete').description('delete a configuration and its credentials').argument('<id>')).action(async (id: string, opts: Common) => {
    const principal = cliPrincipal(opts, io.env);
    const deleted = await withContext(io, opts, (ctx) => ctx.configurations.delete(principal, id));
    if (opts.json) printJson(io, deleted);
    else io.stdout.write(`Deleted ${deleted.id}\n`);
  });

  owned(configs.command('test').description('run the health check now; several ids are checked a few at a time').argument('<ids...>')).action(async (ids: string[], opts: Common) => {
    const principal = cliPrincipal(opts, io.env);
    const progress = createProgress(io);
    const tested = await withContext(
      io,
      opts,
      (ctx) =>
        eachWithProgress(ids, 4, (id) => ctx.configurations.test(principal, id), (id, o, done, total) => {
          if (total > 1) progress.item(done, total, `${id} ${o.name}: ${o.health_status}`);
        }),
      { live: true },
    );
    const [only] = tested;
    if (tested.length === 1 && only) show(io, only, opts.json);
    else if (opts.json) printJson(io, { object: 'list', data: tested, has_more: false });
    else {
      printTable(
        io,
        ['ID', 'NAME', 'HEALTH', 'LAST ERROR'],
        tested.map((c) => [c.id, c.name, c.health_status, c.last_error ?? '-']),
      );
    }
    // The result is printed either way; the exit code says whether every configuration works.
    const unhealthy = tested.filter((c) => c.health_status === 'unhealthy');
    if (unhealthy.length > 0) {
      for (const c of unhealthy) io.stderr.write(`error: ${escapeControl(`${c.id} is unhealthy: ${c.last_error ?? 'the check failed'}`)}\n`);
      throw new ExitCode(EXIT.failure);
    }
  });
}

function listQuery(opts: { connector?: string; enabled?: string; health?: string; metadata?: string[]; limit: string; startingAfter?: string }): ListQuery {
  if (opts.enabled !== undefined && opts.enabled !== 'true' && opts.enabled !== 'false') throw new ValidationError('enabled: --enabled must be true or false', 'enabled');
  const limit = /^\d{1,4}$/.test(opts.limit) ? Number(opts.limit) : NaN;
  if (!Number.isInteger(limit)) throw new ValidationError('limit: --limit must be an integer from 1 to 100', 'limit');
  const metadata = parseMetadataFlags(opts.metadata) as Record<string, string> | undefined;
  return {
    limit,
    ...(opts.connector !== undefined ? { personal_connector_id: opts.connector } : {}),
    ...(opts.enabled !== undefined ? { enabled: opts.enabled === 'true' } : {}),
    ...(opts.health !== undefined ? { health_status: opts.health as ListQuery['health_status'] & string } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    ...(opts.startingAfter !== undefined ? { starting_after: opts.startingAfter } : {}),
  };
}

function show(io: CliIO, o: ConfigurationObject, json: boolean | undefined, verb?: string): void {
  if (json) {
    printJson(io, o);
    return;
  }
  if (verb) io.stdout.write(`${verb} ${o.id}\n`);
  printObject(io, o as unknown as Record<string, unknown>);
}
