/**
 * Say what really failed (issue 13 §1):
 * - sealed credentials that this process's key ring cannot open are reported as such, naming the
 *   key id they were sealed with, with `error_kind: credentials_unreadable`, in `last_error`, the
 *   health check's answer, tool results and the audit trail; never "could not be reached";
 * - a token that cannot be an HTTP header value is refused when it is saved, naming the field.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppContext, type AppContext } from '../../src/app/context.js';
import { createGatewayRuntime, type GatewayRuntime } from '../../src/app/runtime.js';
import { generateKey, KeyRing, Vault } from '../../src/crypto/index.js';
import { silentLogger } from '../../src/domain/logger.js';
import type { Principal } from '../../src/domain/principal.js';
import { auditObserver, type AuditObserver } from '../../src/observability/audit-observer.js';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { startApi, type ApiHarness } from '../api/harness.js';

const principal: Principal = { organization_id: 'org_local', user_id: 'usr_local', via: 'local' };

describe('credentials the key ring cannot open', () => {
  let dir: string;
  let fake: FakeGithub;
  let ctx: AppContext;
  let runtime: GatewayRuntime;
  let audit: AuditObserver;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cgw-unreadable-'));
    fake = await startFakeGithub();
    ctx = await openAppContext({
      env: { CONNECTOR_GATEWAY_KEY: generateKey().toString('base64'), CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' },
      dataFile: join(dir, 'data.json'),
      log: silentLogger,
    });
    audit = auditObserver(ctx.store, { log: silentLogger });
    runtime = createGatewayRuntime(ctx, audit);
  });
  afterAll(async () => {
    await runtime?.close();
    await audit?.close();
    await ctx?.close();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('are named as unreadable under the key id they were sealed with, in last_error, the test, the tool result and the audit trail', async () => {
    const created = await ctx.configurations.create(principal, {
      personal_connector_id: 'pc_github',
      name: 'Sealed Elsewhere',
      configuration: { api_base_url: fake.url, repository: 'acme/backend' },
      credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN },
    });
    // Another process sealed these credentials under a key this one does not hold (a rotation
    // through the environment that reached the CLI but not this server, say).
    const otherRing = KeyRing.of([generateKey()]);
    const foreign = new Vault(otherRing).seal({ type: 'api_key', api_key: FAKE_GITHUB_TOKEN }, { configurationId: created.id, organizationId: created.organization_id });
    await ctx.store.updateConfiguration(created.id, (r) => ({ ...r, credentials_sealed: foreign }));
    const kid = otherRing.primary.kid;
    const requestsBefore = fake.requests.length;

    const tested = await ctx.configurations.test(principal, created.id);
    expect(tested.health_status).toBe('unhealthy');
    expect(tested.last_error).toContain(`sealed with key ${kid}`);
    expect(tested.last_error).not.toMatch(/could not be reached|refused the connection/);
    const testEvents = (await ctx.store.listAudit(principal, { limit: 100 })).data.filter((e) => e.action === 'configuration.tested' && e.target === created.id);
    expect(testEvents).toHaveLength(1);
    expect(testEvents[0]).toMatchObject({ outcome: 'failure', detail: { error_kind: 'credentials_unreadable' } });

    const g = runtime.gateway.forOwner(principal);
    const result = await g.callTool('sealed_elsewhere_get_me', {}, { signal: new AbortController().signal });
    expect(result.isError).toBe(true);
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
    expect(text).toContain(`sealed with key ${kid}`);
    expect(text).not.toMatch(/could not be reached/);
    await audit.flush();
    const calls = (await ctx.store.listAudit(principal, { limit: 100 })).data.filter((e) => e.action === 'tool.called' && e.target === created.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ outcome: 'failure', detail: { error_kind: 'credentials_unreadable' } });

    await runtime.gateway.flushHealth();
    const stored = await ctx.configurations.get(principal, created.id);
    expect(stored.health_status).toBe('unhealthy');
    expect(stored.last_error).toContain(`sealed with key ${kid}`);
    // Nothing went to GitHub: there was nothing to send.
    expect(fake.requests.length).toBe(requestsBefore);
  });
});

describe('a token that cannot be an HTTP header value', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['a pasted newline', { type: 'api_key', api_key: 'ghp_abc\n' }, 'credentials.api_key', /whitespace|line break/],
    ['a line break inside', { type: 'api_key', api_key: 'ghp_abc\r\nX-Injected: 1' }, 'credentials.api_key', /line break at character 8/],
    ['a … placeholder', { type: 'bearer', token: 'ghp_…' }, 'credentials.token', /ellipsis/],
    ['a control character', { type: 'bearer', token: 'abc\u0007def' }, 'credentials.token', /control character at character 4/],
    ['a non-ASCII character', { type: 'oauth2', access_token: 'tökén' }, 'credentials.access_token', /non-ASCII character \(U\+00F6\)/],
  ];

  for (const [what, credentials, param, rule] of cases) {
    it(`is refused at create and update with 400 naming ${param}: ${what}`, async () => {
      const created = await api.request('POST', '/v1/personal_connectors/configurations', {
        body: { personal_connector_id: 'pc_github', name: 'Bad Token', configuration: {}, credentials },
      });
      expect(created.status).toBe(400);
      expect(created.json.error?.param).toBe(param);
      expect(created.json.error?.message).toMatch(rule);
      // The message never quotes the secret.
      expect(created.text).not.toContain(Object.values(credentials)[1]!.slice(0, 5));

      const ok = await api.request('POST', '/v1/personal_connectors/configurations', {
        body: { personal_connector_id: 'pc_github', name: 'Good Token', configuration: {}, credentials: { type: 'api_key', api_key: 'ghp_good token with inner spaces' } },
      });
      expect(ok.status).toBe(201);
      const patched = await api.request('PATCH', `/v1/personal_connectors/configurations/${ok.json.id}`, { body: { credentials } });
      expect(patched.status).toBe(400);
      expect(patched.json.error?.param).toBe(param);
    });
  }
});
