import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, link, mkdir, open, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TextFile } from 'lowdb/node';
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
 * Atomic replace through lowdb's TextFile (steno: temp file + rename), then fsync of the file and its
 * folder so a write is on disk before it resolves. steno does not fsync before its rename, so a
 * power cut in that window could leave a short file on filesystems without rename-replace ordering
 * (ext4 and btrfs order it); the open() would then refuse the file rather than empty the store.
 */
export class DurableFile {
  readonly #adapter: TextFile;

  constructor(
    readonly path: string,
    private readonly fsync: boolean,
  ) {
    this.#adapter = new TextFile(path);
  }

  /** Writes and returns the identity and size of the version written. */
  async write(text: string): Promise<{ identity: string; size: number }> {
    try {
      await this.#adapter.write(text);
      // steno creates its temp file with the default mode (0644 under a usual umask): narrow it back.
      await chmod(this.path, 0o600);
      const st = this.fsync ? await fsyncPath(this.path) : await stat(this.path);
      if (this.fsync) await fsyncPath(dirname(this.path));
      return { identity: identityOf(st), size: st.size };
    } catch (e) {
      throw ioError('cannot write the data file', this.path, e);
    }
  }
}
