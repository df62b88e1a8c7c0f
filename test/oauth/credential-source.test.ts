import { PATIENCE_MS, waitFor } from '../helpers/timing.js';
import { heldTokenDeadline } from './held-token-deadline.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SettingsSchema } from '../../src/config/settings.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { silentLogger, type Logger } from '../../src/domain/logger.js';
import { LowdbStore } from '../../src/store/lowdb.js';
import { MemoryStore } from '../../src/store/memory.js';
import { createCredentialSourceFactory } from '../../src/oauth/credential-source.js';
import { REAUTHORIZE_MESSAGE } from '../../src/oauth/refresh.js';
import { startBrokenAuthServer, startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { ALICE, caught, connectThroughProvider, expireSoon, newVault, openCredentials, providerSettings, setCredentials, storingCreate } from './support.js';

let provider: StartedOidcProvider;
beforeAll(async () => {
  provider = await startOidcProvider({ accessTokenTtl: 900 });
});
afterAll(async () => {
  await provider?.close();
});

const refreshCalls = () => provider.tokenCalls.refresh_token ?? 0;
const secretsSeen: string[] = [];
const messagesSeen: string[] = [];
afterEach(() => {
  // No error message ever carries a token.
  for (const m of messagesSeen) for (const s of secretsSeen) expect(m).not.toContain(s);
});
function remember(c: Credentials | undefined) {
  if (c?.type === 'oauth2') secretsSeen.push(c.access_token, ...(c.refresh_token ? [c.refresh_token] : []));
}
async function failure(p: Promise<unknown>) {
  const e = await caught(p);
  messagesSeen.push(e.message);
  return e;
}

function capturingLogger(into: unknown[]): Logger {
  const log: Logger = {
    debug: (o, m) => into.push([o, m]),
    info: (o, m) => into.push([o, m]),
    warn: (o, m) => into.push([o, m]),
    error: (o, m) => into.push([o, m]),
    child: () => log,
  };
  return log;
}

async function connected() {
  const store = new MemoryStore();
  const vault = newVault();
  const settings = providerSettings(provider);
  const { configuration } = await connectThroughProvider(provider, settings, store, vault);
  const factory = createCredentialSourceFactory({ store, vault, settings, log: silentLogger });
  return { store, vault, settings, factory, id: configuration.id };
}

describe('OAuth2 credential source', () => {
  it('returns a valid token as stored, without calling the provider', async () => {
    const { store, vault, factory, id } = await connected();
    const before = refreshCalls();
    const source = factory.forConfiguration(id);
    const got = await source.get();
    remember(got);
    expect(got).toEqual((await openCredentials(store, vault, id)).credentials);
    expect(source.type).toBe('oauth2');
    expect(refreshCalls()).toBe(before);
  });

  it('refreshes a token about to expire before use, and stores the new tokens sealed', async () => {
    const { store, vault, settings, id } = await connected();
    const logged: unknown[] = [];
    const log = capturingLogger(logged);
    const factory = createCredentialSourceFactory({ store, vault, settings, log });
    const old = await expireSoon(store, vault, id);
    remember(old);
    const before = refreshCalls();
    const versionBefore = (await store.getConfiguration(id))?.version ?? 0;
    const got = await factory.forConfiguration(id).get();
    remember(got);
    expect(refreshCalls()).toBe(before + 1);
    if (got?.type !== 'oauth2' || old.type !== 'oauth2') throw new Error('expected oauth2');
    expect(got.access_token).not.toBe(old.access_token);
    expect(got.refresh_token).toBeTruthy();
    expect(got.refresh_token).not.toBe(old.refresh_token); // rotated by the provider
    expect(Date.parse(got.expires_at ?? '')).toBeGreaterThan(Date.now() + 800_000);
    const { record, credentials } = await openCredentials(store, vault, id);
    expect(credentials).toEqual(got);
    expect(record.version).toBe(versionBefore + 1); // one write: the new tokens
    const raw = JSON.stringify(record);
    expect(raw).not.toContain(got.access_token);
    expect(raw).not.toContain(got.refresh_token ?? '∅');
    // The next get uses the stored token.
    expect(await factory.forConfiguration(id).get()).toEqual(got);
    expect(refreshCalls()).toBe(before + 1);
    expect(logged.length).toBeGreaterThan(0);
    const logText = JSON.stringify(logged);
    for (const secret of [got.access_token, got.refresh_token ?? '∅', old.access_token, old.refresh_token ?? '∅']) expect(logText).not.toContain(secret);
  });

  it('50 concurrent get() on an expiring token make exactly one refresh', async () => {
    const { store, vault, factory, id } = await connected();
    remember(await expireSoon(store, vault, id));
    const before = refreshCalls();
    const failuresBefore = provider.refreshFailures;
    const results = await Promise.all(Array.from({ length: 50 }, () => factory.forConfiguration(id).get()));
    results.forEach(remember);
    expect(refreshCalls()).toBe(before + 1);
    expect(provider.refreshFailures).toBe(failuresBefore);
    expect(new Set(results.map((c) => (c?.type === 'oauth2' ? c.access_token : '')))).toHaveProperty('size', 1);
  });

  it('refresh(rejected) after a 401: one forced refresh, then the stored token for stale rejections', async () => {
    const { store, vault, factory, id } = await connected();
    const source = factory.forConfiguration(id);
    const first = await source.get();
    remember(first);
    if (!first) throw new Error('no credentials');
    const before = refreshCalls();
    const [a, b] = await Promise.all([source.refresh(first), source.refresh(first)]);
    remember(a);
    expect(refreshCalls()).toBe(before + 1);
    expect(a).toEqual(b);
    expect(a?.type === 'oauth2' && a.access_token).not.toBe(first.type === 'oauth2' && first.access_token);
    // A caller still holding the old token gets the stored one, no second refresh.
    expect(await source.refresh(first)).toEqual(a);
    expect(refreshCalls()).toBe(before + 1);
    expect((await openCredentials(store, vault, id)).credentials).toEqual(a);
  });

  it('invalid_grant marks the configuration for re-authorization and never loops', async () => {
    const { store, vault, factory, id } = await connected();
    remember(await expireSoon(store, vault, id));
    await provider.revokeAllGrants();
    const before = refreshCalls();
    const e = await failure(factory.forConfiguration(id).get());
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.kind).toBe('reauthorize');
    expect(e.message).toBe(REAUTHORIZE_MESSAGE);
    expect(refreshCalls()).toBe(before + 1);
    const record = await store.getConfiguration(id);
    expect(record?.health_status).toBe('unhealthy');
    expect(record?.last_error).toBe(REAUTHORIZE_MESSAGE);
    // Later calls fail the same way without asking the provider again.
    for (let i = 0; i < 3; i++) expect((await failure(factory.forConfiguration(id).get())).kind).toBe('reauthorize');
    expect(refreshCalls()).toBe(before + 1);
  });

  it('an expired token without a refresh token asks for reconnection', async () => {
    const store = new MemoryStore();
    const vault = newVault();
    const created = await storingCreate(store, vault)(ALICE, {
      personal_connector_id: 'pc_github',
      name: 'No refresh',
      credentials: { type: 'oauth2', access_token: 'gho_expired_token_value', expires_at: new Date(Date.now() - 1000).toISOString() },
    });
    secretsSeen.push('gho_expired_token_value');
    const factory = createCredentialSourceFactory({ store, vault, settings: providerSettings(provider), log: silentLogger });
    const e = await failure(factory.forConfiguration(created.id).get());
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.kind).toBe('reauthorize');
    expect(e.message).toBe(`the access token of configuration ${created.id} expired and it has no refresh token: reconnect it`);
  });

  it('returns api_key credentials and unexpired tokens of connectors without an OAuth client as they are', async () => {
    const store = new MemoryStore();
    const vault = newVault();
    const create = storingCreate(store, vault);
    const key = await create(ALICE, { personal_connector_id: 'pc_clickup', name: 'ClickUp', credentials: { type: 'api_key', api_key: 'pk_123' } });
    const tok = await create(ALICE, { personal_connector_id: 'pc_teams', name: 'Teams', credentials: { type: 'oauth2', access_token: 'at', refresh_token: 'rt', expires_at: new Date(Date.now() + 3_600_000).toISOString() } });
    const factory = createCredentialSourceFactory({ store, vault, settings: SettingsSchema.parse({}), log: silentLogger });
    expect(await factory.forConfiguration(key.id).get()).toEqual({ type: 'api_key', api_key: 'pk_123' });
    expect((await factory.forConfiguration(tok.id).get())?.type).toBe('oauth2');
    // Nothing to refresh with: the 401 stands.
    expect(await factory.forConfiguration(tok.id).refresh({ type: 'oauth2', access_token: 'at' })).toBeUndefined();
    const expiring = await setCredentials(store, vault, tok.id, { type: 'oauth2', access_token: 'at', refresh_token: 'rt', expires_at: new Date(Date.now() + 1000).toISOString() });
    const e = await failure(factory.forConfiguration(expiring).get());
    expect(e.kind).toBe('reauthorize');
    expect(e.message).toContain('no OAuth client is configured for pc_teams');
  });

  it('a token endpoint that is down gives a network error and leaves the credentials unchanged', async () => {
    const own = await startOidcProvider();
    const store = new MemoryStore();
    const vault = newVault();
    const settings = providerSettings(own);
    const { configuration } = await connectThroughProvider(own, settings, store, vault);
    remember(await expireSoon(store, vault, configuration.id));
    const before = await store.getConfiguration(configuration.id);
    const factory = createCredentialSourceFactory({ store, vault, settings, log: silentLogger });
    await own.close();
    const e = await failure(factory.forConfiguration(configuration.id).get());
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.kind).toBe('network');
    expect(await store.getConfiguration(configuration.id)).toEqual(before);
  });
});


