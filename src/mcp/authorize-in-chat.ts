import { z } from 'zod';
import type { CallToolResult, InputRequiredResult, Server, ServerContext } from '@modelcontextprotocol/server';
import type { CallOptions } from '../domain/connector.js';
import { ownerKey, ownerOf, type Principal } from '../domain/principal.js';
import { CallCancelledError } from '../gateway/call-pipeline.js';
import type { CallVerdict } from '../gateway/call-pipeline.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import { ROUTE_META_KEY, type Route } from '../gateway/tool-table.js';
import type { AuthorizationOutcome } from '../oauth/authorization-wait.js';
import { connectAdvice, readNeedsAuthorization } from '../oauth/mcp-auth/needs-authorization.js';
import { answeredUrlElicitation, elicitUrl, servedModern, type StateCodec } from './url-elicitation.js';

/**
 * Connecting from inside the chat: a tool call whose configuration needs authorization (no token, a
 * refused refresh, 403 insufficient_scope) asks a client that declared URL-mode elicitation to open
 * the gateway's browser-bound connect page, waits for the consent to land, and makes the call again,
 * so the model gets the real result. Clients without it get the "needs authorization" result that
 * says where to connect; the configuration's health says it too (written by the call pipeline).
 */
export interface ChatAuthorizer {
  codec: StateCodec;
  /**
   * Starts re-authorizing `configurationId` for `principal` (its owner's only) with `scope` (step-up):
   * the URL of the gateway's confirmation page (which binds the flow to the browser that opens it),
   * the flow's state, and the configuration's `updated_at` before it.
   */
  start(principal: Principal, configurationId: string, scope: string | undefined): Promise<{ url: string; state: string; baseline: string }>;
  wait(opts: { configurationId: string; baseline: string; state: string; signal: AbortSignal }): Promise<AuthorizationOutcome>;
}

/** The input request's key (2026 era). */
export const AUTHORIZE_KEY = 'authorize';
/** Consents one call may ask for (a first one, then a step-up, then one more): never a loop. */
const MAX_ROUNDS = 3;

/** What travels sealed through the client between the rounds of a 2026-era call. */
const StateSchema = z.strictObject({
  /** configuration id */
  c: z.string().min(1),
  /** the flow's state */
  s: z.string().min(1),
  /** updated_at before the flow */
  b: z.string(),
  /** owner key: a state minted for another principal is ignored */
  o: z.string(),
  /** rounds so far */
  n: z.number().int().min(1).max(MAX_ROUNDS),
  /** what the person was asked to authorize, for messages */
  l: z.string().max(300),
  /** the call was to the stand-in `authorize` tool: once connected, say so instead of calling */
  a: z.literal(true).optional(),
});
type State = z.infer<typeof StateSchema>;

export interface AuthorizingCall {
  server: Server;
  ctx: ServerContext;
  principal: Principal;
  gateway: PrincipalGateway;
  authorizer: ChatAuthorizer;
  name: string;
  args: Record<string, unknown>;
  opts: CallOptions;
}

