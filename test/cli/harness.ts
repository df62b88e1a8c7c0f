import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_KEY = Buffer.alloc(32, 9).toString('base64');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  dir: string;
  dataFile: string;
  env: NodeJS.ProcessEnv;
  /** In process: fast, same code path as the binary after argv parsing. */
  run(args: string[], opts?: { stdin?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** The real binary in a child process: exit codes, streams, shebang-free entry. */
  spawn(args: string[], opts?: { stdin?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  json<T = Record<string, unknown>>(args: string[]): Promise<T>;
  dataFileText(): Promise<string>;
  close(): Promise<void>;
}

export async function cliHarness(): Promise<CliHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'cgw-cli-'));
  const dataFile = join(dir, 'data.json');
  // Loopback fakes are allowed the way a user allows them: the setting stored beside the data file.
  await writeFile(`${dataFile}.settings.json`, JSON.stringify({ allow_loopback: true }) + '\n', { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { CONNECTOR_GATEWAY_DATA: dataFile, CONNECTOR_GATEWAY_KEY: TEST_KEY, CONNECTOR_GATEWAY_LOG_LEVEL: 'warn' };
  const h: CliHarness = {
    dir,
    dataFile,
    env,
    async run(args, opts = {}) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        env: { ...env, ...(opts.env ?? {}) },
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        readStdin: async () => opts.stdin ?? '',
      });
      return { code, stdout, stderr };
    },
    spawn(args, opts = {}) {
      return new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: dir, ...env, ...(opts.env ?? {}) },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(opts.stdin ?? '');
      });
    },
    async json<T>(args: string[]) {
      const r = await h.run([...args, '--json']);
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    // The data file and its journal: together they are what is stored.
    dataFileText: async () => (await readFile(dataFile, 'utf8')) + '\u0000' + (await readFile(`${dataFile}.journal`, 'utf8').catch(() => '')),
    close: () => rm(dir, { recursive: true, force: true }),
  };
  return h;
}
