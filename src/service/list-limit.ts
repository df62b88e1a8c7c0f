import { ValidationError } from '../domain/errors.js';
import { LIST_LIMIT } from './configurations.js';

/** A page size as written in a REST query or on the command line. */
export function parseLimit(value: string): number {
  const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < LIST_LIMIT.min || n > LIST_LIMIT.max) {
    throw new ValidationError(`limit: must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`, 'limit');
  }
  return n;
}
