import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFile, copyFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/domain/errors.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { mergedDocument, readJournal } from '../../../src/store/read-document.js';
import { runWriter } from './child.js';
import { makeRecord, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let file: string;
let journal: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  file = join(dir, 'data.json');
  journal = `${file}.journal`;
});
afterEach(() => cleanup());

const childScript = fileURLToPath(new URL('./journal-child.ts', import.meta.url));

/** journal-child.ts in its own process; `acks` yields each write it acknowledged, as it does. */
function startChild(count: number | 'forever', mode: 'step' | 'run', journalMaxBytes?: number) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', childScript, file, String(count), mode], {
    env: { ...process.env, ...(journalMaxBytes ? { CG_JOURNAL_MAX_BYTES: String(journalMaxBytes) } : {}) },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const acks = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    exited,
    stderr: () => stderr,
    async nextAck(): Promise<{ id: string; name: string } | undefined> {
      const r = await acks.next();
      return r.done ? undefined : (JSON.parse(r.value) as { id: string; name: string });
    },
  };
}

/** The data file and journal as a crash would leave them: a copy taken while the writer still runs. */
async function snapshotTo(name: string): Promise<string> {
  const copy = join(dir, name);
  await copyFile(file, copy);
  await copyFile(journal, `${copy}.journal`);
  return copy;
}

async function names(path: string): Promise<Map<string, string>> {
  const s = await LowdbStore.open({ file: path });
  const all = new Map((await s.allConfigurations()).map((c) => [c.id, c.name]));
  await s.close();
  return all;
}

describe('LowdbStore journal', () => {
  it('writes append to the journal and leave the data file alone; close folds them in', async () => {
    const s = await LowdbStore.open({ file });
    const before = await readFile(file, 'utf8');
    const a = await s.createConfiguration(makeRecord());
    await s.updateConfiguration(a.id, (c) => ({ ...c, name: 'Renamed' }));
    const b = await s.createConfiguration(makeRecord());
    await s.deleteConfiguration(b.id);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await readFile(journal, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { op: string }).op)).toEqual(['put', 'put', 'put', 'delete']);
    expect((await stat(journal)).mode & 0o777).toBe(0o600);
    // What a tool reading the files without a store (doctor) sees: the journal replayed.
    const merged = mergedDocument(await readFile(file, 'utf8'), await readJournal(file), file);
    expect(merged.configurations.map((c) => (c as { name: string }).name)).toEqual(['Renamed']);
    await s.close();
    expect((await stat(journal)).size).toBe(0);
    const doc = JSON.parse(await readFile(file, 'utf8')) as { generation: number; configurations: { id: string; name: string }[] };
    expect(doc.generation).toBe(4);
    expect(doc.configurations.map((c) => [c.id, c.name])).toEqual([[a.id, 'Renamed']]);
  });

  it.each([
    ['a line cut short', '{"e":"EPOCH","g":99,"op":"put","record":{"id":"pconf_'],
    ['a whole line of garbage', '{"e":"EP\u0000\u0000\u0000\n'],
  ])('ignores %s at the end (a crash mid-append), and the next append cuts it off', async (_what, torn) => {
    const s = await LowdbStore.open({ file });
    const kept = [await s.createConfiguration(makeRecord()), await s.createConfiguration(makeRecord())];
    await s.updateConfiguration(kept[0]!.id, (c) => ({ ...c, name: 'Second version' }));
    const crashed = await snapshotTo('crashed.json');
    await s.close();
    await appendFile(`${crashed}.journal`, torn);

    const reopened = await LowdbStore.open({ file: crashed });
    expect((await reopened.allConfigurations()).map((c) => [c.id, c.name])).toEqual([
      [kept[0]!.id, 'Second version'],
      [kept[1]!.id, 'My GitHub'],
    ]);
    const third = await reopened.createConfiguration(makeRecord());
    const lines = (await readFile(`${crashed}.journal`, 'utf8')).split('\n');
    expect(lines).toHaveLength(5); // four lines and the empty piece after the last newline
    expect(lines.every((l) => l === '' || JSON.parse(l))).toBe(true);
    // Another instance replays the repaired journal before any fold.
    expect([...(await names(crashed)).keys()].sort()).toEqual([kept[0]!.id, kept[1]!.id, third.id].sort());
    await reopened.close();
  });

  it('refuses a journal damaged in the middle, names it, and leaves both files untouched', async () => {
    const s = await LowdbStore.open({ file });
    await s.createConfiguration(makeRecord());
    await s.createConfiguration(makeRecord());
    const crashed = await snapshotTo('damaged.json');
    await s.close();
    const text = await readFile(`${crashed}.journal`, 'utf8');
    const damaged = text.replace('"op":"put"', '"op":"put"!!');
    await writeFile(`${crashed}.journal`, damaged);
    const data = await readFile(crashed, 'utf8');
    const e = await LowdbStore.open({ file: crashed }).then(
      async (x) => (await x.close(), undefined),
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).message).toContain(`${crashed}.journal`);
    expect((e as StorageError).message).toMatch(/line 1 is not valid JSON/);
    expect(await readFile(`${crashed}.journal`, 'utf8')).toBe(damaged);
    expect(await readFile(crashed, 'utf8')).toBe(data);
  });

  it('never replays a journal into a data file it does not belong to (the data file was moved away)', async () => {
    const s = await LowdbStore.open({ file });
    await s.createConfiguration(makeRecord());
    const crashed = await snapshotTo('old.json');
    await s.close();
    await rename(crashed, join(dir, 'moved-away.json'));
    const fresh = await LowdbStore.open({ file: crashed });
    expect(await fresh.allConfigurations()).toEqual([]);
    const r = await fresh.createConfiguration(makeRecord());
    expect((await fresh.allConfigurations()).map((c) => c.id)).toEqual([r.id]);
    await fresh.close();
    expect([...(await names(crashed)).keys()]).toEqual([r.id]);
  });

  it('a store replays lines left from a fold cut short (data file rewritten, journal not yet emptied)', async () => {
    const s = await LowdbStore.open({ file });
    const r = await s.createConfiguration(makeRecord());
    await s.updateConfiguration(r.id, (c) => ({ ...c, name: 'v2' }));
    const lines = await readFile(journal, 'utf8');
    await s.close(); // folds: generation 2 in the data file
    await writeFile(journal, lines); // as if the crash came before the truncate
    const again = await LowdbStore.open({ file });
    await again.updateConfiguration(r.id, (c) => ({ ...c, name: 'v3' }));
    expect((await again.getConfiguration(r.id))?.version).toBe(3);
    expect((await names(file)).get(r.id)).toBe('v3');
    await again.close();
  });

  it('folds when the journal passes its threshold, and two instances folding in turn lose nothing', async () => {
    const a = await LowdbStore.open({ file, journalMaxBytes: 2_000 });
    const b = await LowdbStore.open({ file, journalMaxBytes: 2_000 });
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).createConfiguration(makeRecord({ name: `n${i}` }))));
    await Promise.all(created.map((r, i) => (i % 2 ? b : a).updateConfiguration(r.id, (c) => ({ ...c, name: `${c.name} updated` }))));
    expect((await stat(journal)).size).toBeLessThan(2_000);
    expect((JSON.parse(await readFile(file, 'utf8')) as { generation: number }).generation).toBeGreaterThan(40);
    for (const s of [a, b]) {
      const all = await s.allConfigurations();
      expect(all).toHaveLength(40);
      expect(all.every((c) => c.name.endsWith(' updated') && c.version === 2)).toBe(true);
    }
    await Promise.all([a.close(), b.close()]);
    expect((await names(file)).size).toBe(40);
  });
});

