import { writeSync } from 'node:fs';
import { pino } from 'pino';
import { ValidationError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { formatLogLine } from './log-format.js';
import { redactSecrets } from './log-redact.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_LEVEL_ENV = 'CONNECTOR_GATEWAY_LOG_LEVEL';

export interface LoggerOptions {
  /** Used when neither `level` nor CONNECTOR_GATEWAY_LOG_LEVEL says otherwise. */
  defaultLevel?: LogLevel;
  /** `--log-level`; wins over the environment. */
  level?: string;
  /** Human-readable lines instead of JSON; default: when stderr is a terminal. */
  pretty?: boolean;
}

/** `--log-level` or CONNECTOR_GATEWAY_LOG_LEVEL checked by name, so a typo is an error, not silence. */
export function parseLogLevel(value: string, source: string): LogLevel {
  const v = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new ValidationError(`log level: ${source} must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(value)}`, 'log_level');
}

/** The level to use: the flag, else the environment (an invalid value there falls back with no error), else the default. */
export function resolveLogLevel(env: NodeJS.ProcessEnv, opts: LoggerOptions = {}): LogLevel {
  if (opts.level !== undefined) return parseLogLevel(opts.level, '--log-level');
  const fromEnv = env[LOG_LEVEL_ENV];
  if (fromEnv !== undefined && fromEnv !== '' && (LOG_LEVELS as readonly string[]).includes(fromEnv.toLowerCase())) return fromEnv.toLowerCase() as LogLevel;
  return opts.defaultLevel ?? 'info';
}

/**
 * pino on fd 2 (stdout may be the stdio MCP transport): one JSON object per line for machines, or
 * short readable lines on a terminal. Both are made from the redacted object, so the readable form
 * cannot show what the JSON form hides.
 */
export function createLogger(env: NodeJS.ProcessEnv, defaultLevel: LogLevel | string = 'info', opts: Omit<LoggerOptions, 'defaultLevel'> = {}): Logger {
  const fallback = (LOG_LEVELS as readonly string[]).includes(defaultLevel) ? (defaultLevel as LogLevel) : 'info';
  const level = resolveLogLevel(env, { ...opts, defaultLevel: fallback });
  const pretty = opts.pretty ?? prettyByDefault(env);
  const destination = pretty ? { write: (line: string) => void writeSync(2, formatLogLine(line)) } : pino.destination({ fd: 2, sync: true });
  return withRedactedBindings(
    pino(
      {
        level,
        base: undefined,
        // Every object logged passes through the redaction first; child bindings in withRedactedBindings.
        formatters: { log: (o) => redactSecrets(o) },
        serializers: { err: safeError },
      },
      destination,
    ),
  );
}

/** pino applies no formatter to a child's bindings, so they are redacted on the way in. */
function withRedactedBindings(p: pino.Logger): Logger {
  return {
    debug: (o, m) => p.debug(o, m),
    info: (o, m) => p.info(o, m),
    warn: (o, m) => p.warn(o, m),
    error: (o, m) => p.error(o, m),
    child: (b) => withRedactedBindings(p.child(redactSecrets(b))),
  };
}

/** CONNECTOR_GATEWAY_LOG_FORMAT=json|pretty decides; otherwise readable only on a terminal. */
function prettyByDefault(env: NodeJS.ProcessEnv): boolean {
  const format = env.CONNECTOR_GATEWAY_LOG_FORMAT;
  if (format === 'json') return false;
  if (format === 'pretty') return true;
  return process.stderr.isTTY === true;
}

/**
 * Errors by name, code and message only: a `cause` or a request object hanging off a foreign error
 * can hold headers, so it is not walked.
 */
export function safeError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { type: typeof e };
  const extra = e as Error & { code?: unknown; kind?: unknown; status?: unknown };
  return {
    type: e.name,
    message: redactSecrets(e.message),
    ...(typeof extra.code === 'string' ? { code: extra.code } : {}),
    ...(typeof extra.kind === 'string' ? { kind: extra.kind } : {}),
    ...(typeof extra.status === 'number' ? { status: extra.status } : {}),
  };
}
