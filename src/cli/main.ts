#!/usr/bin/env node
// V8's flags are set before the rest of the program loads: static imports would all be loaded
// (and the young generation grown by their loading) before the first line of this module runs.
import './v8-startup.js';

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

const { processIO } = await import('./io.js');
const { runCli } = await import('./program.js');
const code = await runCli(process.argv.slice(2), processIO(), { onShutdown: (fn) => handlers.push(fn) });
process.exitCode = code;
