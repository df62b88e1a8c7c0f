import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_DIR_NAME = 'mcp-connector-gateway';

/** The per-user configuration directory of the platform (XDG on Linux and other Unixes). */
export function userConfigDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') return env.APPDATA && env.APPDATA !== '' ? env.APPDATA : join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(home, '.config');
}

/** `--data`, else CONNECTOR_GATEWAY_DATA, else `<user config dir>/mcp-connector-gateway/data.json`. */
export function resolveDataFile(explicit: string | undefined, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home?: string): string {
  const chosen = explicit ?? (env.CONNECTOR_GATEWAY_DATA && env.CONNECTOR_GATEWAY_DATA !== '' ? env.CONNECTOR_GATEWAY_DATA : undefined);
  if (chosen) return resolve(chosen);
  return join(userConfigDir(env, platform, home), APP_DIR_NAME, 'data.json');
}
