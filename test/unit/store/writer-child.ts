/**
 * Run as a separate process by the multi-process tests:
 *   node --import tsx writer-child.ts <data file> <count> <user id> [delete=<id>|rename=<id>]
 * Creates <count> configurations for <user id> one by one, then optionally deletes or renames the
 * given one, and prints the created ids as JSON on stdout.
 */
import { LowdbStore } from '../../../src/store/lowdb.js';
import { makeRecord } from './fixtures.js';

const [file, countText, user, then] = process.argv.slice(2);
if (!file || !countText || !user) throw new Error('usage: writer-child.ts <file> <count> <user> [delete=<id>|rename=<id>]');
const max = process.env.CG_JOURNAL_MAX_BYTES; // a small one makes every few writes a fold
const store = await LowdbStore.open({ file, ...(max ? { journalMaxBytes: Number(max) } : {}) });
const ids: string[] = [];
for (let i = 0; i < Number(countText); i++) {
  ids.push((await store.createConfiguration(makeRecord({ user_id: user, name: `${user} #${i}` }))).id);
}
const [action, target] = (then ?? '').split('=');
if (action === 'rename' && target) await store.updateConfiguration(target, (c) => ({ ...c, name: 'Renamed elsewhere' }));
if (action === 'delete' && target) await store.deleteConfiguration(target);
await store.close();
process.stdout.write(JSON.stringify({ ids }) + '\n');
