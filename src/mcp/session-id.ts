import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Sealed } from '../domain/configuration.js';

/** What a 2025-era session id carries, sealed: enough for any replica to take the session over. */
export interface SessionState {
  /** The protocol version the client asked for in its initialize (replayed to negotiate the same one). */
  protocolVersion: string;
}

export interface SessionIds {
  /** A new session id for `owner` (an owner key): sealed, bound to the owner, unique. */
  issue(owner: string, state: SessionState): string;
  /** The state sealed in `id`, when it was issued by a replica with this key ring for this very owner. */
  open(id: string, owner: string): SessionState | undefined;
}

/** The vault's text sealing (AES-256-GCM under the shared key, purpose and id as associated data). */
export interface TextSealer {
  sealText(text: string, purpose: string, id: string): Sealed;
  openText(sealed: Sealed, purpose: string, id: string): string;
}

const PURPOSE = 'mcp-session';
const PREFIX = 's1';
const StateSchema = z.object({ p: z.string().min(1).max(64), n: z.string() });
const b64url = (b64: string) => Buffer.from(b64, 'base64').toString('base64url');
const b64 = (b64u: string) => Buffer.from(b64u, 'base64url').toString('base64');

/**
 * 2025-era session ids that any replica can honour: the state a session needs is sealed in the id
 * under the key every replica shares, with the owner as associated data. A replica that never saw
 * the session opens the id and rebuilds the session; an id presented by another principal, altered,
 * or sealed under a key this ring lacks does not open, and is answered like an unknown session.
 * Only visible ASCII (base64url and dots), as the transport requires of session ids.
 */
export function sealedSessionIds(vault: TextSealer): SessionIds {
  return {
    issue(owner, state) {
      const text = JSON.stringify({ p: state.protocolVersion, n: randomBytes(8).toString('base64url') });
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
        return parsed.success ? { protocolVersion: parsed.data.p } : undefined;
      } catch {
        return undefined; // another owner's id, an altered one, or a key this replica lacks
      }
    },
  };
}
