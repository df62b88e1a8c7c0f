import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMcpConfigForManifest, v0_3 } from '@anthropic-ai/mcpb';
import { describe, expect, it } from 'vitest';
import { MCPB_CLI, ManifestShape, PackageShape, readJson, ROOT, run } from './mcpb.js';

const manifestFile = join(ROOT, 'manifest.json');
const manifest = readJson(manifestFile, ManifestShape);
const pkg = readJson(join(ROOT, 'package.json'), PackageShape);

/** What Claude Desktop passes the server when the user changes nothing, through mcpb's own code. */
async function resolvedConfig(userConfig: Record<string, string | boolean> = {}) {
  const config = await getMcpConfigForManifest({
    manifest: v0_3.McpbManifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8'))),
    extensionPath: '/opt/bundle',
    systemDirs: { HOME: '/home/u' },
    userConfig,
    pathSeparator: '/',
  });
  if (!config) throw new Error('mcpb resolved no server configuration (a required user_config value is missing?)');
  return config;
}

describe('manifest.json', () => {
  it('passes mcpb validate', async () => {
    const r = await run(process.execPath, [MCPB_CLI, 'validate', manifestFile]);
    expect(r.stdout + r.stderr).toContain('Manifest schema validation passes');
    expect(r.code).toBe(0);
  });

  it('agrees with package.json on name, version, license, entry point and Node version', () => {
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.license).toBe(pkg.license);
    expect(manifest.server.entry_point).toBe(pkg.bin['connector-gateway']);
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${manifest.server.entry_point}`, 'serve', '--transport', 'stdio']);
    const minMajor = (range: string) => Number(/^>=\s*(\d+)/.exec(range)?.[1]);
    expect(minMajor(manifest.compatibility.runtimes.node)).toBe(minMajor(pkg.engines.node));
    if (pkg.repository !== undefined) {
      const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository.url;
      expect(manifest.repository?.url).toBe(url);
    }
    expect(pkg.scripts.bundle).toBe('node scripts/bundle.mjs');
  });

  it('points at an entry point that the build produced', () => {
    const entry = join(ROOT, manifest.server.entry_point);
    expect(existsSync(entry), `${entry} is missing: run npm run build first`).toBe(true);
  });

  it('declares every user_config value the server configuration uses, and uses every one it declares', () => {
    const used = new Set<string>();
    for (const value of [...manifest.server.mcp_config.args, ...Object.values(manifest.server.mcp_config.env)]) {
      for (const m of value.matchAll(/\$\{user_config\.([^}]+)\}/g)) used.add(m[1] ?? '');
    }
    expect([...used].sort()).toEqual(Object.keys(manifest.user_config).sort());
    expect(manifest.user_config.encryption_key?.sensitive).toBe(true);
  });

  it('passes no unresolved placeholder when the user leaves every setting alone', async () => {
    // mcpb leaves `${user_config.x}` as literal text when x has neither a value nor a default; the
    // gateway would then read it as a data path or a (bad) key. Optional settings need a default.
    const config = await resolvedConfig();
    expect(JSON.stringify(config)).not.toContain('${');
    expect(config.command).toBe('node');
    expect(config.args).toEqual(['/opt/bundle/dist/src/cli/main.js', 'serve', '--transport', 'stdio']);
    expect(config.env).toEqual({
      CONNECTOR_GATEWAY_DATA: '',
      CONNECTOR_GATEWAY_USER: 'usr_local',
      CONNECTOR_GATEWAY_ORG: 'org_local',
      CONNECTOR_GATEWAY_KEY: '',
    });
  });

  it("passes the user's settings through to the server's environment", async () => {
    const config = await resolvedConfig({ data_file: '/data/gw.json', user_id: 'usr_ann', organization_id: 'org_acme' });
    expect(config.env).toMatchObject({
      CONNECTOR_GATEWAY_DATA: '/data/gw.json',
      CONNECTOR_GATEWAY_USER: 'usr_ann',
      CONNECTOR_GATEWAY_ORG: 'org_acme',
    });
    // The network allowances are stored with the data (connector-gateway settings), not passed by Claude.
    expect(config.env).not.toHaveProperty('CONNECTOR_GATEWAY_ALLOW_LOOPBACK');
  });
});
