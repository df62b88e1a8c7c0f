/**
 * The one-command install: the package as `npm pack` ships it, run with `npx -y ./<tarball>`, writes
 * Claude Desktop's entry; the server that entry starts serves a configuration made by the packed
 * CLI (so the tarball holds everything that runs: build, production dependencies, bin). And the
 * repository itself runs with `npx -y <clone>`. npx resolves dependencies through npm's cache and
 * the registry, as on a user's machine; its own install folder under the cache is removed after.
 */
import { homedir } from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS } from '../helpers/timing.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { ROOT } from '../helpers/cli.js';
import { runProcess } from './desktop-home.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
let dir: string;
let home: string;
let tarball: string;
const npxFolders: string[] = [];

/** A user's shell on a fresh HOME, with npm's real cache and settings (registry, CA) kept. */
function shellEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    ...getDefaultEnvironment(),
    HOME: home,
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
    npm_config_userconfig: process.env.npm_config_userconfig ?? join(homedir(), '.npmrc'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_prefer_offline: 'true',
    CONNECTOR_GATEWAY_LOG_LEVEL: 'warn',
  };
  if (process.env.npm_config_registry) env.npm_config_registry = process.env.npm_config_registry;
  return { ...env, ...extra };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cgw-npx-'));
  home = join(dir, 'home');
  // The suite has built dist/ already; --ignore-scripts skips prepack's second build.
  const packed = await runProcess(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { env: { ...process.env, npm_config_update_notifier: 'false' }, cwd: ROOT });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error('npm pack printed nothing');
  tarball = info.filename;
  const paths = info.files.map((f) => f.path);
  expect(paths).toContain('dist/src/cli/main.js');
  expect(paths).toContain('manifest.json');
  // The management page, built by npm run build into dist/ui, is served from the package too.
  expect(paths).toContain('dist/ui/index.html');
  expect(paths.filter((p) => p.endsWith('.map') || p.endsWith('.test.js') || p.startsWith('test/') || p.startsWith('src/'))).toEqual([]);
}, 1.5 * TEST_TIMEOUT_MS); // npm pack on a loaded machine

afterAll(async () => {
  for (const f of npxFolders) await rm(f, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npx', () => {
  it('runs the packed tarball: install claude-desktop writes an entry whose server serves what the packed CLI sealed', async () => {
    const upstream = await startUpstream({ requireBearer: 'tok-npx-7' });
    try {
      // An absolute file: spec: npx names its install folder after the spec as given (a hash of it, for a
      // file), so "./<tarball>" would be one folder for every run on the machine, and a concurrent
      // run's cleanup would delete the server this one starts.
      const installed = await runProcess(npx, ['-y', `file:${join(dir, tarball)}`, 'install', 'claude-desktop', '--json'], { env: shellEnv(), cwd: dir });
      expect(installed.code, installed.stderr).toBe(0);
      const { config_file, entry } = JSON.parse(installed.stdout) as { config_file: string; entry: { command: string; args: string[]; env: Record<string, string> } };
      expect(config_file).toBe(join(home, '.config', 'Claude', 'claude_desktop_config.json'));
      const main = entry.args[0] ?? '';
      expect(main).toMatch(new RegExp(`\\${sep}_npx\\${sep}[0-9a-f]+\\${sep}node_modules\\${sep}mcp-connector-gateway\\${sep}dist\\${sep}src\\${sep}cli\\${sep}main\\.js$`));
      npxFolders.push(dirname(dirname(dirname(dirname(dirname(dirname(main)))))));
      expect(installed.stderr).toContain("runs the copy in npx's cache");
      expect(JSON.parse(await readFile(config_file, 'utf8'))).toEqual({ mcpServers: { 'connector-gateway': entry } });

      // The upstream stand-in listens on loopback: allowed once, in the settings stored with the data,
      // which the entry's server reads too (nothing network-related is copied into Claude's entry).
      const allowed = await runProcess(entry.command, [main, 'settings', 'set', 'allow_loopback', 'true'], { env: shellEnv(), cwd: dir });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(Object.keys(entry.env).filter((k) => k.startsWith('CONNECTOR_GATEWAY_ALLOW_'))).toEqual([]);

      // The packed CLI seals a credential on the defaults; the entry's server opens it.
      const created = await runProcess(
        entry.command,
        [main, 'configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Packed', '--config', JSON.stringify({ endpoint: upstream.url }), '--credentials-file', '-'],
        { env: shellEnv(), cwd: dir, input: JSON.stringify({ type: 'bearer', token: 'tok-npx-7' }) },
      );
      expect(created.code, created.stderr).toBe(0);

      const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
      const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...getDefaultEnvironment(), HOME: home, ...entry.env }, cwd: dir, stderr: 'pipe' });
      let logs = '';
      transport.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
      try {
        await client.connect(transport);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name), logs).toContain('packed_echo');
        const result = await client.callTool({ name: 'packed_echo', arguments: { message: 'from the tarball' } });
        expect(result.content).toEqual([{ type: 'text', text: 'from the tarball' }]);
      } finally {
        await client.close();
      }
    } finally {
      await upstream.close();
    }
  }, 2.5 * TEST_TIMEOUT_MS); // npx installs the tarball

  it('runs from the repository', async () => {
    const r = await runProcess(npx, ['-y', ROOT, 'connectors', 'list', '--json'], { env: shellEnv(), cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const ids = (JSON.parse(r.stdout) as { data: { id: string }[] }).data.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['pc_github', 'pc_clickup', 'pc_jira', 'pc_teams', 'pc_custom_mcp']));
  }, 2.5 * TEST_TIMEOUT_MS); // npx installs the tarball
});
