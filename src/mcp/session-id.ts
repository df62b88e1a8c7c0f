import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Sealed } from '../domain/configuration.js';

/** What a 2025-era session id carries, sealed: enough for any replica to take the session over. */
export interface SessionState {
  /** The protocol version the client asked for in its initialize (replayed to negotiate the same one). */
  protocolVersion: string;
}

/** What an id that opens says: its state, and when it stops opening (issued-at plus the lifetime). */
export interface OpenedSession extends SessionState {
  expiresAt: number;
}

/** How long a sealed session id opens after it was issued, whatever its use: 24 hours. */
export const SESSION_LIFETIME_MS = 24 * 60 * 60_000;

export interface SessionIds {
  /** A new session id for `owner` (an owner key): sealed, bound to the owner, unique. */
  issue(owner: string, state: SessionState): string;
  /**
   * The state sealed in `id`, when it was issued by a replica with this key ring for this very owner
   * and its lifetime has not ended.
   */
  open(id: string, owner: string): OpenedSession | undefined;
}

/** The vault's text sealing (AES-256-GCM under the shared key, purpose and id as associated data). */
export interface TextSealer {
  sealText(text: string, purpose: string, id: string): Sealed;
  openText(sealed: Sealed, purpose: string, id: string): string;
}

const PURPOSE = 'mcp-session';
const PREFIX = 's1';
const StateSchema = z.object({ p: z.string().min(1).max(64), n: z.string(), t: z.number().int().nonnegative() });
const b64url = (b64: string) => Buffer.from(b64, 'base64').toString('base64url');
const b64 = (b64u: string) => Buffer.from(b64u, 'base64url').toString('base64');

/**
 * 2025-era session ids that any replica can honour: the state a session needs is sealed in the id
 * under the key every replica shares, with the owner as associated data. A replica that never saw
 * the session opens the id and rebuilds the session; an id presented by another principal, altered,
 * or sealed under a key this ring lacks does not open, and is answered like an unknown session.
 * Only visible ASCII (base64url and dots), as the transport requires of session ids.
 */
export function sealedSessionIds(vault: TextSealer, opts: { lifetimeMs?: number; now?: () => number } = {}): SessionIds {
  const lifetime = opts.lifetimeMs ?? SESSION_LIFETIME_MS;
  const now = opts.now ?? Date.now;
  return {
    issue(owner, state) {
      // Issued-at, sealed: an id is not a bearer of the session forever (ids of before it had none, and no longer open).
      const text = JSON.stringify({ p: state.protocolVersion, n: randomBytes(8).toString('base64url'), t: now() });
      const s = vault.sealText(text, PURPOSE, owner);
      return [PREFIX, s.kid, b64url(s.iv), b64url(s.ct), b64url(s.tag)].join('.');
    },
    open(id, owner) {
      const parts = id.split('.');
      if (parts.length !== 5 || parts[0] !== PREFIX || id.length > 512) return undefined;
      const [, kid, iv, ct, tag] = parts as [string, string, string, string, string];
      try {
        const text = vault.openText({ kid, iv: b64(iv), ct: b64(ct), tag: b64(tag) }, PURPOSE, owner);
        const parsed = StateSchema.safeParse(JSON.parse(text));
        if (!parsed.success) return undefined;
        const expiresAt = parsed.data.t + lifetime;
        return now() < expiresAt ? { protocolVersion: parsed.data.p, expiresAt } : undefined;
      } catch {
        return undefined; // another owner's id, an altered one, or a key this replica lacks
      }
    },
  };
}

/** What the store keeps of an ended session's id: a digest (the id itself stays with its client). */
export function sessionDigest(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
