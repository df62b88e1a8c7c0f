import type { Command } from 'commander';
import { ValidationError } from '../../domain/errors.js';
import type { Owner } from '../../domain/principal.js';
import type { AuditEvent, Page, Store } from '../../store/types.js';
import { parseLimit } from '../../service/list-limit.js';
import { cliPrincipal, nonEmpty } from '../args.js';
import { withContext, type DataFlags } from '../context.js';
import type { CliIO } from '../io.js';
import { printJson, printTable } from '../output.js';

interface AuditFlags extends DataFlags {
  user?: string;
  org?: string;
  apiKeyId?: string;
  limit: string;
  startingAfter?: string;
  json?: boolean;
}

export function registerAudit(program: Command, io: CliIO): void {
  const audit = program.command('audit').description('the audit trail: configuration and key changes, key rotations, tool calls');
  audit
    .command('list')
    .description('list audit events, newest first (operator view: every owner unless narrowed)')
    .option('--user <id>', 'only events of this user (in --org, env CONNECTOR_GATEWAY_ORG, default org_local)')
    .option('--api-key-id <id>', 'only events of configurations owned by this API key')
    .option('--org <id>', 'only events in this organization (key rotations are in org "system")')
    .option('--limit <n>', 'page size, 1-100', '20')
    .option('--starting-after <id>', 'the last event id of the previous page')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print {object:"list", data, has_more} as JSON')
    .action(async (opts: AuditFlags) => {
      const limit = parseLimit(opts.limit);
      const scope = auditScope(opts, io.env);
      const page = await withContext(io, opts, (ctx) => listScoped(ctx.store, scope, limit, opts.startingAfter));
      if (opts.json) {
        printJson(io, { object: 'list', data: page.data, has_more: page.has_more });
        return;
      }
      printTable(
        io,
        ['ID', 'CREATED', 'ACTION', 'TARGET', 'OUTCOME', 'WHO', 'DETAIL'],
        page.data.map((e) => [e.id, e.created_at, e.action, e.target ?? '-', e.outcome, who(e), detailText(e)]),
        '(no audit events)',
      );
      const last = page.data[page.data.length - 1];
      if (page.has_more && last) io.stdout.write(`more: --starting-after ${last.id}\n`);
    });
}

/** An owner (one user or API key) or a whole organization; undefined means every event. */
type Scope = { owner: Owner } | { organization_id: string } | undefined;

function auditScope(opts: AuditFlags, env: NodeJS.ProcessEnv): Scope {
  if (opts.user !== undefined || opts.apiKeyId !== undefined) {
    const p = cliPrincipal(opts, env);
    return { owner: p.user_id !== undefined ? { organization_id: p.organization_id, user_id: p.user_id } : { organization_id: p.organization_id, ...(p.api_key_id !== undefined ? { api_key_id: p.api_key_id } : {}) } };
  }
  const org = opts.org ?? undefined;
  if (org !== undefined) {
    if (nonEmpty(org) === undefined) throw new ValidationError('organization_id: --org must not be empty', 'organization_id');
    return { organization_id: org };
  }
  return undefined;
}

/** The store pages by owner; a whole organization is read in store pages and filtered here. */
async function listScoped(store: Pick<Store, 'listAudit'>, scope: Scope, limit: number, startingAfter: string | undefined): Promise<Page<AuditEvent>> {
  const after = startingAfter !== undefined ? { starting_after: startingAfter } : {};
  if (scope === undefined) return store.listAudit(undefined, { limit, ...after });
  if ('owner' in scope) return store.listAudit(scope.owner, { limit, ...after });
  const data: AuditEvent[] = [];
  let cursor = startingAfter;
  for (;;) {
    const page = await store.listAudit(undefined, { limit: 100, ...(cursor !== undefined ? { starting_after: cursor } : {}) });
    for (const e of page.data) {
      if (e.organization_id !== scope.organization_id) continue;
      if (data.length === limit) return { data, has_more: true };
      data.push(e);
    }
    const last = page.data[page.data.length - 1];
    if (!page.has_more || !last) return { data, has_more: false };
    cursor = last.id;
  }
}

function who(e: AuditEvent): string {
  return `${e.organization_id}/${e.user_id ?? e.api_key_id ?? '-'}`;
}

function detailText(e: AuditEvent): string {
  if (!e.detail) return '-';
  return Object.entries(e.detail)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
