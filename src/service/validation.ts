import type { z } from 'zod';
import { ValidationError } from '../domain/errors.js';

/** A zod path as the dotted field name clients see (`configuration.repository`, `metadata.team`). */
export function dottedPath(prefix: string, path: readonly PropertyKey[]): string {
  // An empty key is still a field (`{"": 1}`): shown quoted so the param never comes out empty.
  const parts = [prefix, ...path.map((p) => (String(p) === '' ? '""' : String(p)))].filter((p) => p !== '');
  return parts.join('.');
}

/**
 * The first zod issue as a ValidationError whose message starts with the field and states the rule
 * (`configuration.repository: must be owner/repo`) and whose param is the dotted path.
 */
export function zodToValidationError(error: z.ZodError, prefix = ''): ValidationError {
  const issue = error.issues[0];
  if (!issue) return new ValidationError(`${prefix || 'request'}: invalid`, prefix || undefined);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = dottedPath(prefix, [...issue.path, key]);
    const extra = issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : '';
    return new ValidationError(`${param}: unknown field${extra}`, param);
  }
  const param = dottedPath(prefix, issue.path);
  let rule = issue.message;
  // zod's generic text for a missing field ("expected string, received undefined") says less than this.
  if (issue.code === 'invalid_type' && /received undefined$/.test(rule)) rule = 'is required';
  if (!param) return new ValidationError(rule);
  // Some schema messages already name the field ("credentials.type must be …", "api_key must be …").
  const last = String(issue.path[issue.path.length - 1] ?? '');
  if (rule.startsWith(param + ' ')) return new ValidationError(rule, param);
  if (last && rule.startsWith(last + ' ')) {
    const parent = param.slice(0, param.length - last.length);
    return new ValidationError(`${parent}${rule}`, param);
  }
  return new ValidationError(`${param}: ${rule}`, param);
}

/** Parses or throws the mapped ValidationError. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodToValidationError(r.error, prefix);
  return r.data;
}
