import { collectDefaultMetrics, Registry } from 'prom-client';
import { ValidationError } from '../domain/errors.js';
import type { GatewayObserver } from '../gateway/types.js';
import { createInstruments, type SessionCounter } from './instruments.js';
import { metricsObserver } from './observer.js';

export type RefreshOutcome = 'success' | 'failure';

export interface Metrics {
  /** This instance's own registry: never prom-client's global one, so instances do not collide. */
  registry: Registry;
  observer: GatewayObserver;
  /** `route` is the route template (`/v1/personal_connectors/configurations/{id}`), never the raw path. */
  recordHttp(route: string, status: number): void;
  /** A failure also counts as upstream error kind "refresh": do not record it a second time. */
  recordRefresh(connector: string, outcome: RefreshOutcome): void;
  recordUpstreamError(connector: string, kind: string): void;
  /** Who counts the open sessions; read at each scrape. */
  setSessionGauge(count: SessionCounter): void;
  render(): Promise<string>;
  contentType: string;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC...); on by default. */
  defaultMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  let sessions: SessionCounter | undefined;
  const m = createInstruments(registry, () => sessions);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    observer: metricsObserver(m),
    recordHttp(route, status) {
      // Node's own range for res.statusCode, so a status Node accepted is never refused here.
      if (!Number.isInteger(status) || status < 100 || status > 999) {
        throw new ValidationError('status must be an HTTP status code (an integer from 100 to 999)', 'status');
      }
      m.httpRequests.inc({ route, status: String(status) });
    },
    recordRefresh(connector, outcome) {
      m.tokenRefreshes.inc({ connector, outcome });
      if (outcome === 'failure') m.upstreamErrors.inc({ connector, kind: 'refresh' });
    },
    recordUpstreamError(connector, kind) {
      m.upstreamErrors.inc({ connector, kind });
    },
    setSessionGauge(count) {
      sessions = count;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
