import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './prom-text.js';

// The metrics tests lean on this reader; these cases show it rejects what a scraper would reject.
describe('parsePrometheusText', () => {
  it('reads families, labels with escapes and special values', () => {
    const f = parsePrometheusText(
      ['# HELP a_total A.', '# TYPE a_total counter', 'a_total{route="/x\\"y",status="200"} 3', '# TYPE h histogram', 'h_bucket{le="+Inf"} 2', 'h_sum Nan', 'h_count 2', ''].join('\n'),
    );
    expect(sampleValue(f, 'a_total', { route: '/x"y', status: '200' })).toBe(3);
    expect(sampleValue(f, 'h_bucket', { le: '+Inf' })).toBe(2);
    expect(sampleValue(f, 'h_sum', {})).toBeNaN();
  });

  it.each([
    ['a sample without # TYPE', 'x 1\n'],
    ['an unquoted label value', '# TYPE x gauge\nx{a=b} 1\n'],
    ['a value that is not a number', '# TYPE x gauge\nx one\n'],
    ['an unknown type', '# TYPE x thing\n'],
    ['no final newline', '# TYPE x gauge\nx 1'],
  ])('rejects %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
