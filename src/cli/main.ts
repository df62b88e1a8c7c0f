#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { processIO } from './io.js';

// V8 tuned for footprint (--optimize-for-size) keeps RSS near the live heap: 1,000 configurations
// and 100 sessions in ~135 MB instead of ~165 MB (bench/memory.bench.ts). But its compiler then
// optimizes less and each proxied call costs the gateway ~0.2 ms more CPU, so speed is the default.
const optimizeFor = process.env.CONNECTOR_GATEWAY_OPTIMIZE_FOR || undefined;
if (optimizeFor !== undefined && optimizeFor !== 'speed' && optimizeFor !== 'memory') {
  process.stderr.write(`error: CONNECTOR_GATEWAY_OPTIMIZE_FOR must be "speed" or "memory", not ${JSON.stringify(optimizeFor)}\n`);
  process.exit(2);
}
// Speed keeps V8's compiler as it is and only grows the old generation by 10% past the live heap
// (default: up to 2x), so the garbage of a discovery burst does not stay resident for long.
setFlagsFromString(optimizeFor === 'memory' ? '--optimize-for-size' : '--heap-growing-percent=10');
import { runCli } from './program.js';

// `connector-gateway configs list | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

// Background failures (a watcher, a pool) still end as one line, never a stack on the user's terminal.
process.on('unhandledRejection', (e) => {
  process.stderr.write(`error: unexpected ${e instanceof Error ? e.name : typeof e}${e instanceof Error ? `: ${e.message}` : ''}\n`);
  process.exit(1);
});

const handlers: (() => void)[] = [];
let signalled = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // A second signal means "now": do not wait for a graceful close.
    if (++signalled > 1) process.exit(130);
    for (const h of handlers) h();
    if (handlers.length === 0) process.exit(130);
  });
}

const code = await runCli(process.argv.slice(2), processIO(), { onShutdown: (fn) => handlers.push(fn) });
process.exitCode = code;
