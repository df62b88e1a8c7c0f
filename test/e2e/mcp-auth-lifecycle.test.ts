import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { api, CONFIGURATIONS } from '../helpers/server.js';
import { chatClient, textOf } from './chat-support.js';
import { useProtectedStack } from './protected-stack.js';

/**
 * The life of a connection to a protected remote MCP server after the first consent, through the
 * built server against oidc-provider: an authorization server that forgot the gateway's dynamic
 * registration (invalid_client at refresh) gets a new registration when the person consents again
 * from the chat; deleting a configuration revokes its tokens (RFC 7009) and is never blocked by a
 * revocation that fails.
 */
describe('remote MCP server behind OAuth: re-registration and revocation (built server)', () => {
  const s = useProtectedStack();

  const registrations = async () => (JSON.parse(await readFile(`${s.data.dataFile}.oauth-registrations.json`, 'utf8')) as { registrations: { id: string }[] }).registrations;

  it('registers again when the authorization server forgot its client, and revokes the tokens on delete', async () => {
    const alice = s.data.principals[0]!.secret;
    const created = await api(s.server.url, alice, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'Protected', configuration: { endpoint: s.upstream.url } });
    expect(created.status, created.text).toBe(201);
    const id = String(created.json!.id);

    const chat = await chatClient(s.server, alice, 'legacy', s.provider, 'alice');
    try {
      expect(textOf(await chat.call('authorize'))).toMatch(/^Connected/);
      const firstClient = chat.asked[0]!.providerAuth!.searchParams.get('client_id')!;
      expect(firstClient).toBeTruthy();
      const [firstRegistration] = await registrations();

      // The server purges the registration and refuses the current access token: the refresh meets
      // invalid_client; the person consents again and the gateway registers a new client.
      await s.provider.forgetClient(firstClient);
      s.upstream.rejectSeenTokens();
      const refreshesBefore = s.provider.tokenCalls.refresh_token ?? 0;
      const result = await chat.call('whoami');
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(textOf(result)).toBe('whoami as alice');
      expect(s.provider.tokenCalls.refresh_token ?? 0).toBe(refreshesBefore + 1);
      expect(chat.asked).toHaveLength(2);
      const secondClient = chat.asked[1]!.providerAuth!.searchParams.get('client_id')!;
      expect(secondClient).not.toBe(firstClient);
      const now = await registrations();
      expect(now).toHaveLength(1);
      expect(now[0]!.id).toBe(firstRegistration!.id); // the same issuer and redirect URI, a new client in it
    } finally {
      await chat.close();
    }

    // Deleting the configuration revokes its refresh token (ending the grant) at the revocation endpoint.
    const grantsBefore = s.provider.revocations.grant ?? 0;
    const deleted = await api(s.server.url, alice, 'DELETE', `${CONFIGURATIONS}/${id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(s.provider.revocations.grant ?? 0).toBeGreaterThan(grantsBefore);
  });

  it('a revocation the server refuses does not block the delete', async () => {
    const bob = s.data.principals[1]!.secret;
    const created = await api(s.server.url, bob, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'Protected', configuration: { endpoint: s.upstream.url } });
    const id = String(created.json!.id);
    const chat = await chatClient(s.server, bob, 'modern', s.provider, 'bob');
    let clientId: string;
    try {
      expect(textOf(await chat.call('authorize'))).toMatch(/^Connected/);
      expect(textOf(await chat.call('whoami'))).toBe('whoami as bob');
      clientId = chat.asked[0]!.providerAuth!.searchParams.get('client_id')!;
    } finally {
      await chat.close();
    }
    await s.provider.forgetClient(clientId);
    const grantsBefore = s.provider.revocations.grant ?? 0;
    const deleted = await api(s.server.url, bob, 'DELETE', `${CONFIGURATIONS}/${id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(s.provider.revocations.grant ?? 0).toBe(grantsBefore);
    expect((await api(s.server.url, bob, 'GET', `${CONFIGURATIONS}/${id}`)).status).toBe(404);
  });
});
