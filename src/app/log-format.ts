import { escapeControl } from '../domain/terminal-text.js';

/** pino's numeric levels, as people read them. */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * One pino JSON line as a short line for a terminal: `12:03:04.123 INFO  tool call key=value …`.
 * Written here because pino-pretty is not a dependency; it reads what pino already redacted.
 */
export function formatLogLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const { time, level, msg, ...rest } = o;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const name = (typeof level === 'number' ? LEVEL_NAMES[level] : undefined) ?? String(level ?? '');
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  return escapeControl([when, name.padEnd(5), typeof msg === 'string' ? msg : '', fields].filter((p) => p !== '').join(' ')) + '\n';
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}
