import { CommanderError } from 'commander';
import { GatewayError } from '../domain/errors.js';
import { escapeControl } from '../domain/terminal-text.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A command that already said what went wrong and only needs to set the exit code. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Bad input (a flag, a field, a rule) exits 2; everything else that failed exits 1. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof ExitCode) return e.code;
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof GatewayError) return e.type === 'invalid_request_error' || e.type === 'permission_error' ? EXIT.usage : EXIT.failure;
  return EXIT.failure;
}

/**
 * `--json`: an error as the REST API shapes it, `{"error": {type, code, message, param?}}`, with
 * the same escaping as the human line; anything untyped says only its name.
 */
export function errorJson(e: unknown): { error: { type: string; code: string; message: string; param?: string } } {
  if (e instanceof GatewayError) return { error: { ...e.toBody(), message: escapeControl(e.message) } };
  if (e instanceof CommanderError) return { error: { type: 'invalid_request_error', code: e.code.replace(/^commander\./, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), message: escapeControl(e.message.replace(/\s*\n\s*/g, ' ')) } };
  return { error: { type: 'api_error', code: 'internal', message: escapeControl(errorLine(e).replace(/^error: /, '')) } };
}

/** One line, no stack: `error: configuration.repository: must be owner/repo`. */
export function errorLine(e: unknown): string {
  const message = e instanceof GatewayError ? e.message : e instanceof Error ? `unexpected ${e.name}: ${e.message}` : String(e);
  return `error: ${escapeControl(message.replace(/\s*\n\s*/g, ' '))}`;
}