describe('misbehaving token endpoints', () => {
  for (const [mode, kind] of [
    ['html', 'protocol'],
    ['json-garbage', 'protocol'],
    ['500', 'server'],
    ['hang', 'timeout'],
  ] as const) {
    it(`${mode} → ${kind} error, credentials unchanged`, async () => {
      const broken = await startBrokenAuthServer(mode);
      try {
        const store = new MemoryStore();
        const vault = newVault();
        const settings = SettingsSchema.parse({
          oauth: { pc_jira: { token_endpoint: broken.tokenEndpoint, authorization_endpoint: `${broken.issuer}/auth`, client_id: 'c', client_secret: 's' } },
          network: { allow_loopback: true },
          // No real deadline a slow machine could reach: the hanging endpoint's is fired by the test.
          limits: { discovery_timeout_ms: PATIENCE_MS },
        });
        const deadline = heldTokenDeadline(settings);
        const created = await storingCreate(store, vault)(ALICE, {
          personal_connector_id: 'pc_jira',
          name: 'Jira',
          credentials: { type: 'oauth2', access_token: 'at-secret-1', refresh_token: 'rt-secret-1', expires_at: new Date(Date.now() + 1000).toISOString() },
        });
        secretsSeen.push('at-secret-1', 'rt-secret-1');
        const before = await store.getConfiguration(created.id);
        const factory = createCredentialSourceFactory({ store, vault, settings, log: silentLogger, clients: deadline.clients });
        const pending = failure(factory.forConfiguration(created.id).get());
        if (mode === 'hang') {
          // The endpoint holds the refresh: now, and only now, its deadline ends it.
          await waitFor(() => broken.tokenCalls === 1, 'the token endpoint to receive the refresh');
          deadline.fire();
        }
        const e = await pending;
        expect(e).toBeInstanceOf(UpstreamError);
        expect(e.kind).toBe(kind);
        expect(broken.tokenCalls).toBe(1);
        expect(await store.getConfiguration(created.id)).toEqual(before);
      } finally {
        await broken.close();
      }
    });
  }
});

