import { describe, expect, it } from 'vitest';
import { SettingsSchema } from '../../src/config/settings.js';
import { UpstreamError, ValidationError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import { createOAuthClients } from '../../src/oauth/clients.js';
import { createCredentialSourceFactory } from '../../src/oauth/credential-source.js';
import { checkOAuthEndpoint } from '../../src/oauth/endpoint-policy.js';
import { OAUTH_PRESETS } from '../../src/oauth/presets.js';
import { REAUTHORIZE_MESSAGE } from '../../src/oauth/refresh.js';
import { startBrokenAuthServer } from '../fakes/oidc-provider.js';
import { ALICE, caught, newVault, storingCreate } from './support.js';

const strict = { allowLoopback: false, allowPrivate: false };

describe('OAuth endpoint policy', () => {
  it('accepts public https and refuses plain http, loopback, private and link-local by default', () => {
    expect(checkOAuthEndpoint('https://github.com/login/oauth/access_token', 'f', strict).insecure).toBe(false);
    expect(() => checkOAuthEndpoint('http://github.com/x', 'oauth.pc_github.token_endpoint', strict)).toThrow(/oauth\.pc_github\.token_endpoint: must use https/);
    expect(() => checkOAuthEndpoint('http://127.0.0.1:9/token', 'f', strict)).toThrow(/allow_loopback/);
    expect(() => checkOAuthEndpoint('https://10.0.0.5/token', 'f', strict)).toThrow(/allow_private/);
    expect(() => checkOAuthEndpoint('http://169.254.169.254/latest', 'f', { allowLoopback: true, allowPrivate: true })).toThrow(/link-local, metadata/);
    expect(() => checkOAuthEndpoint('http://[fe80::1]/x', 'f', { allowLoopback: true, allowPrivate: true })).toThrow(/link-local/);
    expect(() => checkOAuthEndpoint('ftp://example.com/x', 'f', strict)).toThrow(ValidationError);
  });

  it('lets plain http through on loopback only with allow_loopback', () => {
    const loopback = { allowLoopback: true, allowPrivate: false };
    expect(checkOAuthEndpoint('http://127.0.0.1:9/token', 'f', loopback).insecure).toBe(true);
    expect(checkOAuthEndpoint('http://[::1]:9/token', 'f', loopback).insecure).toBe(true);
    expect(() => checkOAuthEndpoint('http://10.1.2.3/token', 'f', { allowLoopback: true, allowPrivate: true })).toThrow(/must use https/);
  });
});

describe('OAuth client registry', () => {
  it('builds explicit-endpoint clients, filling the authorization endpoint from the preset', async () => {
    const settings = SettingsSchema.parse({
      oauth: { pc_github: { token_endpoint: OAUTH_PRESETS.pc_github?.token_endpoint, client_id: 'Iv1.abc', client_secret_env: 'GH_SECRET' } },
    });
    const clients = createOAuthClients(settings, { env: { GH_SECRET: 'shh' } });
    const config = await clients.get('pc_github');
    expect(config.serverMetadata().authorization_endpoint).toBe('https://github.com/login/oauth/authorize');
    expect(config.clientMetadata().client_id).toBe('Iv1.abc');
    expect(await clients.get('pc_github')).toBe(config); // cached
  });

  it('names the missing piece of a client configuration', async () => {
    const settings = SettingsSchema.parse({
      oauth: { pc_jira: { token_endpoint: 'https://auth.atlassian.com/oauth/token', client_id: 'x', client_secret_env: 'NOT_SET_ANYWHERE' } },
    });
    const clients = createOAuthClients(settings, { env: {} });
    expect((await caught(clients.get('pc_jira'))).message).toContain('oauth.pc_jira.client_secret_env names NOT_SET_ANYWHERE');
    expect((await caught(clients.get('pc_teams'))).message).toContain('add oauth.pc_teams to the settings file');
    const loop = createOAuthClients(SettingsSchema.parse({ oauth: { pc_jira: { token_endpoint: 'http://127.0.0.1:1/token', client_id: 'x' } } }));
    expect((await caught(loop.get('pc_jira'))).message).toContain('run: connector-gateway settings set allow_loopback true');
  });

  it('reports an unreachable issuer as a network error and retries discovery later', async () => {
    const broken = await startBrokenAuthServer('html');
    const issuer = broken.issuer;
    await broken.close();
    const clients = createOAuthClients(SettingsSchema.parse({ oauth: { pc_teams: { issuer, client_id: 'x' } }, network: { allow_loopback: true } }));
    const e = await caught(clients.get('pc_teams'));
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.kind).toBe('network');
  });

  it("treats GitHub's HTTP 200 bad_refresh_token as a refused grant", async () => {
    const broken = await startBrokenAuthServer('github-200-error');
    try {
      const store = new MemoryStore();
      const vault = newVault();
      const settings = SettingsSchema.parse({
        oauth: { pc_github: { token_endpoint: broken.tokenEndpoint, authorization_endpoint: `${broken.issuer}/auth`, client_id: 'c', client_secret: 's' } },
        network: { allow_loopback: true },
      });
      const created = await storingCreate(store, vault)(ALICE, {
        personal_connector_id: 'pc_github',
        name: 'GitHub',
        credentials: { type: 'oauth2', access_token: 'ghu_old', refresh_token: 'ghr_old', expires_at: new Date(Date.now() - 1).toISOString() },
      });
      const factory = createCredentialSourceFactory({ store, vault, settings, log: silentLogger });
      const e = await caught(factory.forConfiguration(created.id).get());
      expect(e.kind).toBe('reauthorize');
      expect(e.message).toBe(REAUTHORIZE_MESSAGE);
      expect((await store.getConfiguration(created.id))?.health_status).toBe('unhealthy');
    } finally {
      await broken.close();
    }
  });
});
