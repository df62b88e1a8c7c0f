import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigurationObject } from '../domain/configuration.js';
import { AuthError, isGatewayError } from '../domain/errors.js';
import type { ConnectFlow } from './connect.js';

export interface LoopbackCallbackOptions {
  flow: ConnectFlow;
  /**
   * The binding `flow.start` returned, once it has: the listener presents it for the browser, which
   * is the user's own and talks to a listener only this machine can reach. Without it a callback is
   * refused like one from another browser.
   */
  binding: () => string | undefined;
  /** 0 (default) picks a free port; the redirect URI registered with the provider must allow it. */
  port?: number;
  path?: string;
  /** Give up waiting after this long (default 10 minutes, the lifetime of a pending state). */
  timeoutMs?: number;
}

export interface LoopbackCallback {
  /** http://127.0.0.1:PORT/PATH: pass it as `redirectUri` to `flow.start`. */
  redirectUri: string;
  /** The created configuration, once the browser came back and the code was exchanged. */
  result: Promise<ConfigurationObject>;
  close(): Promise<void>;
}

/**
 * The browser half of `configs connect` on a workstation: a listener on 127.0.0.1 that serves one
 * callback path, completes the flow and closes. A callback with an unknown state (a stray or forged
 * request) is answered with an error page and does not end the wait.
 */
export async function startLoopbackCallback(opts: LoopbackCallbackOptions): Promise<LoopbackCallback> {
  const path = opts.path ?? '/oauth/callback';
  let settle!: { resolve: (c: ConfigurationObject) => void; reject: (e: unknown) => void };
  const result = new Promise<ConfigurationObject>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {}); // the caller may never look; unhandled rejections would crash the CLI
  let done = false;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== path || done) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    opts.flow.complete(new URL(req.url ?? '/', redirectUri), opts.binding()).then(
      (configuration) => {
        done = true;
        page(res, 200, 'Connected', `“${configuration.name}” is connected. You can close this tab.`);
        settle.resolve(configuration);
        void close();
      },
      (e: unknown) => {
        const unknownState = e instanceof AuthError && e.code === 'invalid_oauth_state';
        page(res, 400, 'Connection failed', isGatewayError(e) ? e.message : 'the connection could not be completed');
        if (unknownState) return;
        done = true;
        settle.reject(e);
        void close();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    settle.reject(new AuthError('timed out waiting for the browser to come back from the provider: start the connection again', 'oauth_timeout'));
    void close();
  }, opts.timeoutMs ?? 10 * 60_000);
  timer.unref();

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    clearTimeout(timer);
    if (!done) {
      done = true;
      settle.reject(new AuthError('the OAuth callback listener was closed before the connection completed', 'oauth_cancelled'));
    }
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    return closing;
  }

  return { redirectUri, result, close };
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" });
  res.end(body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
