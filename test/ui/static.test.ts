import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi } from '../../scripts/build-ui.mjs';
import { UI_CSP } from '../../src/ui/assets.js';
import { startPageServer, type PageServer } from './harness.js';

/** The page's files as the HTTP server serves them: strict CSP, nothing inline, nothing foreign. */
describe('management page files', () => {
  let s: PageServer;
  beforeAll(async () => {
    await buildUi();
    s = await startPageServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('/ui redirects to /ui/, which needs no sign-in and carries the CSP and framing headers', async () => {
    const redirect = await s.request('GET', '/ui');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const page = await s.request('GET', '/ui/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('the document has no inline script or style and loads only its own files', async () => {
    const html = (await s.request('GET', '/ui/')).text;
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(m[1]).toMatch(/src="app\.js"/);
      expect(m[2]!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(m[1]).toMatch(/^[a-z]+\.(js|css)$/);
    const js = await s.request('GET', '/ui/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Nothing in the bundle reaches another origin.
    expect(js.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
    const css = await s.request('GET', '/ui/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.text).not.toMatch(/@import|url\(/);
  });

  it('an unknown file under /ui/ is not served without credentials', async () => {
    const r = await s.request('GET', '/ui/../data.json');
    expect([401, 404]).toContain(r.status);
    expect((await s.request('GET', '/ui/secret.txt')).status).toBe(401);
  });
});
