import { ValidationError } from '../domain/errors.js';

/** A digest of a session id (sessionDigest in src/mcp/session-id.ts): hex, never the id itself. */
const DIGEST_RE = /^[0-9a-f]{64}$/;

export function checkEndedSession(id: string, expiresAt: Date): void {
  if (!DIGEST_RE.test(id)) throw new ValidationError('id: must be the sha256 digest of a session id (64 hex characters)', 'id');
  if (Number.isNaN(expiresAt.getTime())) throw new ValidationError('expires_at: must be a date', 'expires_at');
}

/**
 * Ended 2025-era sessions kept in the process (the memory and embedded stores), each until its id's
 * lifetime ends; expired ones are dropped as new ones arrive, so the set stays as large as the
 * sessions ended within one lifetime.
 */
export class EndedSessionSet {
  readonly #until = new Map<string, number>();
  #added = 0;

  add(id: string, expiresAt: Date, now: Date): void {
    checkEndedSession(id, expiresAt);
    if (++this.#added % 256 === 0) for (const [k, t] of this.#until) if (t <= now.getTime()) this.#until.delete(k);
    if (expiresAt.getTime() > now.getTime()) this.#until.set(id, Math.max(expiresAt.getTime(), this.#until.get(id) ?? 0));
  }

  has(id: string, now: Date): boolean {
    const t = this.#until.get(id);
    return t !== undefined && t > now.getTime();
  }
}
