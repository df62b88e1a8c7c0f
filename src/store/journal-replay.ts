import type { Change } from './changes.js';
import type { RawDocument } from './file-format.js';
import type { JournalEntry } from './journal-format.js';
import { jsonEqual } from './json.js';
import type { Tables } from './tables.js';

/**
 * The entries that continue `generation`, or undefined when the journal does not continue it (a
 * line missing in between, or out of order). Entries at or below it were folded in already.
 */
export function continuing(entries: readonly JournalEntry[], generation: number): JournalEntry[] | undefined {
  const out: JournalEntry[] = [];
  let g = generation;
  for (const e of entries) {
    if (out.length === 0 && e.g <= generation) continue;
    if (e.g !== g + 1) return undefined;
    out.push(e);
    g = e.g;
  }
  return out;
}

/** The document with the journal's entries applied: what the data file will hold once they are folded in. */
export function mergeJournal(doc: RawDocument, entries: readonly JournalEntry[]): RawDocument {
  if (entries.length === 0) return doc;
  const configs = new Map<string, unknown>();
  doc.configurations.forEach((raw, i) => {
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    // Records without an id or seen twice are kept apart, so the document check still names them.
    const key = typeof id === 'string' && !configs.has(id) ? id : `\u0000${i}`;
    configs.set(key, raw);
  });
  const keys = new Map<string, unknown>();
  doc.api_keys.forEach((raw, i) => {
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    keys.set(typeof id === 'string' && !keys.has(id) ? id : `\u0000${i}`, raw);
  });
  for (const e of entries) {
    if (e.op === 'put') configs.set(e.record.id, e.record);
    else if (e.op === 'delete') configs.delete(e.id);
    else keys.set(e.key.id, e.key);
  }
  return { ...doc, configurations: [...configs.values()], api_keys: [...keys.values()] };
}

/** What one entry changes in memory (the same rules as a reload's diff); undefined when nothing. */
export function entryChange(tables: Tables, e: JournalEntry): Change | undefined {
  if (e.op === 'put') {
    const before = tables.configs.get(e.record.id);
    if (!before) return { kind: 'configuration', op: 'created', after: e.record };
    if (jsonEqual(before, e.record)) return undefined;
    return { kind: 'configuration', op: 'updated', before, after: e.record };
  }
  if (e.op === 'delete') {
    const before = tables.configs.get(e.id);
    return before ? { kind: 'configuration', op: 'deleted', before } : undefined;
  }
  const before = tables.keys.get(e.key.id);
  if (before && jsonEqual(before, e.key)) return undefined;
  const revoked = before !== undefined && before.revoked_at === undefined && e.key.revoked_at !== undefined;
  return { kind: 'api_key', op: revoked ? 'revoked' : 'created', after: e.key };
}