describe('LowdbStore journal across processes', () => {
  it('compaction under two processes keeps every write', async () => {
    const env = { CG_JOURNAL_MAX_BYTES: '3000' };
    const [x, y] = await Promise.all([runWriter(file, 120, 'usr_x', undefined, env), runWriter(file, 120, 'usr_y', undefined, env)]);
    const all = await names(file);
    expect(all.size).toBe(240);
    for (const id of [...x, ...y]) expect(all.has(id)).toBe(true);
  });

  it('a second process sees journal-only writes at once (read-your-writes), and can write on top of them', async () => {
    const reader = await LowdbStore.open({ file });
    const dataBefore = await readFile(file, 'utf8');
    const w = startChild(9, 'step');
    const acked = new Map<string, string>();
    for (let i = 0; i < 9; i++) {
      const ack = await w.nextAck();
      expect(ack, w.stderr()).toBeDefined();
      acked.set(ack!.id, ack!.name);
      // No waiting for the file watch: the very next read must see it.
      const got = await reader.getConfiguration(ack!.id);
      expect(got?.name).toBe(ack!.name);
      // And a compare-and-swap against the version just read must hold.
      if (i === 4) await reader.updateConfiguration(ack!.id, (c) => c, got!.version);
      w.child.stdin.write('next\n');
    }
    expect(await w.exited).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(dataBefore); // everything the child wrote is in the journal only
    expect((await reader.allConfigurations()).map((c) => [c.id, c.name]).sort()).toEqual([...acked].sort());
    await reader.close();
  });

  it.each([
    ['with the journal only (no fold yet)', undefined],
    ['with folds along the way', 1_500],
  ])('the data file and journal survive SIGKILL between append and fold, %s', async (_what, journalMaxBytes) => {
    for (let round = 0; round < 3; round++) {
      const w = startChild('forever', 'run', journalMaxBytes);
      const acked = new Map<string, string>();
      const stopAfter = 5 + round * 7;
      while (acked.size < stopAfter) {
        const ack = await w.nextAck();
        expect(ack, w.stderr()).toBeDefined();
        acked.set(ack!.id, ack!.name);
      }
      w.child.kill('SIGKILL');
      await w.exited;
      JSON.parse(await readFile(file, 'utf8')); // the data file alone is always whole
      const all = await names(file);
      for (const [id, name] of acked) {
        // The write in flight at the kill may have landed on top of an acknowledged one.
        const found = Number(/^child #(\d+)$/.exec(all.get(id) ?? '')?.[1] ?? -1);
        expect(found, `lost ${id} (${name})`).toBeGreaterThanOrEqual(Number(name.slice('child #'.length)));
      }
    }
  });
});
