import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI } from '../helpers/cli.js';

/** A client's protocol era: 2025-11-25 (`initialize`, sessions) or 2026-07-28 (per-request envelopes). */
export type ClientEra = 'legacy' | 'modern';
export const CLIENT_ERAS = ['legacy', 'modern'] as const;

function newClient(era: ClientEra, setup?: (client: Client) => void): Client {
  const client = new Client({ name: 'gateway-e2e', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  setup?.(client);
  return client;
}

/** A client of one era on the built server's `/mcp`, authenticated with an API key. `setup` runs before connecting (notification handlers). */
export async function connectHttp(url: string, secret: string, era: ClientEra, setup?: (client: Client) => void): Promise<Client> {
  const client = newClient(era, setup);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  return client;
}

/** A client of one era on the built binary's stdio, as Claude Desktop runs it (`env` from tempEnv()). */
export async function connectStdio(env: Record<string, string>, era: ClientEra, setup?: (client: Client) => void): Promise<Client> {
  const client = newClient(era, setup);
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--transport', 'stdio'], env, stderr: 'pipe' }));
  return client;
}
