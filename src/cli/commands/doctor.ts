import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveDataFile } from '../../app/paths.js';
import type { AppContext } from '../../app/context.js';
import { errorMessage } from '../../domain/errors.js';
import { SCHEMA_VERSION } from '../../store/file-format.js';
import type { CliIO } from '../io.js';
import { withContext, type DataFlags } from '../context.js';
import { ExitCode } from '../errors.js';
import { printJson } from '../output.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
}

export function registerDoctor(program: Command, io: CliIO): void {
  program
    .command('doctor')
    .description('check the data file, the key and every enabled configuration; exits 1 when something is wrong')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--skip-health', 'do not contact the services (no health checks)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: DataFlags & { skipHealth?: boolean; json?: boolean }) => {
      const checks: Check[] = [];
      const file = resolveDataFile(opts.data, io.env);
      const fileCheck = await checkDataFile(file);
      checks.push(fileCheck);
      if (fileCheck.status !== 'fail') {
        try {
          await withContext(io, opts, async (ctx) => {
            checks.push(...keyChecks(ctx));
            checks.push(await checkSealed(ctx));
            if (!opts.skipHealth) checks.push(...(await checkEnabled(ctx)));
          }, { live: !opts.skipHealth });
        } catch (e) {
          checks.push({ name: 'open', status: 'fail', message: `${errorMessage(e)}` });
        }
      }
      const ok = checks.every((c) => c.status !== 'fail');
      if (opts.json) printJson(io, { object: 'doctor_report', ok, data_file: file, checks });
      else {
        for (const c of checks) io.stdout.write(`${c.status.toUpperCase().padEnd(4)}  ${c.name}: ${c.message}\n`);
        io.stdout.write(ok ? 'All checks passed.\n' : 'Some checks failed: see the lines marked FAIL for what to do.\n');
      }
      if (!ok) throw new ExitCode(1);
    });
}

async function checkDataFile(file: string): Promise<Check> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { name: 'data file', status: 'warn', message: `${file} does not exist yet; it is created on first use (set CONNECTOR_GATEWAY_DATA or --data to use another)` };
    return { name: 'data file', status: 'fail', message: `cannot read ${file} (${code ?? 'error'}); check its permissions` };
  }
  try {
    const doc = JSON.parse(text) as { schema_version?: unknown };
    const v = doc.schema_version;
    if (typeof v !== 'number') return { name: 'data file', status: 'fail', message: `${file} has no schema_version; restore it from a backup or move it away` };
    if (v > SCHEMA_VERSION) return { name: 'data file', status: 'fail', message: `${file} has schema_version ${v}, newer than this program reads (${SCHEMA_VERSION}); upgrade connector-gateway` };
    return { name: 'data file', status: 'ok', message: `${file} (schema_version ${v})` };
  } catch {
    return { name: 'data file', status: 'fail', message: `${file} is not valid JSON; restore it from a backup or move it away to start empty` };
  }
}

function keyChecks(ctx: AppContext): Check[] {
  const k = ctx.keys;
  const where = k.source === 'env' ? 'CONNECTOR_GATEWAY_KEY' : `key file ${k.keyFile ?? ''}`;
  const out: Check[] = [{ name: 'key', status: 'ok', message: `${k.ring.kids.length} key(s) from ${where}, primary ${k.ring.primary.kid}` }];
  for (const w of k.warnings) out.push({ name: 'key', status: 'warn', message: w });
  return out;
}

async function checkSealed(ctx: AppContext): Promise<Check> {
  const all = await ctx.store.allConfigurations();
  const sealed = all.filter((r) => r.credentials_sealed);
  const failed: string[] = [];
  for (const r of sealed) {
    try {
      await ctx.sealer.unseal(r.credentials_sealed!, { configurationId: r.id, organizationId: r.organization_id });
    } catch {
      failed.push(r.id);
    }
  }
  if (failed.length === 0) return { name: 'credentials', status: 'ok', message: `the key opens all ${sealed.length} sealed credential(s) of ${all.length} configuration(s)` };
  return {
    name: 'credentials',
    status: 'fail',
    message: `${failed.length} of ${sealed.length} sealed credential(s) cannot be opened (${failed.slice(0, 5).join(', ')}${failed.length > 5 ? ', …' : ''}): set CONNECTOR_GATEWAY_KEY to the key they were written with, or set their credentials again with configs update --credentials`,
  };
}

async function checkEnabled(ctx: AppContext): Promise<Check[]> {
  const enabled = (await ctx.store.allConfigurations()).filter((r) => r.enabled);
  const results = await Promise.all(enabled.map(async (r) => ({ r, result: await ctx.checkHealth(r).catch((e: unknown) => ({ ok: false, error: errorMessage(e) })) })));
  return results.map(({ r, result }) =>
    result.ok
      ? { name: `configuration ${r.id}`, status: 'ok' as const, message: `${r.name} (${r.personal_connector_id}) is healthy` }
      : { name: `configuration ${r.id}`, status: 'fail' as const, message: `${r.name} (${r.personal_connector_id}): ${result.error ?? 'failed'}; fix it with configs update ${r.id}, or disable it with configs update ${r.id} --disable` },
  );
}
