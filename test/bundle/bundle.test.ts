/**
 * The packed bundle, end to end: `npm run bundle`'s script packs it (offline, from npm's cache),
 * mcpb unpacks it, and the server starts from the unpacked folder exactly as Claude Desktop starts
 * it: the manifest's mcp_config, resolved by mcpb's own code from the user's settings, over stdio.
 * Packing takes some 15-25 s here (npm ci of the production dependencies dominates).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getMcpConfigForManifest, unpackExtension, v0_3 } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFilePath } from '../../src/crypto/key-file.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { ROOT, run } from './mcpb.js';
import { TEST_TIMEOUT_MS } from '../helpers/timing.js';

let dir: string;
let unpacked: string;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let client: Client | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-bundle-'));
  const out = join(dir, 'gateway.mcpb');
  // The suite builds once before the tests (npm test); packing reuses that build.
  const packed = await run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--skip-build', '--offline', '--staging', join(dir, 'staging'), '--out', out]);
  if (packed.code !== 0) throw new Error(`bundle failed (${packed.code}):\n${packed.stderr}\n${packed.stdout}`);
  unpacked = join(dir, 'unpacked');
  if (!(await unpackExtension({ mcpbPath: out, outputDir: unpacked, silent: true }))) throw new Error('mcpb could not unpack the bundle');
  upstream = await startUpstream();
}, TEST_TIMEOUT_MS * 2); // packing runs npm ci of the production dependencies: the slowest step of the suite

afterAll(async () => {
  await client?.close();
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The user's settings in Claude Desktop, turned into a command line by mcpb's own code. */
async function desktopLaunch(userConfig: Record<string, string | boolean>) {
  const manifest = v0_3.McpbManifestSchema.parse(JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')));
  const config = await getMcpConfigForManifest({ manifest, extensionPath: unpacked, systemDirs: { HOME: dir }, userConfig, pathSeparator: '/' });
  if (!config) throw new Error('mcpb resolved no server configuration');
  // Claude Desktop runs `node` with the Node.js it ships; here that is the Node running the tests.
  return { command: config.command === 'node' ? process.execPath : config.command, args: config.args ?? [], env: config.env ?? {} };
}

describe('the packed bundle', () => {
  it('holds the manifest, the build and the production dependencies, and no dev dependencies', async () => {
    const manifest: unknown = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'mcp-connector-gateway', server: { entry_point: 'dist/src/cli/main.js' } });
    await expect(readFile(join(unpacked, 'dist', 'src', 'cli', 'main.js'), 'utf8')).resolves.toContain('runCli');
    await expect(readFile(join(unpacked, 'node_modules', 'zod', 'package.json'), 'utf8')).resolves.toContain('"name": "zod"');
    await expect(readFile(join(unpacked, 'node_modules', 'vitest', 'package.json'), 'utf8')).rejects.toThrow(/ENOENT/);
    const built = await readdir(join(unpacked, 'dist'), { recursive: true });
    expect(built.filter((f) => f.endsWith('.test.js') || f.endsWith('.map'))).toEqual([]);
    await expect(readFile(join(unpacked, 'node_modules', 'typescript', 'package.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('serves the configured tools over stdio when started the way Claude Desktop starts it', async () => {
    const dataFile = join(dir, 'gateway.json');
    const userConfig = { data_file: dataFile, user_id: 'usr_bundle', organization_id: 'org_bundle' };
    const launch = await desktopLaunch(userConfig);
    const env = { ...getDefaultEnvironment(), ...launch.env };

    // The same entry point, as a CLI, allows local servers for every process on this data file…
    const allowed = await run(launch.command, [launch.args[0] ?? '', 'settings', 'set', 'allow_loopback', 'true'], { env, cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    // …and creates the configuration the server will serve.
    const created = await run(
      launch.command,
      [launch.args[0] ?? '', 'configs', 'create', '--connector', 'pc_custom_mcp', '--name', 'Local echo', '--config', JSON.stringify({ endpoint: upstream.url }), '--json'],
      { env, cwd: dir },
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ user_id: 'usr_bundle', organization_id: 'org_bundle', personal_connector_id: 'pc_custom_mcp' });

    // No encryption key was set: the key file beside the data file seals the credentials.
    expect(existsSync(keyFilePath(dataFile))).toBe(true);

    client = new Client({ name: 'bundle-test', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: launch.command, args: launch.args, env, cwd: dir, stderr: 'pipe' });
    // Drained so that the server never blocks on a full pipe; kept for the failure message.
    let logs = '';
    transport.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    await client.connect(transport);
    const { tools } = await client.listTools();
    const echo = tools.find((t) => t.name.endsWith('_echo'));
    expect(echo, `${JSON.stringify(tools.map((t) => t.name))}\n${logs}`).toBeDefined();
    const prefix = (echo?.name ?? '').slice(0, -'echo'.length);
    // Besides the configuration's tools, only the stdio server's own: the settings page link.
    expect(tools.filter((t) => !t.name.startsWith(prefix)).map((t) => t.name)).toEqual(['open-gateway-settings']);

    const result = await client.callTool({ name: echo?.name ?? '', arguments: { message: 'through the bundle' } });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'through the bundle' }]);
    expect(upstream.seen.calls).toEqual(['echo']);
  });
});
