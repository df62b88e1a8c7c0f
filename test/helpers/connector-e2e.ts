/**
 * The path a user has, for end-to-end connector tests: an SDK v2 MCP client over Streamable HTTP →
 * the in-process gateway (test/helpers/mcp-harness.ts) → a built-in connector → a loopback fake of
 * the service. Configurations go straight into the harness's store with their credentials in
 * `h.credentials.byId` (sealing has its own tests), owned by the user the bearer token names.
 */
import { expect } from 'vitest';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import type { ConfigurationRecord } from '../../src/domain/configuration.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { ROUTE_META_KEY } from '../../src/gateway/tool-table.js';
import { startMcpHarness } from './mcp-harness.js';
import { record } from './records.js';

export type McpHarness = Awaited<ReturnType<typeof startMcpHarness>>;

export interface ConfigurationSpec {
  connector: string;
  name: string;
  configuration: Record<string, unknown>;
  credentials: Credentials;
  /** Owner of the configuration (the MCP bearer token); defaults to the environment's user. */
  user?: string;
}

export interface ConnectorE2E<F> {
  h: McpHarness;
  fake: F;
  user: string;
  /** The first configuration, created at start. */
  configuration: ConfigurationRecord;
  /** A client connected as `user`, opened at start. */
  client: Client;
  addConfiguration(spec: ConfigurationSpec): Promise<ConfigurationRecord>;
  /** A further client; closed by `close()`. */
  connect(user: string): Promise<Client>;
  close(): Promise<void>;
}

let users = 0;

/** A fresh user id per call, so each test's tool list holds only what it created (`usr_` + [a-z0-9]). */
export function freshUser(prefix = 'e2e'): string {
  return `usr_${prefix.toLowerCase().replace(/[^a-z0-9]/g, '')}${++users}x${process.pid}`;
}

/** Starts the harness and the fake, creates one configuration for it and connects a client. */
export async function startConnectorE2E<F extends { close(): Promise<void> }>(opts: {
  startFake: () => Promise<F>;
  connector: string;
  name: string;
  configuration: (fake: F) => Record<string, unknown>;
  credentials: (fake: F) => Credentials;
  user?: string;
}): Promise<ConnectorE2E<F>> {
  const h = await startMcpHarness();
  const fake = await opts.startFake().catch(async (e: unknown) => {
    await h.close();
    throw e;
  });
  const clients: Client[] = [];
  const user = opts.user ?? freshUser(opts.connector.replace(/^pc_/, ''));

  const addConfiguration = async (spec: ConfigurationSpec): Promise<ConfigurationRecord> => {
    const created = await h.store.createConfiguration(
      record({ user_id: spec.user ?? user, personal_connector_id: spec.connector, name: spec.name, configuration: spec.configuration }),
    );
    h.credentials.byId.set(created.id, spec.credentials);
    return created;
  };
  const connect = async (who: string): Promise<Client> => {
    const c = await connectClient(h.url, who);
    clients.push(c);
    return c;
  };

  try {
    const configuration = await addConfiguration({ connector: opts.connector, name: opts.name, configuration: opts.configuration(fake), credentials: opts.credentials(fake) });
    const client = await connect(user);
    return {
      h,
      fake,
      user,
      configuration,
      client,
      addConfiguration,
      connect,
      async close() {
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
        await h.close();
        await fake.close();
      },
    };
  } catch (e) {
    await h.close();
    await fake.close();
    throw e;
  }
}

