import { randomUUID } from 'node:crypto';
import { inputRequired, inputResponse, type InputRequiredResult, type Server, type ServerContext } from '@modelcontextprotocol/server';

/**
 * URL-mode elicitation (MCP 2025-11-25 `elicitation.url`; in 2026-07-28 an embedded request of a
 * multi-round-trip `input_required` result): ask the person behind a client to open a URL of this
 * gateway (a consent page, a settings page) and learn their answer, whichever protocol era the
 * request was served on. One job: sending the person somewhere and hearing back; what happens at
 * the URL, and waiting for it to be done, is the caller's.
 *
 * The two eras differ in shape, so a handler uses it as a step that may have to return early:
 *
 *   const step = await elicitUrl(server, ctx, { key: 'authorize', codec, start });
 *   if (step.kind === 'input_required') return step.result;      // 2026: the client re-sends the request
 *   if (step.kind === 'unsupported') return …tell them the URL in text…;
 *   if (step.action === 'accept') { …wait for the work at the URL…; await step.complete(); }
 *
 * - 2025-era connections: an `elicitation/create` request (mode url, our own `elicitationId`) is
 *   sent while the handler waits; `complete()` sends `notifications/elicitation/complete`.
 * - 2026-era requests: the first pass returns `inputRequired({ inputRequests: { [key]: elicitUrl },
 *   requestState })`; the client opens the URL, answers, and re-sends the request with the answer
 *   and the state, and the next pass returns `answered` with the `state` that `start` gave.
 *   `complete()` does nothing (the revision has no completion notification).
 */

/** Protects `requestState`, which comes back from the client: a tampered or foreign state must not open. */
export interface StateCodec {
  seal(state: string): Promise<string> | string;
  /** undefined when the text was not sealed by this codec (or is damaged). */
  open(sealed: string): Promise<string | undefined> | string | undefined;
}

export interface UrlElicitationStart {
  url: string;
  /** What the client shows the person: why they should open the URL. */
  message: string;
  /** Caller's state, handed back with the answer (sealed through the client on 2026-era requests). */
  state: string;
}

export interface ElicitUrlOptions {
  /** The input request's key (2026); also tells apart two elicitations of one handler. */
  key: string;
  codec: StateCodec;
  /** Makes the URL (e.g. starts a flow). Called only when the person is actually to be asked. */
  start: () => Promise<UrlElicitationStart>;
  /** How long a 2025-era client may take to answer the elicitation request (default 10 minutes). */
  answerTimeoutMs?: number;
}

export type UrlElicitationStep =
  /** The client did not declare URL-mode elicitation: tell the person the URL some other way. */
  | { kind: 'unsupported' }
  /** 2026-07-28: return `result` from the handler as it is. */
  | { kind: 'input_required'; result: InputRequiredResult }
  | {
      kind: 'answered';
      action: 'accept' | 'decline' | 'cancel';
      state: string;
      /** Tells a 2025-era client the interaction at the URL is over (it may then retry); no-op on 2026. */
      complete(): Promise<void>;
    };

/** Did the client of this request declare URL-mode elicitation (initialize on 2025, the request envelope on 2026)? */
export function supportsUrlElicitation(server: Server): boolean {
  const caps = server.getClientCapabilities() as { elicitation?: { url?: unknown } } | undefined;
  return caps?.elicitation?.url !== undefined && caps.elicitation.url !== null;
}

/** Is this request served on the 2026-07-28 era (multi-round-trip results instead of server→client requests)? */
export function servedModern(server: Server): boolean {
  const v = server.getNegotiatedProtocolVersion();
  return v !== undefined && v >= '2026-07-28';
}

/**
 * The answer this (re-sent, 2026-era) request carries for `key`, with its state, if any. A state that
 * does not open under `codec` counts as no answer: the caller starts afresh.
 */
export async function answeredUrlElicitation(ctx: ServerContext, key: string, codec: StateCodec): Promise<{ action: 'accept' | 'decline' | 'cancel'; state: string } | undefined> {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind !== 'elicit') return undefined;
  const raw = ctx.mcpReq.requestState<unknown>();
  if (typeof raw !== 'string') return undefined;
  const state = await codec.open(raw);
  if (state === undefined) return undefined;
  return { action: view.action, state };
}

export async function elicitUrl(server: Server, ctx: ServerContext, opts: ElicitUrlOptions): Promise<UrlElicitationStep> {
  if (servedModern(server)) {
    const answered = await answeredUrlElicitation(ctx, opts.key, opts.codec);
    if (answered) return { kind: 'answered', ...answered, complete: async () => {} };
    if (!supportsUrlElicitation(server)) return { kind: 'unsupported' };
    const started = await opts.start();
    return {
      kind: 'input_required',
      result: inputRequired({
        inputRequests: { [opts.key]: inputRequired.elicitUrl({ message: started.message, url: started.url }) },
        requestState: await opts.codec.seal(started.state),
      }),
    };
  }
  if (!supportsUrlElicitation(server)) return { kind: 'unsupported' };
  const started = await opts.start();
  const elicitationId = randomUUID();
  const answer = await ctx.mcpReq.elicitInput(
    { mode: 'url', elicitationId, url: started.url, message: started.message },
    // Human-paced: far above the protocol's 60 s default; the caller's cancellation still ends it.
    { timeout: opts.answerTimeoutMs ?? 10 * 60_000, signal: ctx.mcpReq.signal },
  );
  return {
    kind: 'answered',
    action: answer.action,
    state: started.state,
    complete: async () => {
      await ctx.mcpReq.notify({ method: 'notifications/elicitation/complete', params: { elicitationId } }).catch(() => {});
    },
  };
}

/**
 * A codec on the vault's authenticated encryption (AES-GCM, the shared keyring): every process of
 * the gateway opens what another sealed, nothing else does. `purpose` keeps one use's states from
 * being replayed into another.
 */
export function vaultStateCodec(
  sealer: { sealText(text: string, purpose: string, id: string): unknown; openText(sealed: never, purpose: string, id: string): string },
  purpose: string,
): StateCodec {
  const ID = 'request-state';
  return {
    async seal(state) {
      const sealed = await sealer.sealText(state, purpose, ID);
      return Buffer.from(JSON.stringify(sealed), 'utf8').toString('base64url');
    },
    open(text) {
      try {
        const sealed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as never;
        return sealer.openText(sealed, purpose, ID);
      } catch {
        return undefined;
      }
    },
  };
}
