import { type Server } from 'node:http';
import { createServer } from './test-server.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../../src/store/memory.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { McpHttpEndpoint, type McpHttpEndpointOptions } from '../../src/mcp/http-endpoint.js';
import { createHttpClientFactory, type HttpClientFactoryOptions } from '../../src/http/factory.js';
import { builtinRegistry } from '../../connectors/index.js';
import { silentLogger } from '../../src/domain/logger.js';
import type { Principal } from '../../src/domain/principal.js';
import { TestCredentials } from './records.js';
import { PATIENCE_MS } from './timing.js';
import type { CircuitBreakerOptions } from '../../src/gateway/circuit-breaker.js';
import type { DeadlineTimer, GatewayLimits } from '../../src/gateway/types.js';

/**
 * The MCP endpoint on a loopback server, with a test-only authenticator: the bearer token is the
 * user id (the real server authenticates API keys and OIDC tokens; those have their own tests).
 */
export async function startMcpHarness(
  opts: {
    breaker?: CircuitBreakerOptions;
    /** Deadlines under test (defaults: PATIENCE_MS for both, out of a loaded machine's reach). */
    limits?: Partial<GatewayLimits>;
    /** Options of the shared HTTP client factory (shorter retry delays, a resolver that keeps DNS local). */
    http?: HttpClientFactoryOptions;
    /** Times call deadlines (heldDeadlines() in test/helpers/timing.ts); a real timer by default. */
    deadlineTimer?: DeadlineTimer;
    /** The lean forwarding path for tools/call (default on, as in the server). */
    leanCalls?: boolean;
    /** More endpoint options (sealed session ids, ended sessions, a clock), given the harness's store. */
    endpoint?: (store: MemoryStore) => Partial<McpHttpEndpointOptions>;
    /** A store to share with another harness (another replica on the same data). */
    store?: MemoryStore;
  } = {},
) {
  const store = opts.store ?? new MemoryStore();
  // The HTTP client's own deadlines (whole request 30 s, connect 10 s by default) are real timers
  // too: on a loaded machine a 10 MB refusal or a held call could reach them and end the call
  // with a timeout instead of the failure under test. Out of reach unless a test sets them.
  const http = createHttpClientFactory({ defaultTimeoutMs: PATIENCE_MS, connectTimeoutMs: PATIENCE_MS, headersTimeoutMs: PATIENCE_MS, bodyTimeoutMs: PATIENCE_MS, ...opts.http });
  const credentials = new TestCredentials();
  const gateway = new Gateway({
    store,
    registry: builtinRegistry(),
    credentials,
    http,
    network: { allowLoopback: true, allowPrivate: false },
    // No deadline a slow machine could reach unless a test sets one (the deadline tests do).
    limits: { discoveryTimeoutMs: PATIENCE_MS, callTimeoutMs: PATIENCE_MS, ...opts.limits },
    log: silentLogger,
    ...(opts.breaker ? { breaker: opts.breaker } : {}),
    ...(opts.deadlineTimer ? { deadlineTimer: opts.deadlineTimer } : {}),
  });
  const endpoint = new McpHttpEndpoint(gateway, silentLogger, { maxBodyBytes: 1024 * 1024, leanCalls: opts.leanCalls ?? true, ...opts.endpoint?.(store) });
  const server: Server = createServer((req, res) => {
    const token = /^Bearer (usr_[a-z0-9]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      res.writeHead(401).end();
      return;
    }
    const principal: Principal = { organization_id: 'org_test', user_id: token, via: 'api_key' };
    endpoint.handle(req, res, principal).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    store,
    gateway,
    endpoint,
    credentials,
    async close() {
      await endpoint.close();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await http.close();
      if (!opts.store) await store.close();
    },
  };
}
