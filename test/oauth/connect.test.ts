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
  const flow = createConnectFlow({ settings, createConfiguration: storingCreate(store, vault), ...(clock ? { clock } : {}) });
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
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toBe(started.state);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'offline_access']));
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(Date.parse(started.expires_at)).toBeGreaterThan(Date.now());

    const callback = await provider.authorize(url);
    const created = await flow.complete(callback);
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
    const e = await caught(flow.complete({ code: 'stolen-code', state: 'forged-state' }));
    expect(e).toBeInstanceOf(AuthError);
    expect(e.code).toBe('invalid_oauth_state');
    expect(e.message).toMatch(/state is unknown, expired or already used/);
    expect(provider.tokenCalls.authorization_code ?? 0).toBe(before);
  });

  it('refuses a replayed callback', async () => {
    const { flow } = setup();
    const { authorization_url } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Once', redirectUri: provider.redirectUri });
    const callback = await provider.authorize(authorization_url);
    await flow.complete(callback);
    const e = await caught(flow.complete(callback));
    expect(e).toBeInstanceOf(AuthError);
    expect(e.code).toBe('invalid_oauth_state');
    const code = callback.searchParams.get('code') ?? 'x';
    expect(e.message).not.toContain(code);
  });

  it('refuses a callback after the state expired', async () => {
    let now = Date.now();
    const { flow } = setup(() => now);
    const { authorization_url } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Late', redirectUri: provider.redirectUri });
    const callback = await provider.authorize(authorization_url);
    now += 11 * 60_000;
    expect(await caught(flow.complete(callback))).toBeInstanceOf(AuthError);
  });

  it('turns a denied authorization into a clear error and consumes the state', async () => {
    const { flow } = setup();
    const { state } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'Denied', redirectUri: provider.redirectUri });
    const e = await caught(flow.complete(`${provider.redirectUri}?error=access_denied&state=${state}`));
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toContain('access_denied');
    expect((await caught(flow.complete({ code: 'x', state }))).code).toBe('invalid_oauth_state');
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
    const listener = await startLoopbackCallback({ flow });
    try {
      expect(listener.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
      const { authorization_url } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'From the CLI', redirectUri: listener.redirectUri });
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
    const listener = await startLoopbackCallback({ flow });
    await listener.close();
    expect(await caught(listener.result)).toBeInstanceOf(AuthError);
  });
});
