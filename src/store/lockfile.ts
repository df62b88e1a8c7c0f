import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StorageError } from '../domain/errors.js';

/**
 * A cross-process lock as a file created with O_EXCL ('wx'). Written by hand: the npm lock
 * libraries either poll mtimes on a timer (more handles to close) or need mkdir semantics; this is
 * the few lines the store needs, with pid-based stale detection for the common crash case.
 */
export interface LockOptions {
  /** A lock older than this is considered abandoned and is broken. */
  ttlMs: number;
  /** Give up (StorageError lock_timeout) after waiting this long. */
  timeoutMs: number;
}

interface LockBody {
  pid: number;
  host: string;
  token: string;
  at: number;
}

const HOST = hostname();

function parseBody(text: string): LockBody | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockBody>;
    if (typeof v.pid === 'number' && typeof v.at === 'number' && typeof v.token === 'string' && typeof v.host === 'string') return v as LockBody;
  } catch {
    // Empty or half-written: its holder died between open and write, or is writing right now.
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string, ttlMs: number): Promise<string | undefined> {
  let text: string;
  let mtime: number;
  try {
    [text, mtime] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtimeMs)]);
  } catch {
    return undefined; // gone already: just retry
  }
  const body = parseBody(text);
  const age = Date.now() - (body?.at ?? mtime);
  if (age > ttlMs) return text;
  if (body && body.host === HOST && body.pid !== process.pid && !pidAlive(body.pid)) return text;
  return undefined;
}

/**
 * Breaks a stale lock without ever deleting a fresh one: move it aside under a unique name, check it
 * is still the stale content, and if another process had just taken the lock, put it back (link
 * fails if someone else holds the name by then, in which case ours was the older claim anyway).
 */
async function breakStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const text = await readFile(aside, 'utf8').catch(() => staleText);
  if (text !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Takes the lock, waiting with a small randomised backoff. Returns the release function. */
export async function acquireLock(path: string, opts: LockOptions): Promise<() => Promise<void>> {
  const token = randomBytes(8).toString('hex');
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 1;
  for (;;) {
    const body: LockBody = { pid: process.pid, host: HOST, token, at: Date.now() };
    try {
      await writeFile(path, JSON.stringify(body), { flag: 'wx', mode: 0o600 });
      return () => release(path, token);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new StorageError(`cannot create the lock file ${path}: ${code ?? String(e)}; check that its folder exists and is writable`, 'lock_failed', e);
      }
    }
    const stale = await isStale(path, opts.ttlMs);
    if (stale !== undefined) {
      await breakStale(path, stale);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StorageError(
        `timed out after ${opts.timeoutMs} ms waiting for the lock ${path}; another process holds it (delete the file if no connector-gateway process is running)`,
        'lock_timeout',
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 25);
  }
}

async function release(path: string, token: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  // Only remove our own lock: if it was broken as stale and retaken, it is someone else's now.
  if (parseBody(text)?.token === token) await unlink(path).catch(() => undefined);
}
