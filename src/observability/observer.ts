import type { GatewayObserver } from '../gateway/types.js';
import type { Instruments } from './instruments.js';

/** Turns the gateway's hooks into samples. Kept free of I/O: it runs on the tool-call path. */
export function metricsObserver(m: Instruments): GatewayObserver {
  return {
    toolCalled(e) {
      m.toolCalls.inc({ connector: e.connectorId, outcome: e.outcome });
      m.toolCallDuration.observe({ connector: e.connectorId }, e.durationMs / 1000);
      if (e.outcome === 'upstream_error') m.upstreamErrors.inc({ connector: e.connectorId, kind: 'call' });
    },
    discovered(e) {
      const outcome = e.ok ? 'ok' : 'error';
      m.discoveryDuration.observe({ connector: e.connectorId, outcome }, e.durationMs / 1000);
      if (!e.ok) m.upstreamErrors.inc({ connector: e.connectorId, kind: 'discovery' });
    },
  };
}
