import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds. Tool calls go to remote APIs: a few ms (cache, loopback) up to the one-minute call deadline. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Discovery opens a connector and lists its tools, bounded by the discovery timeout. */
const DISCOVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type SessionCounter = () => number;

/** Every series the gateway exports, registered on one (non-global) registry. */
export interface Instruments {
  toolCalls: Counter<'connector' | 'outcome'>;
  toolCallDuration: Histogram<'connector'>;
  upstreamErrors: Counter<'connector' | 'kind'>;
  discoveryDuration: Histogram<'connector' | 'outcome'>;
  openSessions: Gauge;
  tokenRefreshes: Counter<'connector' | 'outcome'>;
  httpRequests: Counter<'route' | 'status'>;
}

/**
 * `sessions` is read at scrape time: the gauge asks whoever owns the sessions instead of being
 * incremented and decremented, so it cannot drift when a session ends by an unexpected path.
 */
export function createInstruments(registry: Registry, sessions: () => SessionCounter | undefined): Instruments {
  const registers = [registry];
  return {
    toolCalls: new Counter({
      name: 'connector_gateway_tool_calls_total',
      help: 'MCP tool calls routed to a connector, by outcome (success, tool_error, rejected, upstream_error, cancelled).',
      labelNames: ['connector', 'outcome'],
      registers,
    }),
    toolCallDuration: new Histogram({
      name: 'connector_gateway_tool_call_duration_seconds',
      help: 'Duration of MCP tool calls, from routing to result, in seconds.',
      labelNames: ['connector'],
      buckets: CALL_BUCKETS,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'connector_gateway_upstream_errors_total',
      help: 'Failures talking to an upstream API or MCP server, by kind (call, discovery, refresh...).',
      labelNames: ['connector', 'kind'],
      registers,
    }),
    discoveryDuration: new Histogram({
      name: 'connector_gateway_discovery_duration_seconds',
      help: 'Duration of opening a configuration and listing its tools, in seconds, by outcome (ok, error).',
      labelNames: ['connector', 'outcome'],
      buckets: DISCOVERY_BUCKETS,
      registers,
    }),
    openSessions: new Gauge({
      name: 'connector_gateway_open_sessions',
      help: 'MCP sessions currently open.',
      registers,
      collect() {
        const count = sessions();
        if (count) this.set(count());
      },
    }),
    tokenRefreshes: new Counter({
      name: 'connector_gateway_token_refreshes_total',
      help: 'OAuth2 token refreshes, by outcome.',
      labelNames: ['connector', 'outcome'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'connector_gateway_http_requests_total',
      help: 'HTTP requests served, by route template and status code.',
      labelNames: ['route', 'status'],
      registers,
    }),
  };
}
