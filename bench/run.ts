/**
 * `npm run bench`: runs every benchmark, each in its own child process so one cannot disturb the
 * next (leftover servers, sockets, heap, JIT state), and writes bench/RESULTS.md: a header that says
 * where and on what the figures were taken, then one section per benchmark.
 *
 *   BENCH_QUICK=1   shorter runs everywhere (smoke use); written to a temp file unless BENCH_OUT is set
 *   BENCH_OUT=FILE  where to write the report
 *   --only a,b      run only these benches (names as in bench/<name>.bench.ts)
 *
 * The child side: `tsx bench/run.ts --section <file> --out <json>` imports the file, runs its default
 * export and writes the section as JSON to <json> (not stdout, which benches and their servers may use).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { BenchSection } from './lib.js';
import { environmentHeader } from './fixtures/environment.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const SELF = fileURLToPath(import.meta.url);
const QUICK = process.env.BENCH_QUICK === '1';

/** In run order; `optional` ones may not exist yet (written elsewhere) and are skipped with a note. */
const BENCHES: { name: string; optional?: boolean }[] = [
  { name: 'store' },
  { name: 'connector' },
  { name: 'proxy' },
  { name: 'large' },
  { name: 'refresh', optional: true },
  { name: 'gateways' },
  { name: 'memory' },
  // Need the local PostgreSQL server (and nginx for replicas); optional so a machine without them still benches.
  { name: 'postgres', optional: true },
  { name: 'replicas', optional: true },
];
const SECTION_TIMEOUT_MS = QUICK ? 180_000 : 300_000;

const Section = z.object({ title: z.string().min(1), markdown: z.string() });

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Child mode: one bench, result as JSON in a file. */
async function runSection(file: string, out: string): Promise<void> {
  const mod: unknown = await import(pathToFileURL(file).href);
  const run = z.object({ default: z.function() }).parse(mod).default as () => Promise<unknown>;
  const section: BenchSection = Section.parse(await run());
  writeFileSync(out, JSON.stringify(section));
}

interface Outcome {
  name: string;
  section: BenchSection;
  seconds: number;
}

/** Quick runs shorten the existing benches through the knobs they read. */
function childEnv(): NodeJS.ProcessEnv {
  if (!QUICK) return process.env;
  return { ...process.env, BENCH_CALLS: process.env.BENCH_CALLS ?? '200', BENCH_WINDOW_MS: process.env.BENCH_WINDOW_MS ?? '500' };
}

async function runChild(name: string, scratch: string): Promise<Outcome> {
  const file = join(ROOT, 'bench', `${name}.bench.ts`);
  const out = join(scratch, `${name}.json`);
  const t0 = performance.now();
  // Its own process group, so a timeout can end the bench together with the servers it spawned.
  const child = spawn(TSX, [SELF, '--section', file, '--out', out], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'inherit', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderr = (stderr + d.toString()).slice(-4000);
  });
  // Ctrl-C or a CI timeout on this process must not leave the bench's servers running.
  const forward = (signal: NodeJS.Signals) => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, signal);
    process.exit(130);
  };
  process.once('SIGINT', forward);
  process.once('SIGTERM', forward);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  }, SECTION_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  const seconds = (performance.now() - t0) / 1000;
  if (code === 0 && existsSync(out)) return { name, section: Section.parse(JSON.parse(readFileSync(out, 'utf8'))), seconds };
  const why = timedOut ? `timed out after ${SECTION_TIMEOUT_MS / 1000} s` : `exited with code ${code}`;
  return { name, seconds, section: { title: `${name}: not measured`, markdown: `The ${name} bench ${why}. End of its stderr:\n\n\`\`\`\n${stderr.trim()}\n\`\`\`` } };
}

async function main(): Promise<void> {
  const only = argValue('--only')?.split(',').map((s) => s.trim());
  const selected = BENCHES.filter((b) => !only || only.includes(b.name));
  const outFile = process.env.BENCH_OUT ?? (QUICK ? join(tmpdir(), 'cgw-bench-RESULTS.quick.md') : join(ROOT, 'bench', 'RESULTS.md'));
  const scratch = mkdtempSync(join(tmpdir(), 'cgw-bench-run-'));
  const started = new Date();
  const loadBefore = loadavg();
  const outcomes: Outcome[] = [];
  try {
    for (const b of selected) {
      if (b.optional && !existsSync(join(ROOT, 'bench', `${b.name}.bench.ts`))) {
        outcomes.push({ name: b.name, seconds: 0, section: { title: `${b.name}: not present`, markdown: `bench/${b.name}.bench.ts did not exist when this report was made; the section is skipped.` } });
        continue;
      }
      process.stderr.write(`bench: ${b.name}…\n`);
      const o = await runChild(b.name, scratch);
      process.stderr.write(`bench: ${b.name} done in ${o.seconds.toFixed(0)} s\n`);
      outcomes.push(o);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const header = environmentHeader({ root: ROOT, started, loadBefore, quick: QUICK, sections: outcomes.map((o) => [o.name, o.seconds]) });
  const body = outcomes.map((o) => `## ${o.section.title}\n\n${o.section.markdown.trim()}\n`).join('\n');
  const report = `${header}\n${body}`;
  writeFileSync(outFile, report);
  process.stdout.write(report);
  process.stderr.write(`bench: report written to ${outFile}\n`);
}

const section = argValue('--section');
if (section !== undefined) {
  const out = argValue('--out');
  if (out === undefined) throw new Error('--out: required with --section');
  await runSection(section, out);
  // Benches may leave keep-alive pools or timers behind; the section is written, so end here.
  process.exit(0);
} else {
  await main();
}
