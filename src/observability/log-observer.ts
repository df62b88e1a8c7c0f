import type { Logger } from '../domain/logger.js';
import type { GatewayObserver } from '../gateway/types.js';

/** One log line per tool call: who, which configuration and tool, how long, how it ended. Never arguments. */
export function logObserver(log: Logger): GatewayObserver {
  return {
    toolCalled(e) {
      const line = {
        principal: e.principal,
        configuration_id: e.configurationId,
        connector: e.connectorId,
        tool: e.tool,
        upstream_tool: e.upstreamTool,
        duration_ms: Math.round(e.durationMs * 100) / 100,
        outcome: e.outcome,
        ...(e.errorKind !== undefined ? { error_kind: e.errorKind } : {}),
      };
      if (e.outcome === 'upstream_error') log.warn(line, 'tool call');
      else log.info(line, 'tool call');
    },
    discovered(e) {
      log.debug({ configuration_id: e.configurationId, connector: e.connectorId, duration_ms: Math.round(e.durationMs), ok: e.ok }, 'tool discovery');
    },
  };
}
