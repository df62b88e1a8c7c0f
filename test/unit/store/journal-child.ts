/**
 * Run as a separate process by the journal tests:
 *   node --import tsx journal-child.ts <data file> <count|forever> <step|run>
 * Writes configurations one by one (every third write renames an earlier one) and prints one JSON
 * line per acknowledged write: {"id","name"}. With `step` it waits for a line on stdin before each
 * next write. It never closes the store (so nothing is folded on the way out): it exits after
 * <count> writes, or runs until killed. CG_JOURNAL_MAX_BYTES sets the fold threshold.
 */
import { createInterface } from 'node:readline';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { makeRecord } from './fixtures.js';

const [file, countText, mode] = process.argv.slice(2);
if (!file || !countText || (mode !== 'step' && mode !== 'run')) throw new Error('usage: journal-child.ts <file> <count|forever> <step|run>');
const max = process.env.CG_JOURNAL_MAX_BYTES;
const store = await LowdbStore.open({ file, ...(max ? { journalMaxBytes: Number(max) } : {}) });
const count = countText === 'forever' ? Infinity : Number(countText);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const ids: string[] = [];
for (let i = 0; i < count; i++) {
  if (mode === 'step' && i > 0 && (await lines.next()).done) break;
  const target = i % 3 === 2 ? ids[(i * 7) % ids.length] : undefined;
  const name = `child #${i}`;
  const r = target
    ? await store.updateConfiguration(target, (c) => ({ ...c, name }))
    : await store.createConfiguration(makeRecord({ user_id: 'usr_child', name }));
  if (!target) ids.push(r.id);
  process.stdout.write(JSON.stringify({ id: r.id, name: r.name }) + '\n');
}
process.exit(0);
