import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, link, mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StorageError } from '../domain/errors.js';

/** What identifies one version of the file: atomic writes replace the inode, so ino changes too. */
export function identityOf(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

export async function currentIdentity(path: string): Promise<string | undefined> {
  try {
    return identityOf(await stat(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('cannot read the data file', path, e);
  }
}

/** `what` names the action and the file's role ("cannot read the data file"); never its content. */
export function ioError(what: string, path: string, e: unknown): StorageError {
  const code = (e as NodeJS.ErrnoException).code ?? String(e);
  return new StorageError(`${what} ${path}: ${code}`, 'storage_io', e);
}

/** Text and identity of the same version (one descriptor), or undefined when there is no file. */
export async function readSnapshot(path: string): Promise<{ text: string; identity: string; size: number } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('cannot open the data file', path, e);
  }
  try {
    const st = await fh.stat();
    return { text: await fh.readFile('utf8'), identity: identityOf(st), size: st.size };
  } catch (e) {
    throw ioError('cannot read the data file', path, e);
  } finally {
    await fh.close();
  }
}

/**
 * Creates the file with `text` unless it exists. Written to a private temp file first and then
 * hard-linked into place: link() fails if the name exists, so two processes starting together never
 * overwrite each other, and no reader ever sees a half-written file.
 */
export async function createExclusive(path: string, text: string, mode: number): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.new`);
  await writeFile(tmp, text, { mode, flag: 'wx', flush: true });
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Narrows an existing file to owner read/write (0600) when others (group or world) may read or write
 * it: a data file copied in, restored from a backup or written by an older version is made private
 * before the store works with it. Returns the mode bits it removed (0 when there was nothing to do
 * or no file). Never widens, and never touches the owner's bits.
 */
export async function tightenMode(path: string): Promise<number> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw ioError('cannot read the data file', path, e);
  }
  const extra = mode & 0o077;
  if (extra === 0) return 0;
  try {
    await chmod(path, mode & 0o700);
  } catch (e) {
    throw ioError('cannot make private (chmod 600)', path, e);
  }
  return extra;
}

export async function fsyncPath(path: string): Promise<Stats> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
    return await fh.stat();
  } finally {
    await fh.close();
  }
}

/**
 * The data file, replaced atomically (writeFileAtomic: a 0600 temp file, fsynced, renamed, folder
 * fsynced) so a write is on disk before it resolves and no copy of the data is ever readable by
 * other users, not even while a fold is being written.
 */
export class DurableFile {
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
    private readonly beforeReplace?: (tempFile: string) => Promise<void>,
  ) {}

  /** Writes and returns the identity and size of the version written. */
  async write(text: string): Promise<{ identity: string; size: number }> {
    try {
      await writeFileAtomic(this.path, text, { mode: 0o600, fsync: this.fsync, ...(this.beforeReplace ? { beforeReplace: this.beforeReplace } : {}) });
      const st = await stat(this.path);
      return { identity: identityOf(st), size: st.size };
    } catch (e) {
      throw ioError('cannot write the data file', this.path, e);
    }
  }
}

/**
 * Replaces `path` atomically with a file that is `mode` from its first byte: a temp file opened
 * with that mode (umask can only narrow it), written, fsynced, renamed over the target, and the
 * folder fsynced. Hand-written because steno (lowdb's writer) creates its temp file with the
 * default mode, which leaves a world-readable copy of the data for as long as the write takes.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  opts: { mode: number; fsync: boolean; beforeReplace?: (tempFile: string) => Promise<void> },
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', opts.mode);
    try {
      await fh.writeFile(text, 'utf8');
      if (opts.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    // An observation point (the store's option of the same name): the temp file, complete, before it replaces the target.
    if (opts.beforeReplace) await opts.beforeReplace(tmp);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (opts.fsync) await fsyncPath(dirname(path));
}
