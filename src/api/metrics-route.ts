import type { Metrics } from '../observability/metrics.js';
import type { ExtraRoute } from './server.js';

/** `GET /metrics` in Prometheus text format; authenticated like every route but /healthz. */
export function metricsRoute(metrics: Metrics): ExtraRoute {
  return {
    path: '/metrics',
    async handle(_req, res) {
      const body = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(body);
    },
  };
}
