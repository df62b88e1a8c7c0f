import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ROOT } from '../helpers/cli.js';

/**
 * Drives the installed `@modelcontextprotocol/conformance` runner (the version in package.json is
 * the one that runs) against a server URL and reads back the checks it writes.
 */
const BIN = join(ROOT, 'node_modules/.bin/conformance');

const CheckSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.enum(['SUCCESS', 'FAILURE', 'WARNING', 'SKIPPED', 'INFO']),
  errorMessage: z.string().optional(),
  details: z.unknown().optional(),
});
export type Check = z.infer<typeof CheckSchema>;

export interface ScenarioRun {
  scenario: string;
  exitCode: number | null;
  checks: Check[];
  /** The runner's own stdout and stderr, for failure messages. */
  output: string;
}

/**
 * Every server scenario the installed runner knows (`conformance list --server`), pending ones
 * included. The output is parsed strictly: a format change fails loudly instead of yielding an
 * empty list that would skip everything.
 */
export function listServerScenarios(): string[] {
  const out = execFileSync(BIN, ['list', '--server'], { encoding: 'utf8' });
  const [header, ...rest] = out.split('\n').filter((l) => l.trim() !== '');
  if (header !== 'Server scenarios (test against a server):') throw new Error(`conformance list --server: unexpected output:\n${out}`);
  const names = rest.map((line) => {
    const m = /^ {2}- (\S+)$/.exec(line);
    if (!m?.[1]) throw new Error(`conformance list --server: unexpected line ${JSON.stringify(line)}`);
    return m[1];
  });
  if (names.length === 0) throw new Error('conformance list --server listed no scenarios');
  return names;
}

/** Runs the runner once with `args` plus `-o <dir>` and returns its output and each result directory's checks. */
async function runRunner(args: string[]): Promise<{ exitCode: number | null; output: string; results: Array<{ dir: string; checks: Check[] }> }> {
  const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
  try {
    const child = spawn(BIN, [...args, '-o', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const results = await Promise.all(
      (await readdir(dir)).map(async (name) => ({ dir: name, checks: z.array(CheckSchema).parse(JSON.parse(await readFile(join(dir, name, 'checks.json'), 'utf8'))) })),
    );
    return { exitCode, output, results };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One scenario in its own runner process. */
export async function runScenario(url: string, scenario: string): Promise<ScenarioRun> {
  const { exitCode, output, results } = await runRunner(['server', '--url', url, '--scenario', scenario]);
  return { scenario, exitCode, checks: results[0]?.checks ?? [], output };
}

/**
 * Every server scenario (`--suite all`: the same list as `conformance list --server`, pending ones
 * included) in ONE runner process, sequentially. A runner process costs about a second of CPU to
 * start, so this is far cheaper than a process per scenario. Results are keyed by scenario name,
 * read from the runner's result directories (`server-<scenario>-<ISO timestamp>`); `exitCode` is
 * the whole run's.
 */
export async function runSuite(url: string): Promise<Map<string, ScenarioRun>> {
  const { exitCode, output, results } = await runRunner(['server', '--url', url, '--suite', 'all']);
  const runs = new Map<string, ScenarioRun>();
  for (const { dir, checks } of results) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(dir);
    if (!m?.[1]) throw new Error(`conformance: unexpected result directory ${dir}`);
    runs.set(m[1], { scenario: m[1], exitCode, checks, output });
  }
  return runs;
}

export const failures = (run: ScenarioRun): Check[] => run.checks.filter((c) => c.status === 'FAILURE');
export const warningIds = (run: ScenarioRun): string[] => run.checks.filter((c) => c.status === 'WARNING').map((c) => c.id).sort();

export const successIds = (run: ScenarioRun): string[] => run.checks.filter((c) => c.status === 'SUCCESS').map((c) => c.id);

export interface Expectation {
  /** Check ids that end as WARNING (a SHOULD not met), sorted. */
  warnings?: string[];
  /** Check ids that must be SUCCESS where the runner would also accept an INFO (a weaker path). */
  mustSucceed?: string[];
  why: string;
}

/**
 * What the everything fixture gets directly, beyond "no FAILURE": every other scenario has no
 * warnings. Nothing fails.
 */
export const FIXTURE_EXPECTATIONS: Record<string, Expectation> = {
  'server-sse-polling': {
    warnings: ['server-sse-priming-event', 'server-sse-retry-field'],
    mustSucceed: ['server-sse-disconnect-resume'],
    why:
      'The scenario posts its test_reconnection call with `MCP-Protocol-Version: 2025-03-26` (the session negotiated 2025-11-25). ' +
      'The SDK sends the priming event (an `id` with empty data, carrying the `retry` hint) only to clients at 2025-11-25 or later, ' +
      'because older clients fail on empty data; the reference server (SDK v1) withholds it the same way: two WARNINGs. ' +
      'Resumption itself passes: the fixture sends an event with an id before closing the stream, and the result arrives on ' +
      'the Last-Event-ID reconnection (the runner would accept the result on the first stream as INFO).',
  },
  'server-sse-multiple-streams': {
    mustSucceed: ['server-accepts-multiple-post-streams', 'server-sse-streams-functional'],
    why: 'The runner accepts JSON answers as INFO; the fixture answers each concurrent POST with its own SSE stream.',
  },
};
