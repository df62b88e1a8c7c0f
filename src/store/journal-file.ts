import { statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncPath, identityOf, ioError } from './file-io.js';

export interface JournalRead {
  /** The bytes from the requested offset to the end of the file as it was when opened. */
  buf: Buffer;
  identity: string;
  size: number;
}

/**
 * The journal's I/O. Appends happen only under the store's lock file, so the file has one writer at
 * a time; readers may see an append in progress as a line without its newline, which the parser
 * leaves for later. Truncation (after a fold) keeps the inode, so a descriptor never points at a
 * dead file and a size or mtime change tells readers it happened.
 */
export class JournalFile {
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
  ) {}

  /** For the read path: one stat, no exception when the journal does not exist. */
  identitySync(): string | undefined {
    const st = statSync(this.path, { throwIfNoEntry: false });
    return st ? identityOf(st) : undefined;
  }

  async identity(): Promise<string | undefined> {
    try {
      return identityOf(await stat(this.path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot read the journal', this.path, e);
    }
  }

  /** Bytes from `from` on, with the identity of the version read; undefined when there is no journal. */
  async read(from: number): Promise<JournalRead | undefined> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot open the journal', this.path, e);
    }
    try {
      const st = await fh.stat();
      const buf = Buffer.alloc(Math.max(0, st.size - from));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, from + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return { buf: buf.subarray(0, done), identity: identityOf(st), size: st.size };
    } catch (e) {
      throw ioError('cannot read the journal', this.path, e);
    } finally {
      await fh.close();
    }
  }

  /**
   * Appends whole lines at `cleanBytes`, first cutting off whatever follows it (a line a crash left
   * torn: appending after it would glue the new line to it). The caller holds the lock and has just
   * read the journal, so nobody else writes meanwhile. Durable (fdatasync, and the folder when the
   * file is new) before it resolves.
   */
  async append(lines: string, cleanBytes: number): Promise<JournalRead> {
    const buf = Buffer.from(lines, 'utf8');
    let fh;
    try {
      fh = await open(this.path, 'a', 0o600);
    } catch (e) {
      throw ioError('cannot open the journal', this.path, e);
    }
    try {
      const before = await fh.stat();
      if (before.size < cleanBytes) throw new Error(`EJOURNALSHRANK (expected at least ${cleanBytes} bytes, found ${before.size})`);
      if (before.size > cleanBytes) await fh.truncate(cleanBytes);
      try {
        let done = 0;
        // O_APPEND: each write lands at the end; a regular file takes the buffer whole.
        while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten;
        if (this.fsync) await fh.datasync();
      } catch (e) {
        // Leave no half line behind us for the next writer to trip over.
        await fh.truncate(cleanBytes).catch(() => undefined);
        throw e;
      }
      const st = await fh.stat();
      if (this.fsync && before.size === 0 && cleanBytes === 0) await fsyncPath(dirname(this.path)); // maybe a new file: make its name durable
      return { buf, identity: identityOf(st), size: st.size };
    } catch (e) {
      throw ioError('cannot append to the journal', this.path, e);
    } finally {
      await fh.close();
    }
  }

  /** Empties the journal once its lines are in the data file; the identity after, or undefined if there is none. */
  async truncate(): Promise<string | undefined> {
    let fh;
    try {
      fh = await open(this.path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot open the journal', this.path, e);
    }
    try {
      await fh.truncate(0);
      if (this.fsync) await fh.datasync();
      return identityOf(await fh.stat());
    } catch (e) {
      throw ioError('cannot truncate the journal', this.path, e);
    } finally {
      await fh.close();
    }
  }
}
