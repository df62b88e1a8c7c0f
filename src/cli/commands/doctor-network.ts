import { NETWORK_SETTING_NAMES, overrideDisagreements, settingsSetCommand, type ResolvedNetwork } from '../../config/network-settings.js';
import type { Check } from './doctor-checks.js';

/**
 * The network allowances: what this process uses and where it comes from. An override that differs
 * from the stored value is a warning: this process and the others (HTTP server, Claude Desktop)
 * would record different health for the same configuration.
 */
export function checkNetwork(resolved: ResolvedNetwork, dataFlag: string): Check[] {
  const disagreements = new Map(overrideDisagreements(resolved).map((w) => [w.slice(0, w.indexOf(' ')), w]));
  return NETWORK_SETTING_NAMES.map((name): Check => {
    const r = resolved[name];
    const warning = disagreements.get(name);
    if (warning) return { name: 'network', status: 'warn', message: warning.replace(settingsSetCommand(name, r.value), settingsSetCommand(name, r.value) + dataFlag) };
    const from = r.source === 'override' ? `set by ${r.override?.source ?? ''}, the same as the stored value` : r.source === 'stored' ? 'stored with the data' : 'the default; not stored';
    return { name: 'network', status: 'ok', message: `${name} is ${r.value} (${from}), for every process that uses this data` };
  });
}

/** For a check the network policy refused: the setting that would allow it, as a command to run. */
export function networkRemedy(error: string, dataFlag: string): string {
  for (const name of NETWORK_SETTING_NAMES) {
    if (error.includes(settingsSetCommand(name, true))) return `if the address is right, allow it for every process; run: ${settingsSetCommand(name, true)}${dataFlag}; otherwise `;
  }
  return '';
}
