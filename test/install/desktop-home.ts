/**
 * A person's machine in a temp folder: HOME points there, nothing of the caller's
 * CONNECTOR_GATEWAY_* or XDG_* leaks in, and the built binary runs as `connector-gateway`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/cli.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DesktopHome {
  home: string;
  /** The environment of a shell on that machine (plus `extra`). */
  env(extra?: Record<string, string>): Record<string, string>;
  cli(args: string[], extra?: Record<string, string>, input?: string): Promise<Run>;
  remove(): Promise<void>;
}

export function runProcess(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export async function desktopHome(): Promise<DesktopHome> {
  const home = await mkdtemp(join(tmpdir(), 'cgw-home-'));
  const env = (extra: Record<string, string> = {}) => {
    const out: Record<string, string> = { HOME: home, CONNECTOR_GATEWAY_LOG_LEVEL: 'warn' };
    for (const k of ['PATH', 'LANG', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL']) {
      const v = process.env[k];
      if (v !== undefined) out[k] = v;
    }
    return { ...out, ...extra };
  };
  return {
    home,
    env,
    cli: (args, extra, input) => runProcess(process.execPath, [CLI, ...args], { env: env(extra), cwd: home, ...(input !== undefined ? { input } : {}) }),
    remove: () => rm(home, { recursive: true, force: true }),
  };
}
