import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/gateway/circuit-breaker.js';

describe('circuit breaker', () => {
  const make = () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, maxCoolDownMs: 4000, now: () => t });
    return { b, advance: (ms: number) => (t += ms) };
  };

  it('opens after consecutive failures and refuses quickly while open', () => {
    const { b } = make();
    for (let i = 0; i < 3; i++) {
      expect(b.admit().allowed).toBe(true);
      b.failure('connection refused');
    }
    const d = b.admit();
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.failures).toBe(3);
      expect(d.lastFailure).toBe('connection refused');
      expect(d.retryInMs).toBe(1000);
    }
  });

  it('a success in between resets the count', () => {
    const { b } = make();
    b.failure('x');
    b.failure('x');
    b.success();
    b.failure('x');
    expect(b.state).toBe('closed');
  });

  it('lets one trial through after the cool-down; success closes, failure doubles the wait', () => {
    const { b, advance } = make();
    for (let i = 0; i < 3; i++) b.failure('down');
    advance(1000);
    expect(b.state).toBe('half-open');
    expect(b.admit().allowed).toBe(true);
    expect(b.admit().allowed).toBe(false); // only one trial at a time
    b.failure('still down');
    advance(1000);
    expect(b.admit().allowed).toBe(false); // cool-down is now 2000
    advance(1000);
    expect(b.admit().allowed).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.admit().allowed).toBe(true);
  });
});