export async function callToolAuthorizing(call: AuthorizingCall): Promise<CallToolResult | InputRequiredResult> {
  const { server, ctx, authorizer } = call;
  const owner = ownerKey(ownerOf(call.principal));
  let round = 0;
  if (servedModern(server)) {
    // A 2026-era request re-sent with the person's answer to our elicitation.
    const answered = await answeredUrlElicitation(ctx, AUTHORIZE_KEY, authorizer.codec);
    const state = answered ? readState(answered.state, owner) : undefined;
    if (answered && state) {
      round = state.n;
      const stop = await afterAnswer(call, answered.action, state, async () => {});
      if (stop) return stop;
      if (state.a) return connected(call, state);
    }
  }
  for (;;) {
    const needs = await callOrStandIn(call);
    if ('result' in needs || round >= MAX_ROUNDS) return 'result' in needs ? needs.result : needs.fallback;
    round++;
    const { link, scope, standIn } = needs;
    const label = `${link.record.name} (${link.id})`.slice(0, 300);
    let state: State | undefined;
    const step = await elicitUrl(server, ctx, {
      key: AUTHORIZE_KEY,
      codec: authorizer.codec,
      start: async () => {
        const started = await authorizer.start(call.principal, link.id, scope);
        state = { c: link.id, s: started.state, b: started.baseline, o: owner, n: round, l: label, ...(standIn ? { a: true as const } : {}) };
        const more = scope ? ` with more access (${scope})` : '';
        return {
          url: started.url,
          message: `The connector gateway needs your consent to use "${link.record.name}"${more}. Open the link, check that it names you, and sign in; the call continues when you are done.`,
          state: JSON.stringify(state),
        };
      },
    });
    if (step.kind === 'unsupported') return needs.fallback;
    if (step.kind === 'input_required') return step.result;
    const stop = await afterAnswer(call, step.action, state!, step.complete);
    if (stop) return stop;
    if (standIn) return connected(call, state!);
  }
}

type Needs = { result: CallToolResult } | { link: Route['link']; scope: string | undefined; standIn: boolean; fallback: CallToolResult };

/** Makes the call; says whether it ended needing a person's authorization (and what to show if nobody can be asked). */
async function callOrStandIn(call: AuthorizingCall): Promise<Needs> {
  const route = call.gateway.route(call.name);
  if (route?.authorize) {
    // The stand-in of a configuration whose discovery needs authorization: nothing to call upstream.
    const text = route.link.failureText(`needs authorization: ${connectAdvice(route.link.id)}`);
    return { link: route.link, scope: undefined, standIn: true, fallback: errorResult(text) };
  }
  let seen: { verdict: CallVerdict; route: Route } | undefined;
  const result = await call.gateway.callTool(call.name, call.args, call.opts, (verdict, r) => (seen = { verdict, route: r }));
  const ended = seen as { verdict: CallVerdict; route: Route } | undefined;
  if (!ended || ended.verdict.kind !== 'failed' || ended.verdict.failure !== 'reauthorize') return { result };
  return { link: ended.route.link, scope: readNeedsAuthorization(ended.verdict.reason)?.scope, standIn: false, fallback: result };
}

/** The stand-in tool's answer once the consent landed: the configuration's tools, now listed. */
async function connected(call: AuthorizingCall, state: State): Promise<CallToolResult> {
  const tools = await call.gateway.listTools();
  const mine = tools.filter((t) => (t._meta?.[ROUTE_META_KEY] as { configuration_id?: unknown } | undefined)?.configuration_id === state.c).map((t) => t.name);
  const list = mine.length ? ` Its tools: ${mine.join(', ')}.` : ' Its tools are listed again shortly.';
  return { content: [{ type: 'text', text: `Connected "${state.l}".${list}` }] };
}

/** After the person answered: undefined to make the call again, or the result to end with. */
async function afterAnswer(call: AuthorizingCall, action: 'accept' | 'decline' | 'cancel', state: State, complete: () => Promise<void>): Promise<CallToolResult | undefined> {
  if (action !== 'accept') {
    return errorResult(`The authorization of "${state.l}" was ${action === 'decline' ? 'declined' : 'cancelled'}: ${call.name} was not called. To use it, ${connectAdvice(state.c)}.`);
  }
  let outcome: AuthorizationOutcome;
  try {
    outcome = await call.authorizer.wait({ configurationId: state.c, baseline: state.b, state: state.s, signal: call.opts.signal });
  } catch (e) {
    if (call.opts.signal.aborted) throw new CallCancelledError('cancelled by the client');
    throw e;
  }
  await complete();
  if (outcome === 'authorized') return undefined;
  const why = outcome === 'timeout' ? 'was not completed in time' : 'did not complete';
  return errorResult(`The authorization of "${state.l}" ${why}: ${call.name} was not called. To use it, ${connectAdvice(state.c)}.`);
}

function readState(text: string, owner: string): State | undefined {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.o === owner ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
