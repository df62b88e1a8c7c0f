/**
 * Shared pieces of the fault suite: how each built-in connector is pointed at a fault route, a
 * resolver that answers `.invalid` locally, calls with their result text, and forced collections.
 */
import { expect } from 'vitest';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { Credentials } from '../../src/domain/credentials.js';
import { systemResolver, type Resolver } from '../../src/http/network-guard.js';
import { textOf } from '../helpers/connector-e2e.js';

/** RFC 6761: `.invalid` never resolves, so there is no reason to ask a DNS server about it. */
export const localResolver: Resolver = async (hostname, family) => {
  if (/\.invalid\.?$/i.test(hostname)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  return systemResolver(hostname, family);
};

export const UNRESOLVABLE_HTTPS = 'https://does-not-exist.invalid';
/** Plain http to a name that is not loopback: the network guard refuses it before any lookup. */
export const UNRESOLVABLE_HTTP = 'http://does-not-exist.invalid';

export interface BuiltinTarget {
  connector: string;
  /** The connector's display name, as messages show it. */
  display: string;
  short: string;
  configuration(baseUrl: string): Record<string, unknown>;
  credentials: Credentials;
  /** A read tool (GET, so the HTTP client's retries are in play) with its arguments. */
  tool: string;
  args: Record<string, unknown>;
  /** A valid answer of that tool's endpoint, for a raw route with no fault armed. */
  ok: unknown;
}

export const BUILTINS: readonly BuiltinTarget[] = [
  {
    connector: 'pc_github',
    display: 'GitHub',
    short: 'gh',
    configuration: (base) => ({ api_base_url: base, repository: 'acme/backend' }),
    credentials: { type: 'bearer', token: 'ghp_faultsuitesecret000000000000000' },
    tool: 'get_me',
    args: {},
    ok: { login: 'octo', id: 1, name: 'Octo Cat', email: null, html_url: 'https://github.com/octo', type: 'User' },
  },
  {
    connector: 'pc_clickup',
    display: 'ClickUp',
    short: 'cu',
    configuration: (base) => ({ api_base_url: base, workspace_id: '123' }),
    credentials: { type: 'api_key', api_key: 'pk_faultsuitesecret_0000000000' },
    tool: 'list_workspaces',
    args: {},
    ok: { teams: [] },
  },
  {
    connector: 'pc_jira',
    display: 'Jira',
    short: 'jira',
    // site_url is required (browse links); the requests themselves follow api_base_url.
    configuration: (base) => ({ api_base_url: base, site_url: new URL(base).origin, project_key: 'PROJ' }),
    credentials: { type: 'bearer', token: 'jira-faultsuite-secret-000000' },
    tool: 'get_myself',
    args: {},
    ok: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Ada', active: true },
  },
  {
    connector: 'pc_teams',
    display: 'Microsoft Teams',
    short: 'teams',
    configuration: (base) => ({ api_base_url: base }),
    credentials: { type: 'bearer', token: 'eyJ.faultsuite.secret000000' },
    tool: 'list_joined_teams',
    args: {},
    ok: { value: [] },
  },
];

export const SECRETS = BUILTINS.map((b) => ('token' in b.credentials ? b.credentials.token : 'api_key' in b.credentials ? b.credentials.api_key : ''));

export interface ToolCall {
  result: CallToolResult;
  text: string;
}

/**
 * A client of one protocol era: `modern` (2026-07-28, stateless) calls take the gateway's lean
 * forwarding path to a modern upstream; `legacy` (2025-11-25 sessions) go through the SDK path.
 */
export async function connectEra(url: string, user: string, era: 'modern' | 'legacy'): Promise<Client> {
  const client = new Client({ name: 'fault-suite', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${user}` } } }));
  return client;
}

/** A call that must end as a result (isError or not), with its text. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolCall> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { result, text: textOf(result) };
}

/**
 * The isError every fault must produce: names the configuration, says what went wrong, leaks no
 * secret. How long it took is not checked (that is the machine's speed): a fault that must end at
 * a deadline says so in `kind` ("did not finish within N ms"), which only the deadline produces.
 */
export function expectCleanFailure(call: ToolCall, opts: { configuration: string; kind: RegExp }): void {
  expect(call.result.isError, call.text).toBe(true);
  expect(call.text.toLowerCase()).toContain(`configuration "${opts.configuration.toLowerCase()}"`);
  expect(call.text).toMatch(opts.kind);
  for (const s of SECRETS) expect(call.text).not.toContain(s);
  expect(call.text).not.toMatch(/authorization|bearer /i);
}

/** `gc()` without the --expose-gc flag: the flag can be set at run time, and a fresh context picks it up. */
export function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('gc is not available');
  return () => {
    (gc as () => void)();
  };
}

/**
 * Forced full collections until nothing more is freed by them: each one also finishes the previous
 * one's freeing of Buffer memory, and the turns between them let finalizers run. Counted, not
 * timed, so what is left afterwards is what is still referenced, whatever the load.
 */
export async function collectAll(gc: () => void): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** JS heap plus Buffer memory: where a retained body would show up. */
export function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export const MB = 1024 * 1024;
