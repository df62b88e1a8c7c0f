import { pino } from 'pino';
import type { Logger } from '../domain/logger.js';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * pino on fd 2: stdout may be the stdio MCP transport. Fields that could carry a secret are redacted
 * as a second line of defence; the code already avoids logging them.
 */
export function createLogger(env: NodeJS.ProcessEnv, defaultLevel = 'info'): Logger {
  const wanted = env.CONNECTOR_GATEWAY_LOG_LEVEL ?? defaultLevel;
  return pino(
    {
      level: LEVELS.has(wanted) ? wanted : defaultLevel,
      base: undefined,
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', 'credentials', '*.credentials', 'secret', '*.secret', 'token', '*.token', 'api_key', '*.api_key'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
