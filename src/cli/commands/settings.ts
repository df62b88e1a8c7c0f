import type { Command } from 'commander';
import { resolveDatabaseUrl } from '../../app/database.js';
import { createLogger } from '../../app/logger.js';
import { resolveDataFile } from '../../app/paths.js';
import { NETWORK_SETTINGS, NETWORK_SETTING_NAMES, networkOverrides, overrideDisagreements, resolveNetwork, type NetworkSettingName, type ResolvedNetwork } from '../../config/network-settings.js';
import { loadSettings } from '../../config/settings.js';
import { ValidationError } from '../../domain/errors.js';
import { openDataStore } from '../../app/stores.js';
import { describeDatabaseUrl } from '../../store/postgres/url.js';
import type { Store, StoredSettings } from '../../store/types.js';
import type { CliIO } from '../io.js';
import type { DataFlags } from '../context.js';
import { printJson, printTable } from '../output.js';

/**
 * `settings show|set|unset`: the settings kept with the data, which every process sharing it (this
 * CLI, the HTTP server, the server Claude Desktop starts) reads the same way. Only the store is
 * opened, not the key ring: changing where configurations may connect needs no key.
 */
export function registerSettings(program: Command, io: CliIO): void {
  const settings = program.command('settings').description(`settings kept with the data and read by every process that uses it (${NETWORK_SETTING_NAMES.join(', ')})`);
  const dataOptions = (c: Command) =>
    c
      .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
      .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
      .option('--json', 'print {object:"settings", …} as JSON');

  dataOptions(settings.command('show').description('show each setting: the value this process uses, the stored (shared) value, and any override')).action(async (opts: DataFlags & { json?: boolean }) => {
    await withStore(io, opts, async (store, where) => report(io, where, await store.getStoredSettings(), opts.json === true));
  });

  dataOptions(settings.command('set').description('store a setting for every process sharing the data: settings set allow_loopback true|false').argument('<name>', NETWORK_SETTING_NAMES.join(' | ')).argument('<value>', 'true | false')).action(
    async (name: string, value: string, opts: DataFlags & { json?: boolean }) => {
      const setting = settingName(name);
      const v = booleanValue(setting, value);
      await withStore(io, opts, async (store, where) => report(io, where, await store.setStoredSettings({ [setting]: v }), opts.json === true, `${setting} is now ${v} for every process that uses ${where}; running servers apply it within seconds\n`));
    },
  );

  dataOptions(settings.command('unset').description('remove a stored setting (back to its default, false)').argument('<name>', NETWORK_SETTING_NAMES.join(' | '))).action(async (name: string, opts: DataFlags & { json?: boolean }) => {
    const setting = settingName(name);
    await withStore(io, opts, async (store, where) => report(io, where, await store.setStoredSettings({ [setting]: null }), opts.json === true, `${setting} is back to its default (false) for every process that uses ${where}\n`));
  });
}

function settingName(name: string): NetworkSettingName {
  if ((NETWORK_SETTING_NAMES as string[]).includes(name)) return name as NetworkSettingName;
  throw new ValidationError(`name: unknown setting ${JSON.stringify(name.slice(0, 40))}; the settings are ${NETWORK_SETTING_NAMES.join(', ')}`, 'name');
}

function booleanValue(name: NetworkSettingName, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ValidationError(`value: ${name} must be true or false, not ${JSON.stringify(value.slice(0, 40))}`, 'value');
}

async function withStore(io: CliIO, flags: DataFlags, fn: (store: Store, where: string) => Promise<void>): Promise<void> {
  const log = createLogger(io.env, 'warn');
  const databaseUrl = resolveDatabaseUrl(flags.databaseUrl, io.env);
  const file = resolveDataFile(flags.data, io.env);
  const store = await openDataStore({ databaseUrl, file, log });
  try {
    await fn(store, databaseUrl !== undefined ? describeDatabaseUrl(databaseUrl) : file);
  } finally {
    await store.close();
  }
}

/** What this process would use: the stored values under this shell's overrides (environment, settings file). */
function resolveHere(io: CliIO, stored: StoredSettings): ResolvedNetwork {
  const file = io.env.CONNECTOR_GATEWAY_CONFIG === '' ? undefined : io.env.CONNECTOR_GATEWAY_CONFIG;
  return resolveNetwork(stored, networkOverrides(loadSettings(file, io.env), io.env, file));
}

function report(io: CliIO, where: string, stored: StoredSettings, json: boolean, done?: string): void {
  const resolved = resolveHere(io, stored);
  const warnings = overrideDisagreements(resolved);
  if (json) {
    printJson(io, {
      object: 'settings',
      store: where,
      updated_at: stored.updated_at ?? null,
      settings: Object.fromEntries(
        NETWORK_SETTING_NAMES.map((n) => {
          const r = resolved[n];
          return [n, { value: r.value, shared: r.shared, stored: r.stored ?? null, source: r.source, override: r.override ?? null, description: NETWORK_SETTINGS[n].description }];
        }),
      ),
      warnings,
    });
  } else {
    if (done) io.stdout.write(done);
    printTable(
      io,
      ['SETTING', 'VALUE', 'SOURCE', 'SHARED'],
      NETWORK_SETTING_NAMES.map((n) => {
        const r = resolved[n];
        return [n, String(r.value), r.source === 'override' ? `override: ${r.override?.source ?? ''}` : r.source, `${r.shared}${r.stored === undefined ? ' (default)' : ''}`];
      }),
    );
  }
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
}
