import { GatewayError } from '../domain/errors.js';

/** The REST routes and their methods; path matching only, no behaviour. */
export type RouteMatch =
  | { name: 'connectors.list' }
  | { name: 'connectors.get'; id: string }
  | { name: 'configurations.list' }
  | { name: 'configurations.create' }
  | { name: 'configurations.get'; id: string }
  | { name: 'configurations.update'; id: string }
  | { name: 'configurations.delete'; id: string }
  | { name: 'configurations.test'; id: string };

/** The path is a route, the method is not one of its methods. */
export class MethodNotAllowedError extends GatewayError {
  constructor(
    method: string,
    readonly allow: string[],
  ) {
    super({ type: 'invalid_request_error', code: 'method_not_allowed', status: 405, message: `${method} is not allowed here; use ${allow.join(', ')}` });
  }
}

const BASE = '/v1/personal_connectors';
const SEGMENT = /^[A-Za-z0-9_.~-]{1,200}$/;

/** The route for a method and path; undefined when the path is not ours; throws on a wrong method. */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  if (path !== BASE && !path.startsWith(BASE + '/')) return undefined;
  const parts = path.slice(BASE.length).split('/').filter((p) => p !== '');
  const pick = <T extends RouteMatch>(table: Record<string, T>): T => {
    const hit = table[method];
    if (!hit) throw new MethodNotAllowedError(method, Object.keys(table));
    return hit;
  };
  if (parts.some((p) => !SEGMENT.test(decodeSafe(p)))) return undefined;
  const [a, b, c] = parts.map(decodeSafe);
  if (parts.length === 0) return pick({ GET: { name: 'connectors.list' } });
  if (parts.length === 1 && a === 'configurations') {
    return pick({ GET: { name: 'configurations.list' }, POST: { name: 'configurations.create' } });
  }
  if (parts.length === 1 && a !== undefined) return pick({ GET: { name: 'connectors.get', id: a } });
  if (parts.length === 2 && a === 'configurations' && b !== undefined) {
    return pick({
      GET: { name: 'configurations.get', id: b },
      PATCH: { name: 'configurations.update', id: b },
      DELETE: { name: 'configurations.delete', id: b },
    });
  }
  if (parts.length === 3 && a === 'configurations' && b !== undefined && c === 'test') {
    return pick({ POST: { name: 'configurations.test', id: b } });
  }
  return undefined;
}

function decodeSafe(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return '';
  }
}
