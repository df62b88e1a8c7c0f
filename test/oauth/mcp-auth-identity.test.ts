import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/domain/logger.js';
import { createCredentialSourceFactory } from '../../src/oauth/credential-source.js';
import { clientMetadataDocument } from '../../src/oauth/mcp-auth/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startProtectedMcp, type ProtectedMcp } from '../fakes/protected-mcp.js';
import { ALICE, caught, newVault, openCredentials } from './support.js';
import { connectMcp, mcpFlow, mcpSettings, REDIRECT } from './mcp-auth-support.js';

let provider: StartedOidcProvider;
let server: ProtectedMcp;
beforeAll(async () => {
  provider = await startOidcProvider({ registration: true, accessTokenTtl: 600 });
  server = await startProtectedMcp({ issuer: provider.issuer, placement: 'header' });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

describe('MCP authorization: client identity in the spec order', () => {
  it('a client the operator registered for the issuer comes first: no dynamic registration, refresh with it', async () => {
    const store = new MemoryStore();
    const vault = newVault();
    const settings = mcpSettings({ oauth_clients: { [provider.issuer]: { client_id: provider.clientId, client_secret: provider.clientSecret } } });
    const { flow, mcpAuth } = mcpFlow(store, vault, settings);
    // Metadata only through the challenge's resource_metadata (not at a well-known URI).
    const { started, configuration } = await connectMcp(flow, provider, ALICE, server.url, 'alice');
    expect(new URL(started.authorization_url).searchParams.get('client_id')).toBe(provider.clientId);
    expect(server.seen.metadataReads).toContain('/meta/resource.json');
    expect(await store.listOAuthRegistrations()).toEqual([]);
    const { credentials } = await openCredentials(store, vault, configuration.id);
    if (credentials.type !== 'oauth2') throw new Error('expected oauth2');
    expect(credentials.client_id).toBe(provider.clientId);
    const source = createCredentialSourceFactory({ store, vault, settings, log: silentLogger, mcpAuth }).forConfiguration(configuration.id);
    const fresh = await source.refresh(credentials);
    expect(fresh?.type === 'oauth2' && fresh.access_token !== credentials.access_token).toBe(true);
  });

  it('the Client ID Metadata Document when the server supports it and the redirect is the documented one; else registration', async () => {
    const as = await startMetadataOnlyServer();
    server.setAuthorizationServers([as.issuer]);
    try {
      const settings = mcpSettings({ public_base_url: 'https://gw.example.com' });
      const store = new MemoryStore();
      const { mcpAuth } = mcpFlow(store, newVault(), settings);
      const plan = await mcpAuth.plan(server.url);
      const doc = clientMetadataDocument(settings);
      expect(doc).toMatchObject({
        client_id: 'https://gw.example.com/v1/personal_connectors/oauth/client-metadata.json',
        redirect_uris: ['https://gw.example.com/v1/personal_connectors/oauth/callback'],
        token_endpoint_auth_method: 'none',
      });
      const viaDocument = await mcpAuth.client(plan.server, 'https://gw.example.com/v1/personal_connectors/oauth/callback');
      expect(viaDocument.identity).toMatchObject({ method: 'metadata_document', clientId: doc!.client_id });
      expect(as.registrations).toBe(0);
      // The CLI's loopback redirect is not in the document: dynamic registration instead.
      const viaRegistration = await mcpAuth.client(plan.server, REDIRECT);
      expect(viaRegistration.identity.method).toBe('dynamic');
      expect(as.registrations).toBe(1);
      expect(await store.listOAuthRegistrations()).toHaveLength(1);
      // Without public_base_url there is no document to offer.
      expect(clientMetadataDocument(mcpSettings())).toBeUndefined();
    } finally {
      server.setAuthorizationServers([provider.issuer]);
      await as.close();
    }
  });

  it('a server with neither a registration endpoint nor document support names the settings entry to add', async () => {
    const as = await startMetadataOnlyServer({ registration: false, cimd: false });
    server.setAuthorizationServers([as.issuer]);
    try {
      const { mcpAuth } = mcpFlow(new MemoryStore(), newVault());
      const plan = await mcpAuth.plan(server.url);
      const e = await caught(mcpAuth.client(plan.server, REDIRECT));
      expect(e.message).toContain(`oauth_clients["${as.issuer}"]`);
    } finally {
      server.setAuthorizationServers([provider.issuer]);
      await as.close();
    }
  });
});

/** Authorization server metadata announcing document support and a registration endpoint that hands out public clients. */
async function startMetadataOnlyServer(opts: { registration?: boolean; cimd?: boolean } = {}) {
  const state = { registrations: 0 };
  const http = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          ...(opts.registration === false ? {} : { registration_endpoint: `${issuer}/reg` }),
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['none'],
          client_id_metadata_document_supported: opts.cimd !== false,
        }),
      );
      return;
    }
    if (req.url === '/reg') {
      state.registrations++;
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: `public-${state.registrations}`, token_endpoint_auth_method: 'none' }));
      return;
    }
    res.writeHead(404).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return Object.assign(state, { issuer, close: () => new Promise<void>((r) => http.close(() => r())) });
}
