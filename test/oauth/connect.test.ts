import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ValidationError } from '../../src/domain/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import { createConnectFlow } from '../../src/oauth/connect.js';
import { startLoopbackCallback } from '../../src/oauth/loopback-callback.js';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { ALICE, caught, newVault, openCredentials, providerSettings, storingCreate } from './support.js';

let provider: StartedOidcProvider;
beforeAll(async () => {
  provider = await startOidcProvider({ accessTokenTtl: 600 });
});
afterAll(async () => {
  await provider?.close();
});

function setup(clock?: () => number) {
  const store = new MemoryStore();
  const vault = newVault();
  const settings = providerSettings(provider);
  const flow = createConnectFlow({ settings, createConfiguration: storingCreate(store, vault), store, sealer: vault, ...(clock ? { clock } : {}) });
  return { store, vault, flow };
}

describe('connect flow (authorization code + PKCE against a real provider)', () => {
  it('creates a configuration holding the sealed tokens', async () => {
    const { store, vault, flow } = setup();
    const started = await flow.start({
      principal: ALICE,
      connectorId: 'pc_github',
      name: 'My GitHub',
      configuration: { repository: 'acme/backend' },
      metadata: { team: 'core' },
      redirectUri: provider.redirectUri,
    });
    const url = new URL(started.authorization_url);
    expect(url.href).not.toContain(started.binding);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toBe(started.state);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'offline_access']));
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(Date.parse(started.expires_at)).toBeGreaterThan(Date.now());

    const callback = await provider.authorize(url);
    const created = await flow.complete(callback, started.binding);
    expect(created).toMatchObject({ name: 'My GitHub', personal_connector_id: 'pc_github', user_id: 'alice', organization_id: 'org_acme', configuration: { repository: 'acme/backend' }, metadata: { team: 'core' } });
    expect(created).not.toHaveProperty('credentials');

    const { record, credentials } = await openCredentials(store, vault, created.id);
    expect(credentials.type).toBe('oauth2');
    if (credentials.type !== 'oauth2') return;
    expect(credentials.refresh_token).toBeTruthy();
    expect(Date.parse(credentials.expires_at ?? '')).toBeGreaterThan(Date.now() + 500_000);
    // Sealed at rest: neither token appears in the stored record.
    const raw = JSON.stringify(record);
    expect(raw).not.toContain(credentials.access_token);
    expect(raw).not.toContain(credentials.refresh_token);
    expect(provider.tokenCalls.authorization_code).toBeGreaterThanOrEqual(1);
  });

  it('refuses a forged or unknown state without calling the provider', async () => {
    const { flow } = setup();
    const before = provider.tokenCalls.authorization_code ?? 0;
    const e = await caught(flow.complete({ code: 'stolen-code', state: 'forged-state' }, 'x'.repeat(43)));
    expect(e).toBeInstanceOf(AuthError);
    expect(e.code).toBe('invalid_oauth_state');
    expect(e.message).toMatch(/state is unknown, expired or already used/);
    expect(provider.tokenCalls.authorization_code ?? 0).toBe(before);
  });

  it('refuses a replayed callback', async () => {
    const { flow } = setup();
    const { authorization_url, binding } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Once', redirectUri: provider.redirectUri });
    const callback = await provider.authorize(authorization_url);
    await flow.complete(callback, binding);
    const e = await caught(flow.complete(callback, binding));
    expect(e).toBeInstanceOf(AuthError);
    expect(e.code).toBe('invalid_oauth_state');
    const code = callback.searchParams.get('code') ?? 'x';
    expect(e.message).not.toContain(code);
  });

  it('refuses a callback after the state expired', async () => {
    let now = Date.now();
    const { flow } = setup(() => now);
    const { authorization_url, binding } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Late', redirectUri: provider.redirectUri });
    const callback = await provider.authorize(authorization_url);
    now += 11 * 60_000;
    expect(await caught(flow.complete(callback, binding))).toBeInstanceOf(AuthError);
  });

  it('turns a denied authorization into a clear error and consumes the state', async () => {
    const { flow } = setup();
    const { state, binding } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Denied', redirectUri: provider.redirectUri });
    const e = await caught(flow.complete(`${provider.redirectUri}?error=access_denied&state=${state}`, binding));
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toContain('access_denied');
    expect((await caught(flow.complete({ code: 'x', state }, binding))).code).toBe('invalid_oauth_state');
  });

  it('a callback without the binding of the agent that started it exchanges nothing and creates nothing', async () => {
    const { store, flow } = setup();
    const started = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Stolen', redirectUri: provider.redirectUri });
    const callback = await provider.authorize(started.authorization_url);
    const before = provider.tokenCalls.authorization_code ?? 0;
    for (const wrong of [undefined, 'someone-else'.padEnd(43, 'x')]) {
      const again = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Stolen', redirectUri: provider.redirectUri });
      const cb = wrong === undefined ? callback : await provider.authorize(again.authorization_url);
      const e = await caught(flow.complete(cb, wrong));
      expect(e.code).toBe('oauth_browser_mismatch');
      expect(e.status).toBe(403);
    }
    expect(provider.tokenCalls.authorization_code ?? 0).toBe(before);
    expect((await store.listConfigurations({ organization_id: ALICE.organization_id, user_id: ALICE.user_id! }, {}, { limit: 100 })).data).toEqual([]);
    // The flow is spent: not even its own binding completes it now.
    expect((await caught(flow.complete(callback, started.binding))).code).toBe('invalid_oauth_state');
  });

  it('keeps pending flows in the store, the PKCE verifier sealed, and caps them per principal', async () => {
    const { store, vault } = setup();
    const seen: string[] = [];
    const spy = { ...store, createOAuthFlow: async (r: Parameters<typeof store.createOAuthFlow>[0], l: Parameters<typeof store.createOAuthFlow>[1]) => (seen.push(JSON.stringify(r)), store.createOAuthFlow(r, l)), getOAuthFlow: store.getOAuthFlow.bind(store), takeOAuthFlow: store.takeOAuthFlow.bind(store) };
    const flow = createConnectFlow({ settings: providerSettings(provider), createConfiguration: storingCreate(store, vault), store: spy, sealer: vault, maxPendingPerPrincipal: 2 });
    const a = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'A', redirectUri: provider.redirectUri });
    await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'B', redirectUri: provider.redirectUri });
    const third = await caught(flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'C', redirectUri: provider.redirectUri }));
    expect(third.status).toBe(429);
    expect(third.code).toBe('too_many_pending_oauth_flows');
    expect(third.message).toContain('cap is 2 per principal');
    // Neither the state, the binding nor the verifier (its S256 challenge is in the URL) is stored in clear.
    expect(seen[0]).not.toContain(a.state);
    expect(seen[0]).not.toContain(a.binding);
    expect(seen[0]).not.toContain('"verifier"');
    // A second flow object over the same store (another process) completes it.
    const other = createConnectFlow({ settings: providerSettings(provider), createConfiguration: storingCreate(store, vault), store, sealer: vault });
    const created = await other.complete(await provider.authorize(a.authorization_url), a.binding);
    expect(created.name).toBe('A');
  });

  it('validates the start input and needs a configured OAuth client', async () => {
    const { flow } = setup();
    const noClient = await caught(flow.start({ principal: ALICE, connectorId: 'pc_jira', name: 'Jira', redirectUri: provider.redirectUri }));
    expect(noClient).toBeInstanceOf(ValidationError);
    expect(noClient.message).toContain('oauth.pc_jira');
    const badName = await caught(flow.start({ principal: ALICE, connectorId: 'pc_github', name: ' ', redirectUri: provider.redirectUri }));
    expect(badName).toBeInstanceOf(ValidationError);
    expect((badName as ValidationError).param).toBe('name');
    const badRedirect = await caught(flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'x', redirectUri: 'ftp://host/cb' }));
    expect((badRedirect as ValidationError).param).toBe('redirectUri');
  });
});

describe('loopback callback listener', () => {
  it('completes the flow from the browser redirect and shows a closing page', async () => {
    const { store, vault, flow } = setup();
    let binding: string | undefined;
    const listener = await startLoopbackCallback({ flow, binding: () => binding });
    try {
      expect(listener.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
      const started = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'From the CLI', redirectUri: listener.redirectUri });
      const { authorization_url } = started;
      binding = started.binding;
      const callback = await provider.authorize(authorization_url);
      expect(callback.origin).toBe(new URL(listener.redirectUri).origin);

      // A stray request with a forged state does not end the wait.
      const forged = await fetch(`${listener.redirectUri}?code=x&state=forged`);
      expect(forged.status).toBe(400);

      const page = await fetch(callback);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('You can close this tab');
      const created = await listener.result;
      expect(created.name).toBe('From the CLI');
      expect((await openCredentials(store, vault, created.id)).credentials.type).toBe('oauth2');
    } finally {
      await listener.close();
    }
  });

  it('rejects its result when closed before the browser comes back', async () => {
    const { flow } = setup();
    const listener = await startLoopbackCallback({ flow, binding: () => undefined });
    await listener.close();
    expect(await caught(listener.result)).toBeInstanceOf(AuthError);
  });
});
