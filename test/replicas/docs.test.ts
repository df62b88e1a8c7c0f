import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatewayHttpBlock } from './nginx.js';

describe('docs/deployment.md', () => {
  it('shows exactly the nginx configuration the multi-replica tests run', () => {
    const doc = readFileSync(new URL('../../docs/deployment.md', import.meta.url), 'utf8');
    const block = /```nginx\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block).toBe(gatewayHttpBlock(['gw1.internal:3333', 'gw2.internal:3333', 'gw3.internal:3333'], '8080'));
  });
});
