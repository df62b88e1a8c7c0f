import type { z } from 'zod';
import { UpstreamError } from '../../src/domain/errors.js';
import { describeZodError } from '../kit/tool.js';

/**
 * GitHub's answers are checked like any other input: a body that does not have the documented
 * shape is a protocol error, reported as such, rather than `undefined` leaking into results.
 */
export function parseUpstream<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new UpstreamError('protocol', `GitHub returned an unexpected ${what}: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}
