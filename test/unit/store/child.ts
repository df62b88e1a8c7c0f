import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./writer-child.ts', import.meta.url));

/** Runs writer-child.ts in its own Node process; resolves with the ids it created. */
export function runWriter(file: string, count: number, user: string, then?: `rename=${string}` | `delete=${string}`, env?: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, file, String(count), user, ...(then ? [then] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`writer exited with ${code}: ${err}`));
      resolve((JSON.parse(out) as { ids: string[] }).ids);
    });
  });
}
