#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { processIO } from './io.js';

// A gateway allocates in bursts (discovering a principal's configurations) and then mostly idles;
// with V8's default heap growth that garbage stays resident until the next burst. Sized for
// footprint, RSS stays near the live heap: 1,000 configurations and 100 sessions in ~145 MB
// instead of ~215 MB (bench/memory.bench.ts), with no measurable cost on the call path.
setFlagsFromString('--optimize-for-size');
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
