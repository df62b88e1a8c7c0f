import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceEverything } from '../fakes/conformance-everything.js';
import { startAuthProxy } from '../helpers/auth-proxy.js';
import { startEverything } from '../helpers/everything.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { EXCEPTIONS_DOC, readGatewayExceptions } from './exceptions.js';
import { failures, listServerScenarios, runSuite, successIds, type ScenarioRun } from './runner.js';

/**
 * Issue 14 §5: the conformance server suite against an upstream directly and through the built
 * gateway, in the same test, for the everything fixture and for `@modelcontextprotocol/server-everything`.
 * The gateway holds one prefix-less custom MCP configuration per upstream (one principal each, so
 * nothing else is listed beside it), reached through a loopback proxy that adds the API key (the
 * runner cannot send headers). The runner speaks the 2025 era only.
 *
 * Every scenario that passes directly must pass through the gateway, except those listed in the
 * README's exceptions table (read from there); a listed exception that passes fails the test, so
 * the list only shrinks.
 */
const SCENARIOS = listServerScenarios();
const UPSTREAMS = ['fixture', 'server-everything'] as const;
type Upstream = (typeof UPSTREAMS)[number];

const passed = (run: ScenarioRun | undefined): boolean => run !== undefined && failures(run).length === 0 && successIds(run).length > 0;

describe('conformance server scenarios, directly and through the gateway', () => {
  let data: PreparedData;
  let gateway: SpawnedServer;
  const closers: Array<() => Promise<void>> = [];
  const results = new Map<Upstream, { direct: Map<string, ScenarioRun>; through: Map<string, ScenarioRun> }>();

  beforeAll(async () => {
    const fixture = await startConformanceEverything();
    closers.push(() => fixture.close());
    const everything = await startEverything();
    closers.push(() => everything.close());
    data = await prepareData({ principals: 2, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' }, settings: { limits: { mcp_rate_limit_per_minute: 0 } } });
    gateway = await spawnServer(data);
    const urls: Record<Upstream, string> = { fixture: fixture.url, 'server-everything': everything.url };
    for (const [i, upstream] of UPSTREAMS.entries()) {
      const secret = data.principals[i]!.secret;
      const created = await api(gateway.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: upstream, configuration: { endpoint: urls[upstream] }, tool_prefix: '' });
      expect(created.status, created.text).toBe(201);
      const proxy = await startAuthProxy(gateway.url, secret);
      closers.push(() => proxy.close());
      // One after the other: four suites at once would only measure a loaded machine.
      const direct = await runSuite(urls[upstream]);
      const through = await runSuite(`${proxy.url}/mcp`);
      results.set(upstream, { direct, through });
    }
  });
  afterAll(async () => {
    await gateway?.stop();
    await data?.remove();
    for (const close of closers.reverse()) await close();
  });

  it('the exceptions table names scenarios the runner knows, once each', () => {
    const exceptions = readGatewayExceptions();
    for (const e of exceptions) expect(SCENARIOS, `${EXCEPTIONS_DOC}: ${e.scenario}`).toContain(e.scenario);
    const keys = exceptions.map((e) => `${e.upstream} ${e.scenario}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the fixture passes every scenario directly', () => {
    const direct = results.get('fixture')!.direct;
    expect(SCENARIOS.filter((s) => !passed(direct.get(s)))).toEqual([]);
  });

  it.each(UPSTREAMS)('%s: every scenario that passes directly passes through the gateway, but for the listed exceptions (which must still fail)', (upstream) => {
    const { direct, through } = results.get(upstream)!;
    const listed = new Map(readGatewayExceptions().filter((e) => e.upstream === upstream).map((e) => [e.scenario, e.reason]));
    const report = (s: string) => `${s} through the gateway: ${JSON.stringify(through.get(s)?.checks.filter((c) => c.status !== 'SUCCESS'), null, 1)}`;
    const unexpected: string[] = [];
    const fixed: string[] = [];
    for (const scenario of SCENARIOS) {
      const directly = passed(direct.get(scenario));
      if (listed.has(scenario) && !directly) unexpected.push(`${scenario} is listed as an exception but does not pass directly: remove it from ${EXCEPTIONS_DOC}`);
      if (!directly) continue;
      const via = passed(through.get(scenario));
      if (!via && !listed.has(scenario)) unexpected.push(report(scenario));
      if (via && listed.has(scenario)) fixed.push(scenario);
    }
    expect(unexpected, unexpected.join('\n')).toEqual([]);
    expect(fixed, `these pass through the gateway now: remove them from the exceptions in ${EXCEPTIONS_DOC}`).toEqual([]);
  });
});
