import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import * as oidc from 'openid-client';
import type { Sealed } from '../domain/configuration.js';
import { AuthError, ForbiddenError } from '../domain/errors.js';
import { ownerOf, type Principal } from '../domain/principal.js';
import type { OAuthFlowRecord, Store } from '../store/types.js';

/** The vault's generic sealing (src/crypto/vault.ts sealText/openText). */
export interface FlowSealer {
  sealText(text: string, purpose: string, id: string): Sealed | Promise<Sealed>;
  openText(sealed: Sealed, purpose: string, id: string): string;
}

export type FlowStore = Pick<Store, 'createOAuthFlow' | 'getOAuthFlow' | 'takeOAuthFlow'>;

const PURPOSE = 'oauth-flow';

export interface PendingFlowsOptions<T> {
  store: FlowStore;
  sealer: FlowSealer;
  /** What a flow carries besides its binding (checked again when opened). */
  payload: z.ZodType<T>;
  ttlMs: number;
  maxPerOwner: number;
  now: () => number;
}

export interface StartedFlow {
  state: string;
  /**
   * The secret that proves a callback comes from the user agent the flow was handed to: a browser
   * gets it as a cookie, the CLI keeps it in memory for its loopback listener. Never in a URL.
   */
  binding: string;
  expiresAt: number;
}

export interface OpenedFlow<T> {
  principal: Principal;
  payload: T;
  binding: string;
  expiresAt: number;
}

/** The id a flow is stored under: the state is never kept, so the file alone cannot complete a flow. */
export function flowId(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/** Compares two secrets in constant time, whatever their lengths. */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/**
 * OAuth authorizations waiting for their callback, kept in the Store (so any process that shares it
 * can complete one) with their secrets sealed by the vault (so the PKCE verifier is never in clear
 * on disk). Generic over what a flow carries: connecting a built-in connector, or any other OAuth
 * dance the gateway runs for a principal. Each flow is taken once, and only by a caller that
 * presents its binding.
 */
export class PendingFlows<T> {
  readonly #envelope: z.ZodType<{ via: Principal['via']; binding: string; payload: T }>;

  constructor(private readonly opts: PendingFlowsOptions<T>) {
    this.#envelope = z.strictObject({ via: z.enum(['local', 'api_key', 'oidc']), binding: z.string().min(32), payload: opts.payload }) as unknown as z.ZodType<{ via: Principal['via']; binding: string; payload: T }>;
  }

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  async start(principal: Principal, payload: T, state: string = oidc.randomState()): Promise<StartedFlow> {
    const binding = randomBytes(32).toString('base64url');
    const now = this.opts.now();
    const expiresAt = now + this.opts.ttlMs;
    const id = flowId(state);
    const record: OAuthFlowRecord = {
      id,
      object: 'oauth_flow',
      ...ownerOf(principal),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(expiresAt).toISOString(),
      sealed: await this.opts.sealer.sealText(JSON.stringify({ via: principal.via, binding, payload }), PURPOSE, id),
    };
    await this.opts.store.createOAuthFlow(record, { maxPerOwner: this.opts.maxPerOwner, now: new Date(now) });
    return { state, binding, expiresAt };
  }

  /** The live flow of `state`, without consuming it (for the page that asks the user to go on). */
  async peek(state: string): Promise<OpenedFlow<T> | undefined> {
    const record = await this.opts.store.getOAuthFlow(flowId(state), new Date(this.opts.now()));
    return record ? this.#open(record) : undefined;
  }

  /**
   * Consumes the flow of `state` and returns it when `binding` is its own. A flow is consumed even
   * when the binding is wrong: a callback in a browser that did not start it kills the flow.
   */
  async take(state: string, binding: string | undefined): Promise<OpenedFlow<T>> {
    const record = await this.opts.store.takeOAuthFlow(flowId(state), new Date(this.opts.now()));
    if (!record) throw new AuthError('the OAuth state is unknown, expired or already used: start the connection again', 'invalid_oauth_state');
    const flow = this.#open(record);
    if (binding === undefined || !sameSecret(binding, flow.binding)) {
      throw new ForbiddenError(
        'this browser did not start this connection (its sign-in cookie is missing or different), so nothing was connected; whoever started it must open the link the gateway gave them in their own browser',
        'oauth_browser_mismatch',
      );
    }
    return flow;
  }

  #open(record: OAuthFlowRecord): OpenedFlow<T> {
    const parsed = this.#envelope.parse(JSON.parse(this.opts.sealer.openText(record.sealed, PURPOSE, record.id)));
    const principal: Principal = {
      organization_id: record.organization_id,
      ...(record.user_id !== undefined ? { user_id: record.user_id } : {}),
      ...(record.api_key_id !== undefined ? { api_key_id: record.api_key_id } : {}),
      via: parsed.via,
    };
    return { principal, payload: parsed.payload, binding: parsed.binding, expiresAt: Date.parse(record.expires_at) };
  }
}
