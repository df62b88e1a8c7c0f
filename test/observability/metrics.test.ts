import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { parsePrometheusText, sampleValue } from './prom-text.js';

const call = (outcome: 'success' | 'tool_error' | 'upstream_error' | 'cancelled', durationMs = 120, connectorId = 'pc_github') => ({
  principal: 'usr_a',
  configurationId: 'pcc_1',
  connectorId,
  tool: 'list_issues',
  upstreamTool: 'list_issues',
  owner: { organization_id: 'org_a', user_id: 'usr_a' },
  durationMs,
  outcome,
});

async function scrape(metrics: ReturnType<typeof createMetrics>) {
  return parsePrometheusText(await metrics.render());
}

describe('createMetrics', () => {
  it('counts tool calls by connector and outcome and records their duration in seconds', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observer.toolCalled?.(call('success', 120));
    metrics.observer.toolCalled?.(call('success', 30));
    metrics.observer.toolCalled?.(call('tool_error', 10));
    metrics.observer.toolCalled?.(call('success', 5, 'pc_jira'));
    const f = await scrape(metrics);
    expect(sampleValue(f, 'connector_gateway_tool_calls_total', { connector: 'pc_github', outcome: 'success' })).toBe(2);
    expect(sampleValue(f, 'connector_gateway_tool_calls_total', { connector: 'pc_github', outcome: 'tool_error' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_tool_calls_total', { connector: 'pc_jira', outcome: 'success' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_tool_call_duration_seconds_count', { connector: 'pc_github' })).toBe(3);
    expect(sampleValue(f, 'connector_gateway_tool_call_duration_seconds_sum', { connector: 'pc_github' })).toBeCloseTo(0.16, 9);
    // 0.12 s falls in the 0.25 bucket, not in the 0.1 one.
    expect(sampleValue(f, 'connector_gateway_tool_call_duration_seconds_bucket', { connector: 'pc_github', le: '0.1' })).toBe(2);
    expect(sampleValue(f, 'connector_gateway_tool_call_duration_seconds_bucket', { connector: 'pc_github', le: '0.25' })).toBe(3);
    expect(sampleValue(f, 'connector_gateway_tool_call_duration_seconds_bucket', { connector: 'pc_github', le: '+Inf' })).toBe(3);
    expect(f.get('connector_gateway_tool_calls_total')?.type).toBe('counter');
    expect(f.get('connector_gateway_tool_call_duration_seconds')?.type).toBe('histogram');
  });

  it('counts an upstream failure of a call or of a discovery as an upstream error of that kind', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observer.toolCalled?.(call('upstream_error'));
    metrics.observer.toolCalled?.(call('cancelled'));
    metrics.observer.discovered?.({ configurationId: 'pcc_1', connectorId: 'pc_teams', durationMs: 2000, ok: false });
    metrics.observer.discovered?.({ configurationId: 'pcc_2', connectorId: 'pc_teams', durationMs: 40, ok: true });
    const f = await scrape(metrics);
    expect(sampleValue(f, 'connector_gateway_upstream_errors_total', { connector: 'pc_github', kind: 'call' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_upstream_errors_total', { connector: 'pc_teams', kind: 'discovery' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_tool_calls_total', { connector: 'pc_github', outcome: 'cancelled' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_discovery_duration_seconds_count', { connector: 'pc_teams', outcome: 'error' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_discovery_duration_seconds_sum', { connector: 'pc_teams', outcome: 'error' })).toBe(2);
    expect(sampleValue(f, 'connector_gateway_discovery_duration_seconds_count', { connector: 'pc_teams', outcome: 'ok' })).toBe(1);
  });

  it('records token refreshes and HTTP requests by route template and status', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.recordRefresh('pc_clickup', 'success');
    metrics.recordRefresh('pc_clickup', 'failure');
    metrics.recordHttp('/v1/personal_connectors/configurations/{id}', 404);
    metrics.recordHttp('/v1/personal_connectors/configurations/{id}', 404);
    metrics.recordHttp('/mcp', 200);
    metrics.recordUpstreamError('pc_jira', 'rate_limited');
    const f = await scrape(metrics);
    expect(sampleValue(f, 'connector_gateway_token_refreshes_total', { connector: 'pc_clickup', outcome: 'success' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_token_refreshes_total', { connector: 'pc_clickup', outcome: 'failure' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_upstream_errors_total', { connector: 'pc_clickup', kind: 'refresh' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_upstream_errors_total', { connector: 'pc_jira', kind: 'rate_limited' })).toBe(1);
    expect(sampleValue(f, 'connector_gateway_http_requests_total', { route: '/v1/personal_connectors/configurations/{id}', status: '404' })).toBe(2);
    expect(sampleValue(f, 'connector_gateway_http_requests_total', { route: '/mcp', status: '200' })).toBe(1);
  });

  it('refuses a status that is not an HTTP status code', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(() => metrics.recordHttp('/mcp', 42)).toThrow(ValidationError);
    expect(() => metrics.recordHttp('/mcp', 1000)).toThrow(ValidationError);
    expect(() => metrics.recordHttp('/mcp', 200.5)).toThrow(/status/);
  });

  it('reads the open session count from its owner at each scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(sampleValue(await scrape(metrics), 'connector_gateway_open_sessions', {})).toBe(0);
    let open = 3;
    metrics.setSessionGauge(() => open);
    expect(sampleValue(await scrape(metrics), 'connector_gateway_open_sessions', {})).toBe(3);
    open = 1;
    const f = await scrape(metrics);
    expect(sampleValue(f, 'connector_gateway_open_sessions', {})).toBe(1);
    expect(f.get('connector_gateway_open_sessions')?.type).toBe('gauge');
  });

  it('keeps instances apart: each has its own registry', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.recordHttp('/healthz', 200);
    expect(a.registry).not.toBe(b.registry);
    expect(sampleValue(await scrape(a), 'connector_gateway_http_requests_total', { route: '/healthz', status: '200' })).toBe(1);
    expect(sampleValue(await scrape(b), 'connector_gateway_http_requests_total', { route: '/healthz', status: '200' })).toBeUndefined();
  });

  it('renders valid exposition text with process metrics and every gateway series declared', async () => {
    const metrics = createMetrics();
    metrics.observer.toolCalled?.(call('success'));
    const text = await metrics.render();
    const f = parsePrometheusText(text);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(f.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(f.get('nodejs_heap_size_used_bytes')?.samples[0]?.value).toBeGreaterThan(0);
    for (const name of [
      'connector_gateway_tool_calls_total',
      'connector_gateway_tool_call_duration_seconds',
      'connector_gateway_upstream_errors_total',
      'connector_gateway_discovery_duration_seconds',
      'connector_gateway_open_sessions',
      'connector_gateway_token_refreshes_total',
      'connector_gateway_http_requests_total',
    ]) {
      expect(f.get(name)?.help, name).not.toBe('');
    }
    // A route with a quote or backslash must still come out as a parsable label value.
    metrics.recordHttp('/odd"path\\x', 400);
    expect(sampleValue(await scrape(metrics), 'connector_gateway_http_requests_total', { route: '/odd"path\\x', status: '400' })).toBe(1);
  });
});
