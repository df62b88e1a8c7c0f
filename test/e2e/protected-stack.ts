import { afterAll, beforeAll } from 'vitest';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startProtectedMcp, type ProtectedMcp } from '../fakes/protected-mcp.js';
import { prepareData, spawnServer, type PreparedData, type SpawnedServer } from '../helpers/server.js';

export interface ProtectedStack {
  provider: StartedOidcProvider;
  upstream: ProtectedMcp;
  data: PreparedData;
  server: SpawnedServer;
}

/**
 * What the remote-MCP-behind-OAuth tests share: oidc-provider with dynamic registration, an SDK MCP
 * server that requires its tokens, and the built gateway for two principals (loopback allowed).
 * Started before the enclosing describe's tests and stopped after them; the fields are set by then.
 */
export function useProtectedStack(): ProtectedStack {
  const s = {} as ProtectedStack;
  beforeAll(async () => {
    s.provider = await startOidcProvider({ registration: true });
    s.upstream = await startProtectedMcp({ issuer: s.provider.issuer });
    s.data = await prepareData({ principals: 2, settings: { network: { allow_loopback: true } } });
    s.server = await spawnServer(s.data);
  });
  afterAll(async () => {
    await s.server?.stop();
    await Promise.all([s.provider?.close(), s.upstream?.close(), s.data?.remove()]);
  });
  return s;
}
