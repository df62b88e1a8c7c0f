import { appendFile, open } from 'node:fs/promises';
import type { Logger } from '../domain/logger.js';
import { deepFreeze } from './json.js';
import { AuditEventSchema } from './schemas.js';
import type { AuditEvent } from './types.js';

/**
 * The audit trail as JSON lines, appended with O_APPEND: each event is one write() of one line, which
 * the kernel does not interleave with other appenders on a local file, so processes need no lock.
 * Audit is not fsynced: losing the last events in a power cut is accepted; losing data is not.
 * Reads tail the file from where they stopped, so listing stays cheap as it grows.
 */
export class AuditLog {
  readonly #events: AuditEvent[] = [];
  #offset = 0;
  #partial = '';

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    await appendFile(this.path, JSON.stringify(event) + '\n', { mode: 0o600 });
  }

  /**
   * Several events in as few write() calls as possible, each a run of whole lines under CHUNK_BYTES,
   * so a concurrent reader or appender never sees a line cut in two.
   */
  async appendBatch(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const fh = await open(this.path, 'a', 0o600);
    try {
      for (const chunk of lineChunks(events.map((e) => JSON.stringify(e) + '\n'))) {
        const buf = Buffer.from(chunk, 'utf8');
        let done = 0;
        // A regular file takes the whole buffer in one write; the loop only guards a short write.
        while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten;
      }
    } finally {
      await fh.close();
    }
  }

  async all(): Promise<readonly AuditEvent[]> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.#events;
      throw e;
    }
    try {
      const { size } = await fh.stat();
      if (size < this.#offset) this.#reset(); // truncated or replaced by hand: start over
      if (size === this.#offset) return this.#events;
      const buf = Buffer.alloc(size - this.#offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.#offset);
      this.#offset += bytesRead;
      this.#ingest(buf.subarray(0, bytesRead).toString('utf8'));
    } finally {
      await fh.close();
    }
    return this.#events;
  }

  #reset(): void {
    this.#events.length = 0;
    this.#offset = 0;
    this.#partial = '';
  }

  #ingest(text: string): void {
    const lines = (this.#partial + text).split('\n');
    // The last piece has no newline yet: an append in progress. Keep it for the next read.
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let parsed;
      try {
        parsed = AuditEventSchema.safeParse(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) this.#events.push(deepFreeze(parsed.data));
      else this.log.warn({ file: this.path }, 'skipping an unreadable audit line');
    }
  }
}

/** Well under the 512 KiB Node hands to one write(); a single longer line stays whole in its own chunk. */
const CHUNK_BYTES = 64 * 1024;

function lineChunks(lines: readonly string[]): string[] {
  const chunks: string[] = [];
  let current = '';
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line);
    if (current !== '' && bytes + size > CHUNK_BYTES) {
      chunks.push(current);
      current = '';
      bytes = 0;
    }
    current += line;
    bytes += size;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
