import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/domain/errors.js';
import { alice, serviceFixture } from './fixtures.js';

const custom = (endpoint: string) => ({ personal_connector_id: 'pc_custom_mcp', name: 'Custom', configuration: { endpoint } });

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GatewayError);
  return e as GatewayError;
}

describe('URLs in a configuration are checked against the network policy when saved', () => {
  it('refuses loopback by default, naming the field, and stores nothing', async () => {
    const { svc, store } = serviceFixture({ network: { allowLoopback: false, allowPrivate: false } });
    const e = await refusal(svc.create(alice, custom('http://127.0.0.1:8080/mcp')));
    expect(e.param).toBe('configuration.endpoint');
    expect(e.message).toMatch(/loopback/);
    expect(await store.allConfigurations()).toEqual([]);
  });

  it('lets loopback through when allowed, but never link-local or metadata addresses', async () => {
    const { svc } = serviceFixture({ network: { allowLoopback: true, allowPrivate: true } });
    await expect(svc.create(alice, custom('http://127.0.0.1:8080/mcp'))).resolves.toMatchObject({ configuration: { endpoint: 'http://127.0.0.1:8080/mcp' } });
    const e = await refusal(svc.create(alice, custom('https://169.254.169.254/latest')));
    expect(e.param).toBe('configuration.endpoint');
  });

  it('checks api_base_url on update too', async () => {
    const { svc } = serviceFixture({ network: { allowLoopback: false, allowPrivate: false } });
    const created = await svc.create(alice, { personal_connector_id: 'pc_github', name: 'GH', configuration: { repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: 'ghp_x' } });
    const e = await refusal(svc.update(alice, created.id, { configuration: { api_base_url: 'http://10.0.0.5/api/v3' } }));
    expect(e.param).toBe('configuration.api_base_url');
    expect((await svc.get(alice, created.id)).configuration).toEqual({ repository: 'acme/backend' });
  });
});
