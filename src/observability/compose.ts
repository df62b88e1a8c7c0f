import type { GatewayObserver } from '../gateway/types.js';

/** One observer that forwards to several; a throwing observer never breaks a call or the others. */
export function composeObservers(...observers: (GatewayObserver | undefined)[]): GatewayObserver {
  const list = observers.filter((o): o is GatewayObserver => o !== undefined);
  return {
    toolCalled(e) {
      for (const o of list) {
        try {
          o.toolCalled?.(e);
        } catch {
          // observers are best effort by contract
        }
      }
    },
    discovered(e) {
      for (const o of list) {
        try {
          o.discovered?.(e);
        } catch {
          // observers are best effort by contract
        }
      }
    },
  };
}
