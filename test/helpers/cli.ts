import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built binary: what `npm run build` produces and Claude Desktop runs. */
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A temp data file and a fixed key: every CLI and server process of a test shares them. Loopback
 * upstreams are allowed the way a user allows them, in the settings stored beside the data file
 * (`connector-gateway settings set allow_loopback true`); with a database, by the per-process override.
 */
export function tempEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'cgw-e2e-'));
  const dataFile = join(dir, 'data.json');
  writeFileSync(`${dataFile}.settings.json`, JSON.stringify({ allow_loopback: true }) + '\n', { mode: 0o600 });
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CONNECTOR_GATEWAY_')) base[k] = v;
  return {
    ...base,
    CONNECTOR_GATEWAY_DATA: dataFile,
    CONNECTOR_GATEWAY_KEY: randomBytes(32).toString('base64'),
    ...(extra.CONNECTOR_GATEWAY_DATABASE_URL !== undefined ? { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } : {}),
    ...extra,
  };
}

export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export async function cliJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`connector-gateway ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
