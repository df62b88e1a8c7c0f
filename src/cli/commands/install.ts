import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { resolveDataFile } from '../../app/paths.js';
import { ValidationError } from '../../domain/errors.js';
import { escapeControl } from '../../domain/terminal-text.js';
import { cliPrincipal } from '../args.js';
import type { CliIO } from '../io.js';
import { printJson } from '../output.js';
import { claudeDesktopConfigFile } from '../install/claude-paths.js';
import { installEntry } from '../install/claude-config-file.js';
import { desktopEntry } from '../install/desktop-entry.js';
import { NETWORK_SETTINGS, parseOverrideEnv, settingsSetCommand, type NetworkSettingName } from '../../config/network-settings.js';
import { builtMainPath } from './first-run.js';

interface InstallFlags {
  configFile?: string;
  name: string;
  data?: string;
  user?: string;
  org?: string;
  json?: boolean;
}

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function registerInstall(program: Command, io: CliIO): void {
  const install = program.command('install').description('connect an MCP client to this gateway');
  install
    .command('claude-desktop')
    .description(
      "write (or update) this gateway's entry in Claude Desktop's claude_desktop_config.json, keeping every other server and setting; the previous file is kept as <file>.backup-<time>",
    )
    .option('--config-file <file>', "Claude Desktop's configuration file (default: claude_desktop_config.json in Claude's folder of your user configuration directory)")
    .option('--name <name>', 'the server name under mcpServers', 'connector-gateway')
    .option('--data <file>', 'data file the server reads (env CONNECTOR_GATEWAY_DATA; default: the one this command uses)')
    .option('--user <id>', 'whose configurations Claude sees (env CONNECTOR_GATEWAY_USER, default usr_local)')
    .option('--org <id>', 'organization (env CONNECTOR_GATEWAY_ORG, default org_local)')
    .option('--json', 'print {object, config_file, server_name, changed, created, backup_file, entry} as JSON')
    .action(async (flags: InstallFlags) => {
      if (!SERVER_NAME.test(flags.name)) throw new ValidationError(`name: --name must be 1-64 of [A-Za-z0-9_.-] starting with a letter or digit, not ${JSON.stringify(flags.name)}`, 'name');
      const mainPath = builtMainPath();
      if (!existsSync(mainPath)) throw new ValidationError(`entry point: ${mainPath} does not exist; run npm run build first`, 'entry_point');
      const entry = desktopEntry({
        nodePath: process.execPath,
        mainPath,
        dataFile: resolveDataFile(flags.data, io.env),
        principal: cliPrincipal({ ...(flags.user !== undefined ? { user: flags.user } : {}), ...(flags.org !== undefined ? { org: flags.org } : {}) }, io.env),
        env: io.env,
      });
      const configFile = resolve(flags.configFile ?? claudeDesktopConfigFile(io.env));
      const r = await installEntry(configFile, flags.name, entry);
      if (flags.json) {
        printJson(io, { object: 'claude_desktop_install', config_file: r.configFile, server_name: r.serverName, changed: r.changed, created: r.created, backup_file: r.backupFile ?? null, entry });
      } else {
        const what = !r.changed ? 'already up to date' : r.created ? 'created' : 'updated';
        io.stdout.write(`${escapeControl(r.configFile)}: ${what} (mcpServers.${r.serverName})\n`);
        if (r.backupFile) io.stdout.write(`previous file kept as ${escapeControl(r.backupFile)}\n`);
        io.stdout.write(`data file ${escapeControl(entry.env.CONNECTOR_GATEWAY_DATA ?? '')}, user ${entry.env.CONNECTOR_GATEWAY_USER ?? ''} in ${entry.env.CONNECTOR_GATEWAY_ORG ?? ''}\n`);
        if (r.changed) io.stdout.write('Restart Claude Desktop (quit it fully) to load the change.\n');
      }
      for (const [name, setting] of Object.entries(NETWORK_SETTINGS)) {
        if (parseOverrideEnv(setting.env, io.env[setting.env]) !== true) continue;
        io.stderr.write(
          `note: ${setting.env} is set in this shell but not written into the entry: every process reads ${name} from the settings stored with the data; to allow it for Claude Desktop too, run: ${settingsSetCommand(name as NetworkSettingName, true)}\n`,
        );
      }
      // npx runs packages from its cache, which `npm cache clean` or a newer npx may remove.
      if (mainPath.includes(`${sep}_npx${sep}`)) {
        io.stderr.write(
          `note: the entry runs the copy in npx's cache (${escapeControl(mainPath)}); for a lasting install run npm install -g <package or tarball>, then connector-gateway install claude-desktop\n`,
        );
      }
    });
}