/** An SDK v2 client with the harness's bearer scheme (the token is the user id). */
export async function connectClient(url: string, user: string): Promise<Client> {
  const client = new Client({ name: 'connector-e2e', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${user}` } } }));
  return client;
}

export function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A successful call: text content and structuredContent, which is returned. */
export function expectOk(r: CallToolResult): Record<string, unknown> {
  expect(r.isError, textOf(r)).toBeFalsy();
  expect(r.content.some((c) => c.type === 'text' && c.text.length > 0)).toBe(true);
  expect(r.structuredContent).toBeTypeOf('object');
  return r.structuredContent as Record<string, unknown>;
}

/** The JSON-RPC error code of a call that must fail at the protocol level (not as an isError result). */
export async function rpcErrorCode(p: Promise<unknown>): Promise<number> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProtocolError);
  return (err as ProtocolError).code;
}

/** Where a namespaced tool routes, from its `_meta` (see src/gateway/tool-table.ts). */
export function routeOf(tool: Tool): { configuration_id: string; configuration_name: string; personal_connector_id: string; upstream_tool: string } {
  const meta = tool._meta?.[ROUTE_META_KEY];
  expect(meta).toBeTypeOf('object');
  return meta as { configuration_id: string; configuration_name: string; personal_connector_id: string; upstream_tool: string };
}

/**
 * What every connector must show through the gateway: each upstream tool as `<slug>_<tool>`, a
 * description naming the configuration and the connector, the upstream's annotations unchanged,
 * and `_meta` pointing back at the configuration.
 */
export function expectNamespacedTools(tools: Tool[], opts: { slug: string; configuration: ConfigurationRecord; connectorName: string; upstream: readonly Tool[] }): void {
  const mine = tools.filter((t) => t.name.startsWith(`${opts.slug}_`));
  expect(mine.map((t) => t.name).sort()).toEqual(opts.upstream.map((t) => `${opts.slug}_${t.name}`).sort());
  for (const up of opts.upstream) {
    const t = mine.find((x) => x.name === `${opts.slug}_${up.name}`);
    expect(t, up.name).toBeDefined();
    if (!t) continue;
    expect(t.description).toContain(`[${opts.configuration.name} · ${opts.connectorName}]`);
    expect(t.annotations).toEqual(up.annotations);
    expect(t.inputSchema).toEqual(up.inputSchema);
    expect(routeOf(t)).toMatchObject({ configuration_id: opts.configuration.id, upstream_tool: up.name, personal_connector_id: opts.configuration.personal_connector_id });
  }
}

/** Reads a configuration after pending health writes have landed. */
export async function healthOf(h: McpHarness, id: string): Promise<ConfigurationRecord> {
  await h.gateway.flushHealth();
  const r = await h.store.getConfiguration(id);
  expect(r).toBeDefined();
  return r as ConfigurationRecord;
}

/**
 * What every connector must do when the service revokes its token: the first call works, the next
 * is an isError naming the configuration, the configuration turns unhealthy with a last_error
 * about the refusal, and `secrets` appear in neither. Returns both for connector-specific checks.
 */
export async function expectRevocationReported(
  h: McpHarness,
  opts: { client: Client; tool: string; configuration: ConfigurationRecord; revoke: () => void; secrets: readonly string[]; afterFirstCall?: () => Promise<void> },
): Promise<{ result: CallToolResult; after: ConfigurationRecord }> {
  expectOk(await opts.client.callTool({ name: opts.tool, arguments: {} }));
  await opts.afterFirstCall?.();
  opts.revoke();
  const result = await opts.client.callTool({ name: opts.tool, arguments: {} });
  expect(result.isError).toBe(true);
  expect(textOf(result)).toContain(`"${opts.configuration.name}"`);
  for (const secret of opts.secrets) expect(textOf(result)).not.toContain(secret);
  const after = await healthOf(h, opts.configuration.id);
  expect(after.health_status).toBe('unhealthy');
  expect(after.last_error).toMatch(/401|credentials/i);
  for (const secret of opts.secrets) expect(after.last_error).not.toContain(secret);
  return { result, after };
}

/**
 * A second gateway process in miniature: a fresh harness whose store holds copies of these records
 * (same ids, names and creation times), as after a restart on the same data file.
 */
export async function restartedHarness(from: McpHarness, records: readonly ConfigurationRecord[]): Promise<McpHarness> {
  const h = await startMcpHarness();
  for (const r of records) {
    const { version: _version, ...copy } = r;
    await h.store.createConfiguration(copy);
    const creds = from.credentials.byId.get(r.id);
    if (creds) h.credentials.byId.set(r.id, creds);
  }
  return h;
}
