import type { ServerResponse } from 'node:http';

/**
 * A small server-rendered page for the browser steps of a flow (an OAuth confirmation, a callback's
 * outcome): no script, no style, nothing loaded; a form may post only back here and to `formTargets`.
 */
export function htmlPage(res: ServerResponse, status: number, title: string, text: string | string[], formHtml = '', formTargets: string[] = []): void {
  const paragraphs = (Array.isArray(text) ? text : [text]).map((t) => `<p>${escapeHtml(t)}</p>`).join('');
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${paragraphs}${formHtml}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    // The form may post only back here; nothing else loads.
    'Content-Security-Policy': `default-src 'none'; form-action 'self'${formTargets.map((o) => ' ' + o).join('')}; frame-ancestors 'none'`,
    // The callback URL holds the authorization code: keep it out of any Referer. The confirmation
    // page posts its form back to this origin, and with no-referrer browsers send `Origin: null`,
    // which the Host/Origin check refuses: same-origin keeps the Origin and tells no other site.
    'Referrer-Policy': formTargets.length > 0 ? 'same-origin' : 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
  res.end(body);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
