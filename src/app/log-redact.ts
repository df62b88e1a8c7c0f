/**
 * Keys whose values never reach a log line, at any depth. The code already avoids logging them;
 * this is the backstop that holds when someone logs a whole object by mistake.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'credentials',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'password',
  'key',
  'private_key',
]);

export const REDACTED = '[redacted]';
const MAX_DEPTH = 6;
/** A bearer or basic credential quoted inside a string (an error message that echoes a header). */
const INLINE_CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/**
 * Hand-written rather than pino's `redact`: pino compiles one accessor per path and wildcard, which
 * cost 30-70 µs per line here with the keys above at two depths, on the tool-call path; this walk is
 * a Set lookup per key and copies nothing unless it finds something to hide.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return (INLINE_CREDENTIAL.test(value) ? value.replace(INLINE_CREDENTIAL, `$1 ${REDACTED}`) : value) as T;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const r = redactSecrets(v, depth + 1);
      if (r !== v) (out ??= [...value])[i] = r;
    });
    return (out ?? value) as T;
  }
  // Errors and other class instances keep their type: their serializer decides what to show.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = SECRET_KEYS.has(k.toLowerCase()) ? REDACTED : redactSecrets(v, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return (out ?? value) as T;
}
