import { resolve } from 'node:path';
import { ValidationError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { nonEmpty } from '../args.js';

/** One `mcpServers` entry of claude_desktop_config.json: how Claude Desktop starts the server. */
export interface DesktopEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The entry that makes Claude Desktop's server read exactly what this CLI reads. Claude Desktop
 * starts servers without the user's shell environment (only HOME, PATH, USER and the like), so
 * nothing may be left to a variable set in the shell: the data file and settings file go in as
 * absolute paths, the principal by name, and the node binary by its absolute path (Claude's PATH
 * rarely holds a version manager's node).
 *
 * The key is the one thing never written: the file is plain text. Without CONNECTOR_GATEWAY_KEY both
 * sides use the key file beside the data file; with it, the server Claude starts could not open
 * what the CLI sealed, so that case is refused here instead of failing later inside Claude.
 */
export function desktopEntry(opts: { nodePath: string; mainPath: string; dataFile: string; principal: Principal; env: NodeJS.ProcessEnv }): DesktopEntry {
  const { env } = opts;
  if (nonEmpty(env.CONNECTOR_GATEWAY_KEY)) {
    throw new ValidationError(
      'CONNECTOR_GATEWAY_KEY: the key is set in this shell, but Claude Desktop does not see your shell environment and the key must not be written in clear into its configuration file. ' +
        `Install with the key file beside the data file instead (unset CONNECTOR_GATEWAY_KEY; the server then uses ${opts.dataFile}.key), or install the MCP Bundle, whose Encryption key setting Claude Desktop keeps in the system keychain`,
      'CONNECTOR_GATEWAY_KEY',
      'key_in_environment',
    );
  }
  if (opts.principal.user_id === undefined) throw new ValidationError('user_id: Claude Desktop serves one user; give --user', 'user_id');
  const out: Record<string, string> = {
    CONNECTOR_GATEWAY_DATA: opts.dataFile,
    CONNECTOR_GATEWAY_USER: opts.principal.user_id,
    CONNECTOR_GATEWAY_ORG: opts.principal.organization_id,
  };
  const settings = nonEmpty(env.CONNECTOR_GATEWAY_CONFIG);
  // OAuth clients live in the settings file: without it the server could not refresh tokens.
  if (settings) out.CONNECTOR_GATEWAY_CONFIG = resolve(settings);
  // The network allowances are deliberately not copied: they are stored with the data, and a copy
  // here would be an override that the CLI in another shell does not have (health would flip).
  return { command: opts.nodePath, args: [opts.mainPath, 'serve', '--transport', 'stdio'], env: out };
}
