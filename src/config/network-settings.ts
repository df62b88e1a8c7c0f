import { ValidationError } from '../domain/errors.js';
import type { StoredSettings } from '../store/types.js';
import type { Settings } from './settings.js';

/**
 * The network allowances. Each is one value kept with the data (`connector-gateway settings set`), so
 * that every process sharing the data (the CLI, the HTTP server, the server Claude Desktop starts)
 * reaches the same servers and writes the same health. A per-process override (environment variable,
 * then settings file) still wins, for tests and CI, but is reported whenever it differs from the
 * shared value: two processes that disagree would flip a configuration's health back and forth.
 */
export const NETWORK_SETTINGS = {
  allow_loopback: {
    env: 'CONNECTOR_GATEWAY_ALLOW_LOOPBACK',
    description: 'let configurations reach plain-HTTP servers on this machine (127.0.0.0/8, ::1)',
  },
  allow_private: {
    env: 'CONNECTOR_GATEWAY_ALLOW_PRIVATE',
    description: 'let configurations reach private network addresses (10/8, 172.16/12, 192.168/16, fc00::/7)',
  },
} as const;

export type NetworkSettingName = keyof typeof NETWORK_SETTINGS;
export const NETWORK_SETTING_NAMES = Object.keys(NETWORK_SETTINGS) as NetworkSettingName[];

export interface NetworkOverride {
  value: boolean;
  /** `CONNECTOR_GATEWAY_ALLOW_LOOPBACK` or `settings file <path>`. */
  source: string;
}
export type NetworkOverrides = Partial<Record<NetworkSettingName, NetworkOverride>>;

export interface ResolvedSetting {
  name: NetworkSettingName;
  /** What this process uses. */
  value: boolean;
  /** The shared value every process without an override uses (stored, else the default false). */
  shared: boolean;
  /** The stored value; undefined when never set (the default applies). */
  stored: boolean | undefined;
  source: 'stored' | 'default' | 'override';
  override?: NetworkOverride;
}
export type ResolvedNetwork = Record<NetworkSettingName, ResolvedSetting>;

/** `1`, `true`, `yes` override to true; empty, `0`, `false`, `no` are no override; anything else is refused. */
export function parseOverrideEnv(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return true;
  if (v === '' || v === '0' || v === 'false' || v === 'no') return undefined;
  throw new ValidationError(`${name}: must be 1, true or yes to allow (empty, 0, false or no: no override), not ${JSON.stringify(raw.slice(0, 20))}`, name);
}

/**
 * The overrides of this process: the environment variable (only ever to true, as before), else the
 * settings file's `network.<name>` when the file sets it.
 */
export function networkOverrides(settings: Settings, env: NodeJS.ProcessEnv, settingsFile: string | undefined): NetworkOverrides {
  const out: NetworkOverrides = {};
  for (const name of NETWORK_SETTING_NAMES) {
    const envName = NETWORK_SETTINGS[name].env;
    const fromEnv = parseOverrideEnv(envName, env[envName]);
    const fromFile = settings.network[name];
    if (fromEnv !== undefined) out[name] = { value: fromEnv, source: envName };
    else if (fromFile !== undefined) out[name] = { value: fromFile, source: `the settings file ${settingsFile ?? ''} (network.${name})` };
  }
  return out;
}

export function resolveNetwork(stored: StoredSettings, overrides: NetworkOverrides): ResolvedNetwork {
  const one = (name: NetworkSettingName): ResolvedSetting => {
    const s = stored[name];
    const shared = s ?? false;
    const o = overrides[name];
    return {
      name,
      value: o ? o.value : shared,
      shared,
      stored: s,
      source: o ? 'override' : s !== undefined ? 'stored' : 'default',
      ...(o ? { override: o } : {}),
    };
  };
  return { allow_loopback: one('allow_loopback'), allow_private: one('allow_private') };
}

/** The command that makes the shared value what this process uses (the remedy doctor prints). */
export function settingsSetCommand(name: NetworkSettingName, value: boolean): string {
  return `connector-gateway settings set ${name} ${value}`;
}

/** One line per override that differs from the shared value, naming both and how to agree. */
export function overrideDisagreements(r: ResolvedNetwork): string[] {
  const out: string[] = [];
  for (const s of Object.values(r)) {
    if (!s.override || s.override.value === s.shared) continue;
    out.push(
      `${s.name} is ${s.value} in this process because ${s.override.source} overrides it, but the shared setting is ${s.shared}${s.stored === undefined ? ' (the default)' : ''}: other processes on the same data (the HTTP server, Claude Desktop) use ${s.shared}, so their health results will disagree with this one's; run: ${settingsSetCommand(s.name, s.value)}`,
    );
  }
  return out;
}
