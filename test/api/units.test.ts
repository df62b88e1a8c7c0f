import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { RateLimitedError } from '../../src/domain/errors.js';
import { matchRoute } from '../../src/api/routes.js';
import { parseIfMatch, parseListQuery } from '../../src/api/list-query.js';
import { allowedHostnames } from '../../src/api/host-check.js';

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then refills one token per 60/perMinute seconds', () => {
    let now = 0;
    const rl = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) rl.take('p');
    expect(() => rl.take('p')).toThrow(RateLimitedError);
    try {
      rl.take('p');
    } catch (e) {
      expect((e as RateLimitedError).retryAfterMs).toBeCloseTo(1000, 0);
    }
    now += 1000;
    expect(() => rl.take('p')).not.toThrow();
    expect(() => rl.take('q')).not.toThrow();
  });

  it('0 disables limiting', () => {
    const rl = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) rl.take('p');
  });
});

describe('routes and query parsing', () => {
  it('matches each route and reports allowed methods', () => {
    expect(matchRoute('GET', '/v1/personal_connectors')).toEqual({ name: 'connectors.list' });
    expect(matchRoute('GET', '/v1/personal_connectors/pc_github')).toEqual({ name: 'connectors.get', id: 'pc_github' });
    expect(matchRoute('POST', '/v1/personal_connectors/configurations/')).toEqual({ name: 'configurations.create' });
    expect(matchRoute('PATCH', '/v1/personal_connectors/configurations/pconf_1')).toEqual({ name: 'configurations.update', id: 'pconf_1' });
    expect(matchRoute('POST', '/v1/personal_connectors/configurations/pconf_1/test')).toEqual({ name: 'configurations.test', id: 'pconf_1' });
    expect(() => matchRoute('GET', '/v1/personal_connectors/configurations/pconf_1/test')).toThrow(/use POST/);
    expect(matchRoute('GET', '/mcp')).toBeUndefined();
    expect(matchRoute('GET', '/v1/personal_connectors_x')).toBeUndefined();
  });

  it('parses metadata[key] filters and refuses repeats', () => {
    expect(parseListQuery(new URLSearchParams('metadata[team]=core&metadata[env]=prod&limit=5'))).toEqual({ metadata: { team: 'core', env: 'prod' }, limit: 5 });
    expect(() => parseListQuery(new URLSearchParams('limit=1&limit=2'))).toThrow(/limit: given more than once/);
  });

  it('reads If-Match ETags', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"3"')).toBe(3);
    expect(parseIfMatch('*')).toBeUndefined();
    expect(() => parseIfMatch('"abc"')).toThrow(/If-Match/);
  });

  it('allows the bind host unless it is a wildcard', () => {
    expect(allowedHostnames('0.0.0.0', ['gw.example'])).toEqual(['localhost', '127.0.0.1', '[::1]', 'gw.example']);
    expect(allowedHostnames('::1', [])).toContain('[::1]');
    expect(allowedHostnames('10.0.0.5', [])).toContain('10.0.0.5');
  });
});
