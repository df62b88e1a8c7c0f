import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { childLog } from './child-log.js';
import { PATIENCE_MS, POLL_INTERVAL_MS } from './timing.js';

const BIN = fileURLToPath(new URL('../../node_modules/.bin/mcp-server-everything', import.meta.url));

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The reference server `@modelcontextprotocol/server-everything` in streamableHttp mode on loopback. */
export async function startEverything(): Promise<{ url: string; port: number; child: ChildProcess; close(): Promise<void> }> {
  const port = await freePort();
  const log = childLog('everything');
  const child = spawn(BIN, ['streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', log.fd, log.fd] });
  child.once('exit', () => log.dispose());
  const deadline = Date.now() + PATIENCE_MS;
  while (!log.tail().includes('listening')) {
    if (child.exitCode !== null) throw new Error(`server-everything exited ${child.exitCode}: ${log.tail(2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server-everything did not start: ${log.tail(2000)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    child,
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
