import { Agent, type Dispatcher } from 'undici';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { NetworkPolicy } from '../domain/network.js';
import { UndiciHttpClient } from './client.js';
import { createGuardedLookup, type Resolver } from './network-guard.js';
import { DEFAULT_RETRY, type RetrySettings } from './retry-policy.js';
import type { HttpClient, HttpClientFactory, HttpClientOptions } from './types.js';

export interface HttpClientFactoryOptions {
  userAgent?: string;
  /** Whole-request deadline when neither the client nor the request sets one (default 30 s). */
  defaultTimeoutMs?: number;
  /** Largest response body accepted by default (default 10 MB). */
  defaultMaxBytes?: number;
  log?: Logger;
  /** Backoff and caps; tests shorten the delays. */
  retry?: Partial<RetrySettings>;
  /** Socket-level limits of the shared pools (defaults: connect 10 s, headers and body 60 s, idle 10 s). */
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Host name resolution (default: the system resolver); tests pass a fake one to avoid real DNS. */
  resolver?: Resolver;
}

export interface ClosableHttpClientFactory extends HttpClientFactory {
  /** Closes every pooled connection; clients created earlier fail afterwards. */
  close(): Promise<void>;
}

function policyKey(p: NetworkPolicy): string {
  return `${p.allowLoopback ? 'L' : '-'}${p.allowPrivate ? 'P' : '-'}`;
}

/**
 * One set of keep-alive pools shared by every client. The address check lives in the Agent's
 * `connect.lookup`, so it sees the address actually dialled; since that check depends on the
 * policy, there is one Agent per distinct policy (at most four), each pooling per origin, plus
 * one per policy for MCP connections, whose event streams must not hit a body timeout.
 */
export function createHttpClientFactory(opts: HttpClientFactoryOptions = {}): ClosableHttpClientFactory {
  const agents = new Map<string, Agent>();
  let closed = false;
  const defaults = {
    userAgent: opts.userAgent ?? 'mcp-connector-gateway/0.1',
    timeoutMs: opts.defaultTimeoutMs ?? 30_000,
    maxBytes: opts.defaultMaxBytes ?? 10 * 1024 * 1024,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    log: opts.log ?? silentLogger,
  };

  function agentFor(policy: NetworkPolicy, kind: 'api' | 'stream' = 'api'): Agent {
    const key = `${policyKey(policy)}/${kind}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: { lookup: createGuardedLookup({ ...policy }, opts.resolver), timeout: opts.connectTimeoutMs ?? 10_000 },
        headersTimeout: opts.headersTimeoutMs ?? 60_000,
        // Long-lived MCP event streams may stay silent for minutes; their callers bound them by signal.
        bodyTimeout: kind === 'stream' ? 0 : (opts.bodyTimeoutMs ?? 60_000),
        keepAliveTimeout: opts.keepAliveTimeoutMs ?? 10_000,
      });
      agents.set(key, agent);
    }
    return agent;
  }

  return {
    create(clientOpts: HttpClientOptions): HttpClient {
      if (closed) throw new Error('the HTTP client factory is closed');
      return new UndiciHttpClient(agentFor(clientOpts.network), clientOpts, defaults);
    },
    streamDispatcher(network: NetworkPolicy): Dispatcher {
      if (closed) throw new Error('the HTTP client factory is closed');
      return agentFor(network, 'stream');
    },
    async close() {
      closed = true;
      const all = [...agents.values()];
      agents.clear();
      await Promise.all(all.map((a) => a.close()));
    },
  };
}
