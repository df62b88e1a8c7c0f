import type { Server } from 'node:http';
import type { Metrics } from './metrics.js';

/** The route template of a path: ids become {id} so label cardinality stays bounded. */
export function routeTemplate(path: string): string {
  if (path === '/mcp' || path === '/healthz' || path === '/metrics') return path;
  if (path.startsWith('/.well-known/')) return '/.well-known/*';
  if (!path.startsWith('/v1/')) return 'other';
  return path
    .split('/')
    .map((seg) => (/^(pconf|pc|key|evt)_[A-Za-z0-9_]+$/.test(seg) ? '{id}' : seg))
    .join('/');
}

/** Counts every answered request by route template and status. */
export function recordHttpRequests(server: Server, metrics: Metrics): void {
  server.on('request', (req, res) => {
    res.once('finish', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      metrics.recordHttp(routeTemplate(path), res.statusCode);
    });
  });
}
