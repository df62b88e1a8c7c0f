import type { Command } from 'commander';
import { resolveDataFile } from '../../app/paths.js';
import type { AppContext } from '../../app/context.js';
import { keyFilePath, KEY_ENV } from '../../crypto/index.js';
import { errorMessage } from '../../domain/errors.js';
import type { CliIO } from '../io.js';
import { withContext, type DataFlags } from '../context.js';
import { ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { createProgress, eachWithProgress, type Progress } from '../progress.js';
import { checkDataFile, checkKey, checkPermissions, checkSealed, checkSettings, type Check } from './doctor-checks.js';
import { checkNetwork, networkRemedy } from './doctor-network.js';

/** Health checks contact services: a few at a time keeps a long list quick without a burst. */
const HEALTH_CONCURRENCY = 4;

export function registerDoctor(program: Command, io: CliIO): void {
  program
    .command('doctor')
    .description('check the data file, the key, file permissions, the settings and every enabled configuration; exits 1 when something is wrong')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--skip-health', 'do not contact the services (no health checks)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: DataFlags & { skipHealth?: boolean; json?: boolean }) => {
      const progress = createProgress(io);
      const file = resolveDataFile(opts.data, io.env);
      const checks = await runDoctor(io, file, opts, progress);
      const ok = checks.every((c) => c.status !== 'fail');
      if (opts.json) printJson(io, { object: 'doctor_report', ok, data_file: file, checks });
      else {
        for (const c of checks) io.stdout.write(`${c.status.toUpperCase().padEnd(4)}  ${c.name}: ${c.message}\n`);
        io.stdout.write(ok ? 'All checks passed.\n' : 'Some checks failed: see the lines marked FAIL for what to do.\n');
      }
      if (!ok) throw new ExitCode(1);
    });
}

/**
 * Cheap checks first, each of which can make the later ones pointless: a file that does not parse,
 * a key that is missing. Doctor never creates a data file or a key file.
 */
async function runDoctor(io: CliIO, file: string, opts: DataFlags & { skipHealth?: boolean }, progress: Progress): Promise<Check[]> {
  const checks: Check[] = [];
  // Every command doctor prints must work as printed: with --data, it names the same file.
  const dataFlag = opts.data !== undefined ? ` --data ${file}` : '';
  const data = await checkDataFile(file);
  checks.push(data.check);
  const settings = checkSettings(io.env);
  checks.push(...settings.checks);
  const key = checkKey(io.env, file, data.state, dataFlag);
  checks.push(key.check);
  const secretFiles = [{ label: 'data file', path: file }, { label: 'journal', path: `${file}.journal` }, { label: 'audit log', path: `${file}.audit.jsonl` }];
  if (!io.env[KEY_ENV]?.trim()) secretFiles.push({ label: 'key file', path: keyFilePath(file) });
  const settingsFile = io.env.CONNECTOR_GATEWAY_CONFIG;
  if (settingsFile) secretFiles.push({ label: 'settings file', path: settingsFile });
  checks.push(...(await checkPermissions(secretFiles)));

  if (!data.state?.exists || !key.usable) return checks;
  // A broken settings file would stop the context from opening; the other checks still run without it.
  const env = settings.settings ? io.env : { ...io.env, CONNECTOR_GATEWAY_CONFIG: '' };
  const live = !opts.skipHealth && settings.settings !== undefined;
  try {
    await withContext(
      { ...io, env },
      opts,
      async (ctx) => {
        checks.push(...checkNetwork(ctx.network.resolved, dataFlag));
        checks.push(await checkSealed(ctx));
        if (opts.skipHealth) return;
        if (!settings.settings) {
          checks.push({ name: 'health', status: 'warn', message: 'health checks skipped: fix the settings file first' });
          return;
        }
        checks.push(...(await checkEnabled(ctx, progress, dataFlag)));
      },
      { live, diagnoseKeys: true },
    );
  } catch (e) {
    // The store validates every record on open: a file that parses but holds a broken record lands here.
    const message = errorMessage(e);
    const advice = /restore|upgrade|chmod/.test(message) ? '' : '; the file was left untouched: fix that record by hand, or restore the file from a backup';
    checks.push({ name: 'data file', status: 'fail', message: message + advice });
  }
  return checks;
}

/** The flags that act as the configuration's owner, so the suggested command works as printed. */
function ownerFlags(r: { organization_id: string; user_id?: string; api_key_id?: string }): string {
  return `--org ${r.organization_id} ${r.user_id !== undefined ? `--user ${r.user_id}` : `--api-key-id ${r.api_key_id ?? ''}`}`;
}

async function checkEnabled(ctx: AppContext, progress: Progress, dataFlag: string): Promise<Check[]> {
  const enabled = (await ctx.store.allConfigurations()).filter((r) => r.enabled);
  if (enabled.length === 0) return [{ name: 'health', status: 'ok', message: 'no enabled configurations to check' }];
  progress.step(`checking ${enabled.length} enabled configuration(s)…`);
  return eachWithProgress(
    enabled,
    HEALTH_CONCURRENCY,
    async (r): Promise<Check> => {
      const result = await ctx.checkHealth(r).catch((e: unknown) => ({ ok: false, error: errorMessage(e) }));
      return result.ok
        ? { name: `configuration ${r.id}`, status: 'ok', message: `${r.name} (${r.personal_connector_id}) is healthy` }
        : {
            name: `configuration ${r.id}`,
            status: 'fail',
            message:
              `${r.name} (${r.personal_connector_id}) is unhealthy: ${result.error ?? 'the check failed'}; ` +
              networkRemedy(result.error ?? '', dataFlag) +
              `fix it with connector-gateway configs update ${r.id} ${ownerFlags(r)}${dataFlag} and a new --config or --credentials-file, or disable it; run: connector-gateway configs update ${r.id} ${ownerFlags(r)}${dataFlag} --disable`,
          };
    },
    (r, check, done, total) => progress.item(done, total, `${r.id} ${r.name}: ${check.status === 'ok' ? 'ok' : 'FAILED'}`),
  );
}
