import { openAppContext, type AppContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { createGatewayRuntime } from '../app/runtime.js';
import type { CliIO } from './io.js';

export interface DataFlags {
  data?: string;
  databaseUrl?: string;
}

/**
 * Opens the app for one command and always closes it, so the file lock and watchers go away.
 * `live` also starts the gateway runtime (HTTP pools, credential sources): health checks need it.
 */
export async function withContext<T>(io: CliIO, flags: DataFlags, fn: (ctx: AppContext) => Promise<T>, opts: { live?: boolean; diagnoseKeys?: boolean } = {}): Promise<T> {
  // Commands other than serve only log problems: their output is the result.
  const ctx = await openAppContext({ env: io.env, log: createLogger(io.env, 'warn'), ...(flags.data !== undefined ? { dataFile: flags.data } : {}), ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl } : {}), ...(opts.diagnoseKeys ? { diagnoseKeys: true } : {}) });
  const runtime = opts.live ? createGatewayRuntime(ctx) : undefined;
  try {
    return await fn(ctx);
  } finally {
    await runtime?.close();
    await ctx.close();
  }
}