describe('callers that give up', () => {
  it('an aborted get() stops waiting with a typed error while the shared refresh goes on', async () => {
    const broken = await startBrokenAuthServer('hang');
    try {
      const store = new MemoryStore();
      const vault = newVault();
      const settings = SettingsSchema.parse({
        oauth: { pc_jira: { token_endpoint: broken.tokenEndpoint, authorization_endpoint: `${broken.issuer}/auth`, client_id: 'c', client_secret: 's' } },
        network: { allow_loopback: true },
        limits: { discovery_timeout_ms: PATIENCE_MS },
      });
      const deadline = heldTokenDeadline(settings);
      const created = await storingCreate(store, vault)(ALICE, {
        personal_connector_id: 'pc_jira',
        name: 'Jira',
        credentials: { type: 'oauth2', access_token: 'at-2', refresh_token: 'rt-2', expires_at: new Date(Date.now() - 1).toISOString() },
      });
      const factory = createCredentialSourceFactory({ store, vault, settings, log: silentLogger, clients: deadline.clients });
      const controller = new AbortController();
      const patient = factory.forConfiguration(created.id).get();
      const impatient = factory.forConfiguration(created.id).get(controller.signal);
      controller.abort();
      const e = await failure(impatient);
      expect(e).toBeInstanceOf(UpstreamError);
      expect(e.message).toContain('was aborted');
      // The shared refresh goes on until the endpoint, holding it, reaches the deadline.
      await waitFor(() => broken.tokenCalls === 1, 'the token endpoint to receive the refresh');
      deadline.fire();
      expect((await failure(patient)).kind).toBe('timeout');
      expect(broken.tokenCalls).toBe(1);
    } finally {
      await broken.close();
    }
  });
});

describe('across processes sharing one data file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauth-lease-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('two stores on one lowdb file refresh once between them', async () => {
    const file = join(dir, 'data.json');
    const a = await LowdbStore.open({ file, fsync: false });
    const b = await LowdbStore.open({ file, fsync: false });
    try {
      const vault = newVault(); // one key, as two processes sharing CONNECTOR_GATEWAY_KEY
      const settings = providerSettings(provider);
      const { configuration } = await connectThroughProvider(provider, settings, a, vault);
      remember(await expireSoon(a, vault, configuration.id));
      // b learns of the expiring token before anyone refreshes.
      await b.updateConfiguration(configuration.id, (cur) => cur);
      const fa = createCredentialSourceFactory({ store: a, vault, settings, log: silentLogger });
      const fb = createCredentialSourceFactory({ store: b, vault, settings, log: silentLogger });
      const before = refreshCalls();
      const failuresBefore = provider.refreshFailures;
      const results = await Promise.all([
        ...Array.from({ length: 5 }, () => fa.forConfiguration(configuration.id).get()),
        ...Array.from({ length: 5 }, () => fb.forConfiguration(configuration.id).get()),
      ]);
      results.forEach(remember);
      expect(refreshCalls()).toBe(before + 1);
      expect(provider.refreshFailures).toBe(failuresBefore);
      expect(new Set(results.map((c) => (c?.type === 'oauth2' ? c.access_token : '')))).toHaveProperty('size', 1);
      const onDisk = await readFile(file, 'utf8');
      for (const c of results) if (c?.type === 'oauth2') expect(onDisk).not.toContain(c.access_token);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
