import { z } from 'zod';
import type { ConfigurationRecord } from '../domain/configuration.js';
import { StorageError } from '../domain/errors.js';
import type { Change } from './changes.js';
import { deepFreeze } from './json.js';
import { withRevision } from './file-format.js';
import { ApiKeyRecordSchema, ConfigurationRecordSchema, parseStored } from './schemas.js';
import type { ApiKeyRecord } from './types.js';

/**
 * The journal, `<file>.journal`: one JSON line per acknowledged write not yet folded into the data
 * file, so a write costs one append of the record it changed instead of a rewrite of every record.
 *   {"e":"<epoch>","g":<generation>,"op":"put","record":{…}}   a configuration created or updated
 *   {"e":"<epoch>","g":<generation>,"op":"delete","id":"…"}     a configuration deleted
 *   {"e":"<epoch>","g":<generation>,"op":"key","key":{…}}      an API key created or revoked
 * A line applies to the data file of the same epoch when its generation is the next one: lines at
 * or below the file's generation were folded in already (a crash between fold and truncate).
 */
export type JournalEntry =
  | { g: number; op: 'put'; record: ConfigurationRecord; json: string }
  | { g: number; op: 'delete'; id: string }
  | { g: number; op: 'key'; key: ApiKeyRecord };

const Head = z.object({ e: z.string(), g: z.number().int().min(1), op: z.enum(['put', 'delete', 'key']) });
const DeleteLine = z.strictObject({ e: z.string(), g: z.number(), op: z.literal('delete'), id: z.string().min(1) });
const PutLine = z.strictObject({ e: z.string(), g: z.number(), op: z.literal('put'), record: z.unknown() });
const KeyLine = z.strictObject({ e: z.string(), g: z.number(), op: z.literal('key'), key: z.unknown() });

/** The line for a planned change; `json` is the record as the table caches it (and the data file holds it). */
export function encodeEntry(epoch: string, g: number, c: Change, json?: string): string {
  const head = `{"e":${JSON.stringify(epoch)},"g":${g},`;
  if (c.kind === 'api_key') return `${head}"op":"key","key":${JSON.stringify(c.after)}}\n`;
  if (c.op === 'deleted') return `${head}"op":"delete","id":${JSON.stringify(c.before.id)}}\n`;
  return `${head}"op":"put","record":${json ?? JSON.stringify(c.after)}}\n`;
}

export interface ParsedJournal {
  /** Lines of `epoch`, in order, validated. */
  entries: JournalEntry[];
  /** Bytes up to the end of the last good line: where the next append belongs. */
  cleanBytes: number;
  /** Bytes after `cleanBytes`: an append in progress, or one a crash cut short. */
  tornBytes: number;
  /** Lines of another epoch: a journal left from a data file that was replaced; never replayed. */
  foreign: number;
}

function corrupt(path: string, line: number, what: string): StorageError {
  return new StorageError(
    `journal ${path}: line ${line} ${what}; the files were left untouched; restore the data file and its journal from a backup, or move both away to start with an empty store`,
    'storage_corrupt',
  );
}

/**
 * Parses `buf`, read from a line boundary of the journal; `firstLine` numbers its lines in
 * messages. Only whole lines count. The last line, if it does not parse as JSON, is taken as torn
 * (a crash mid-append): ignored, never a reason to refuse the file. A bad line with good lines after
 * it is damage, and throws. (Bytes, not text: a newline byte never occurs inside a UTF-8 sequence,
 * and a torn tail may end mid-character.)
 */
export function parseJournal(buf: Buffer, path: string, epoch: string | undefined, firstLine = 1): ParsedJournal {
  const out: ParsedJournal = { entries: [], cleanBytes: 0, tornBytes: 0, foreign: 0 };
  let at = 0;
  let n = firstLine;
  for (;;) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', at, nl));
    } catch {
      if (buf.indexOf(10, nl + 1) >= 0) throw corrupt(path, n, 'is not valid JSON');
      break; // the last whole line is torn: treated like a missing newline
    }
    const entry = parseLine(value, path, n, epoch);
    if (entry === 'foreign') out.foreign++;
    else out.entries.push(entry);
    at = nl + 1;
    n++;
  }
  out.cleanBytes = at;
  out.tornBytes = buf.length - at;
  return out;
}

function parseLine(value: unknown, path: string, n: number, epoch: string | undefined): JournalEntry | 'foreign' {
  const where = `journal ${path}: line ${n}`;
  const head = parseStored(Head, value, where);
  if (head.e !== epoch) return 'foreign';
  switch (head.op) {
    case 'delete':
      return { g: head.g, op: 'delete', id: parseStored(DeleteLine, value, where).id };
    case 'put': {
      // A line a v1 process appended has no revision yet: the same upgrade as the data file's.
      const record = deepFreeze(parseStored(ConfigurationRecordSchema, withRevision(parseStored(PutLine, value, where).record), `${where}: record`));
      return { g: head.g, op: 'put', record, json: JSON.stringify(record) };
    }
    case 'key':
      return { g: head.g, op: 'key', key: deepFreeze(parseStored(ApiKeyRecordSchema, parseStored(KeyLine, value, where).key, `${where}: key`)) };
  }
}
