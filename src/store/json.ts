/** Plain-JSON helpers for records the store owns: canonical copies, equality and freezing. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A private, JSON-normalised copy: drops `undefined` members, so that `{a: undefined}` and `{}`
 * compare equal and serialise the same way, and no caller keeps a reference into the store.
 */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export { jsonEqual } from '../domain/json.js';

/**
 * Records handed out are shared with every reader (reads are Map lookups, not copies), so they are
 * frozen: a caller that tries to edit one in place fails loudly instead of corrupting the store.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
