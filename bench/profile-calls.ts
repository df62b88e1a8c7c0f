/**
 * Profiles the gateway's hot path: the built server under `node --cpu-prof` (default settings, the
 * default log level included, its stderr to a file as a service manager would take it), one SDK
 * upstream, N sequential `echo` calls per era. Prints where the profile went and the top self-time
 * functions. Not part of `npm run bench`: a tool for finding what to remove.
 *   npx tsx bench/profile-calls.ts [--calls 20000] [--era modern|legacy|both] [--out DIR] [--bytes N]
 * --bytes N calls the upstream's `big` tool for N characters instead of `echo`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mcpClient, startGateway, startUpstreams } from './harness.js';
import { echo } from './fixtures/measure.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const CALLS = Number(arg('calls', '20000'));
const ERAS = arg('era', 'both') === 'both' ? (['modern', 'legacy'] as const) : [arg('era', 'modern') as 'modern' | 'legacy'];
const OUT = arg('out', '/tmp/cgw-profile');
const BYTES = Number(arg('bytes', '0'));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time per function (by name and place), top `n`, as percentages of all samples. */
function topSelf(file: string, n: number): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const total = p.nodes.reduce((a, x) => a + (x.hitCount ?? 0), 0);
  const by = new Map<string, number>();
  for (const x of p.nodes) {
    const f = x.callFrame;
    const where = f.url.replace(/^.*node_modules\//, '~/').replace(/^.*\/dist\//, 'dist/');
    const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    by.set(key, (by.get(key) ?? 0) + (x.hitCount ?? 0));
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

for (const era of ERAS) {
  const dir = join(OUT, era);
  const up = await startUpstreams(1, { big: BYTES > 0 });
  const gw = await startGateway(up.urls, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const c = await mcpClient(gw.mcpUrl, { bearer: gw.secret, era });
  for (let i = 0; i < CALLS; i++) {
    if (BYTES > 0) await c.callTool({ name: 'upstream_0_big', arguments: { bytes: BYTES } });
    else await echo({ name: 'gateway', client: c, tool: 'upstream_0_echo' });
  }
  await c.close();
  await gw.close();
  await up.close();
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).at(-1)!;
  console.log(`## ${era}: ${file}`);
  console.log(topSelf(file, 40).join('\n'));
}
process.exit(0);
