import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page's policy: its own script and stylesheet and calls to its own origin, nothing inline,
 * nothing from anywhere else, never framed. The OAuth connect step is a top-level navigation, which
 * CSP does not restrict.
 */
export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const UI_PATH = '/ui';

/** The built files (scripts/build-ui.mjs writes them into dist/ui) and what they are served as. */
const FILES: Record<string, { file: string; type: string }> = {
  '/ui/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** A route as the HTTP server mounts it (structurally its ExtraRoute: faces do not import each other). */
export interface UiRoute {
  path: string;
  methods: string[];
  public: true;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** `<package root>/dist/ui`, found from this module whether it runs from src (tsx) or dist. */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'ui');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'dist', 'ui');
}

/** Serves the management page's static files; the page itself talks only to the REST API. */
export function uiRoutes(opts: { dir?: string } = {}): UiRoute[] {
  const dir = opts.dir ?? defaultUiDir();
  const cache = new Map<string, Buffer>();
  const read = (file: string): Buffer | undefined => {
    let b = cache.get(file);
    if (!b) {
      try {
        b = readFileSync(join(dir, file));
      } catch {
        return undefined;
      }
      cache.set(file, b);
    }
    return b;
  };
  const headers = (type: string, length: number): Record<string, string> => ({
    'Content-Type': type,
    'Content-Length': String(length),
    'Content-Security-Policy': UI_CSP,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  const routes: UiRoute[] = Object.entries(FILES).map(([path, f]) => ({
    path,
    methods: ['GET', 'HEAD'],
    public: true,
    async handle(req, res) {
      const body = read(f.file);
      if (!body) {
        const text = 'The management page is not built: run `npm run build`.';
        res.writeHead(503, headers('text/plain; charset=utf-8', Buffer.byteLength(text)));
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      res.writeHead(200, headers(f.type, body.length));
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  }));
  routes.push({
    path: UI_PATH,
    methods: ['GET', 'HEAD'],
    public: true,
    async handle(_req, res) {
      res.writeHead(308, { Location: '/ui/', 'Content-Length': '0', 'Cache-Control': 'no-cache' });
      res.end();
    },
  });
  return routes;
}
