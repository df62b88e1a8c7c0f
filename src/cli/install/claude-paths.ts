import { homedir } from 'node:os';
import { join } from 'node:path';
import { userConfigDir } from '../../app/paths.js';

/**
 * Where Claude Desktop keeps `claude_desktop_config.json`: its folder `Claude` in the platform's
 * per-user application data directory (macOS ~/Library/Application Support, Windows %APPDATA%,
 * Linux $XDG_CONFIG_HOME or ~/.config: the directory Electron's appData names). The same rule the
 * gateway uses for its own data, so one function decides both.
 */
export function claudeDesktopConfigFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  return join(userConfigDir(env, platform, home), 'Claude', 'claude_desktop_config.json');
}
