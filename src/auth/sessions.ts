import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SealedSchema, type Sealed } from '../domain/configuration.js';
import type { Principal } from '../domain/principal.js';

/** The slice of the vault a session needs: sealing text for one purpose. */
export interface TextSealer {
  sealText(text: string, purpose: string, id: string): Sealed;
  openText(sealed: Sealed, purpose: string, id: string): string;
}

/** A signed-in browser: who it acts as, its CSRF token and when it ends. */
export interface Session {
  id: string;
  principal: Principal;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

/** How long a session lasts from sign-in, whatever it does meanwhile. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

const PURPOSE = 'ui-session';
const SEAL_ID = 'cookie-v1';

const PrincipalSchema = z.strictObject({
  organization_id: z.string().min(1),
  user_id: z.string().min(1).optional(),
  api_key_id: z.string().min(1).optional(),
  via: z.enum(['local', 'api_key', 'oidc']),
});

const SessionSchema = z.strictObject({
  id: z.string().min(1),
  principal: PrincipalSchema,
  csrf_token: z.string().min(1),
  created_at: z.string(),
  expires_at: z.string(),
});

/**
 * Sessions as sealed cookies (AES-256-GCM under the key ring, the purpose as associated data):
 * nothing to store, so every replica that shares the key reads them and a restart keeps them.
 * What a stateless cookie cannot do by itself is end early; two things do it: signing out adds the
 * id to a deny list kept until the session would have expired (per process), and a session made
 * from an API key dies with the key (the authenticator looks the key up on every request).
 */
export class SessionCodec {
  private readonly signedOut = new Map<string, number>();

  constructor(
    private readonly sealer: TextSealer,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  /** A new session for `principal`, ending at the earlier of the TTL and `notAfter` (an access token's expiry). */
  mint(principal: Principal, notAfter?: number): { session: Session; cookieValue: string } {
    const now = this.now();
    const end = Math.min(now + this.ttlMs, notAfter ?? Infinity);
    const session: Session = {
      id: randomBytes(18).toString('base64url'),
      principal: { ...principal },
      csrf_token: randomBytes(24).toString('base64url'),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(end).toISOString(),
    };
    const sealed = this.sealer.sealText(JSON.stringify(session), PURPOSE, SEAL_ID);
    return { session, cookieValue: Buffer.from(JSON.stringify(sealed)).toString('base64url') };
  }

  /** The session a cookie value holds, or why not (`expired` tells the page to sign in again). */
  open(cookieValue: string): { session: Session } | { problem: 'invalid' | 'expired' } {
    let session: Session;
    try {
      const sealed = SealedSchema.parse(JSON.parse(Buffer.from(cookieValue, 'base64url').toString('utf8')));
      session = SessionSchema.parse(JSON.parse(this.sealer.openText(sealed, PURPOSE, SEAL_ID)));
    } catch {
      // Altered, sealed under a key no longer in the ring, or not ours: all the same to the caller.
      return { problem: 'invalid' };
    }
    const exp = Date.parse(session.expires_at);
    if (!(exp > this.now()) || this.signedOut.has(session.id)) return { problem: 'expired' };
    return { session };
  }

  /** Ends a session before its time (sign-out). */
  signOut(session: Session): void {
    const now = this.now();
    for (const [id, exp] of this.signedOut) if (exp <= now) this.signedOut.delete(id);
    this.signedOut.set(session.id, Date.parse(session.expires_at));
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function sameToken(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * One-time sign-in tokens for a local page (the stdio server hands one out in a URL): each opens
 * one session for its principal, once, before it expires. Kept only as hashes, in this process.
 */
export class OneTimeTokens {
  private readonly pending = new Map<string, { principal: Principal; exp: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 10 * 60 * 1000,
  ) {}

  issue(principal: Principal): string {
    const token = randomBytes(24).toString('base64url');
    this.sweep();
    this.pending.set(hashToken(token), { principal: { ...principal }, exp: this.now() + this.ttlMs });
    return token;
  }

  /** The principal of an unused, unexpired token; the token is spent either way. */
  redeem(token: string): Principal | undefined {
    const key = hashToken(token);
    const hit = this.pending.get(key);
    this.pending.delete(key);
    this.sweep();
    return hit && hit.exp > this.now() ? hit.principal : undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, v] of this.pending) if (v.exp <= now) this.pending.delete(k);
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
