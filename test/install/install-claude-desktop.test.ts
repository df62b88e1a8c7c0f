/**
 * `connector-gateway install claude-desktop` on real files: the built binary in a child process,
 * a temp HOME standing in for the user's machine.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS } from '../helpers/timing.js';
import { CLI } from '../helpers/cli.js';
import { desktopHome, type DesktopHome } from './desktop-home.js';

let h: DesktopHome;
beforeEach(async () => {
  h = await desktopHome();
});
afterEach(async () => {
  await h.remove();
});

const linuxDefault = () => join(h.home, '.config', 'Claude', 'claude_desktop_config.json');
const backupsOf = async (file: string) => (await readdir(dirname(file))).filter((f) => f.startsWith('claude_desktop_config.json.backup-'));

describe('install claude-desktop', { timeout: TEST_TIMEOUT_MS }, () => {
  it("creates Claude Desktop's file at the platform path with an entry that names the CLI's own data file, principal and node", async () => {
    const r = await h.cli(['install', 'claude-desktop', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { config_file: string; changed: boolean; created: boolean; backup_file: string | null };
    expect(out).toMatchObject({ object: 'claude_desktop_install', config_file: linuxDefault(), server_name: 'connector-gateway', changed: true, created: true, backup_file: null });
    const written = JSON.parse(await readFile(linuxDefault(), 'utf8')) as unknown;
    expect(written).toEqual({
      mcpServers: {
        'connector-gateway': {
          command: process.execPath,
          args: [CLI, 'serve', '--transport', 'stdio'],
          env: {
            CONNECTOR_GATEWAY_DATA: join(h.home, '.config', 'mcp-connector-gateway', 'data.json'),
            CONNECTOR_GATEWAY_USER: 'usr_local',
            CONNECTOR_GATEWAY_ORG: 'org_local',
          },
        },
      },
    });
    // The file other tools put tokens into is private from the start.
    expect((await stat(linuxDefault())).mode & 0o777).toBe(0o600);
  });

  it('follows XDG_CONFIG_HOME like Claude (Electron) does, and --config-file wins over both', async () => {
    const xdg = join(h.home, 'xdg');
    const r = await h.cli(['install', 'claude-desktop', '--json'], { XDG_CONFIG_HOME: xdg });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ config_file: join(xdg, 'Claude', 'claude_desktop_config.json') });
    const own = join(h.home, 'elsewhere', 'c.json');
    const r2 = await h.cli(['install', 'claude-desktop', '--config-file', own, '--json'], { XDG_CONFIG_HOME: xdg });
    expect(r2.code, r2.stderr).toBe(0);
    expect(existsSync(own)).toBe(true);
    // The entry carries the data file the CLI resolved under XDG_CONFIG_HOME: Claude will not see that variable.
    const entry = (JSON.parse(await readFile(own, 'utf8')) as { mcpServers: Record<string, { env: Record<string, string> }> }).mcpServers['connector-gateway'];
    expect(entry?.env.CONNECTOR_GATEWAY_DATA).toBe(join(xdg, 'mcp-connector-gateway', 'data.json'));
  });

  it('keeps other servers and unknown keys, backs the old file up with a timestamp, keeps its mode, and is idempotent', async () => {
    const file = linuxDefault();
    await mkdir(dirname(file), { recursive: true });
    const before = {
      globalShortcut: 'Ctrl+Space',
      mcpServers: { other: { command: 'npx', args: ['-y', 'other-server'], env: { OTHER_TOKEN: 'tok-other-123' } } },
      futureSetting: { nested: [1, 2, 3] },
    };
    const beforeText = JSON.stringify(before, null, 4);
    await writeFile(file, beforeText, { mode: 0o640 });

    const first = await h.cli(['install', 'claude-desktop', '--user', 'usr_ann', '--org', 'org_acme', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout) as { backup_file: string; changed: boolean; created: boolean };
    expect(out).toMatchObject({ changed: true, created: false });
    expect(out.backup_file).toMatch(/claude_desktop_config\.json\.backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(await readFile(out.backup_file, 'utf8')).toBe(beforeText);
    expect((await stat(out.backup_file)).mode & 0o777).toBe(0o600);

    const after = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & { mcpServers: Record<string, { env: Record<string, string> }> };
    expect(Object.keys(after)).toEqual(['globalShortcut', 'mcpServers', 'futureSetting']);
    expect(after.globalShortcut).toBe('Ctrl+Space');
    expect(after.futureSetting).toEqual({ nested: [1, 2, 3] });
    expect(after.mcpServers.other).toEqual(before.mcpServers.other);
    expect(after.mcpServers['connector-gateway']?.env).toMatchObject({ CONNECTOR_GATEWAY_USER: 'usr_ann', CONNECTOR_GATEWAY_ORG: 'org_acme' });
    expect((await stat(file)).mode & 0o777).toBe(0o640);

    // Again, unchanged: no write, no second backup.
    const text = await readFile(file, 'utf8');
    const again = await h.cli(['install', 'claude-desktop', '--user', 'usr_ann', '--org', 'org_acme']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already up to date');
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await backupsOf(file)).toHaveLength(1);

    // A different principal replaces our entry only, with a second backup.
    const third = await h.cli(['install', 'claude-desktop', '--user', 'usr_bob', '--org', 'org_acme']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('updated');
    expect(await backupsOf(file)).toHaveLength(2);
    const last = JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Record<string, { env: Record<string, string> }> };
    expect(Object.keys(last.mcpServers)).toEqual(['other', 'connector-gateway']);
    expect(last.mcpServers['connector-gateway']?.env.CONNECTOR_GATEWAY_USER).toBe('usr_bob');
  });

  it('--name installs a second entry beside the first', async () => {
    expect((await h.cli(['install', 'claude-desktop'])).code).toBe(0);
    const r = await h.cli(['install', 'claude-desktop', '--name', 'gw-work', '--data', join(h.home, 'work.json')]);
    expect(r.code, r.stderr).toBe(0);
    const cfg = JSON.parse(await readFile(linuxDefault(), 'utf8')) as { mcpServers: Record<string, { env: Record<string, string> }> };
    expect(Object.keys(cfg.mcpServers)).toEqual(['connector-gateway', 'gw-work']);
    expect(cfg.mcpServers['gw-work']?.env.CONNECTOR_GATEWAY_DATA).toBe(join(h.home, 'work.json'));
    const bad = await h.cli(['install', 'claude-desktop', '--name', '../x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/name: --name must be/);
  });

  for (const [label, text, rule] of [
    ['malformed JSON', '{"mcpServers": {"other": {"command": "x",}}', /is not valid JSON/],
    ['a JSON array', '[1, 2]', /must hold a JSON object/],
    ['mcpServers that is not an object', '{"mcpServers": ["other"]}', /mcpServers must be a JSON object/],
  ] as const) {
    it(`refuses ${label}, naming the file, and leaves it untouched`, async () => {
      const file = join(h.home, 'claude.json');
      await writeFile(file, text);
      const r = await h.cli(['install', 'claude-desktop', '--config-file', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: ${file}: `);
      expect(r.stderr).toMatch(rule);
      expect(r.stderr).toContain('left unchanged');
      expect(r.stderr).not.toContain('"command": "x"');
      expect(await readFile(file, 'utf8')).toBe(text);
      expect((await readdir(h.home)).filter((f) => f.includes('backup'))).toEqual([]);
    });
  }

  it('refuses to write a key from the environment into the file, without printing the key', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const r = await h.cli(['install', 'claude-desktop'], { CONNECTOR_GATEWAY_KEY: key });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONNECTOR_GATEWAY_KEY');
    expect(r.stderr).toContain('keychain');
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(existsSync(linuxDefault())).toBe(false);
  });

  it('passes the settings file (absolute) but not the network overrides (stored with the data instead), since Claude starts the server without the shell environment', async () => {
    const r = await h.cli(['install', 'claude-desktop', '--json'], { CONNECTOR_GATEWAY_CONFIG: 'settings.json', CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1', CONNECTOR_GATEWAY_DATA: 'rel/data.json' });
    expect(r.code, r.stderr).toBe(0);
    const { entry } = JSON.parse(r.stdout) as { entry: { env: Record<string, string> } };
    expect(entry.env).toEqual({
      CONNECTOR_GATEWAY_DATA: join(h.home, 'rel', 'data.json'),
      CONNECTOR_GATEWAY_USER: 'usr_local',
      CONNECTOR_GATEWAY_ORG: 'org_local',
      CONNECTOR_GATEWAY_CONFIG: join(h.home, 'settings.json'),
    });
    expect(r.stderr).toContain('run: connector-gateway settings set allow_loopback true');
  });
});
