import type { IncomingMessage } from 'node:http';
import { ForbiddenError } from '../domain/errors.js';

/**
 * DNS-rebinding protection with the same rules as @modelcontextprotocol/node's hostHeaderValidation
 * and originValidation (hostname only, port-agnostic; no Origin passes), written here so refusals
 * carry this API's `{"error": …}` shape instead of a JSON-RPC body.
 */
export function hostGuard(allowedHostnames: readonly string[]): (req: IncomingMessage) => void {
  const allowed = new Set(allowedHostnames.map((h) => h.toLowerCase()));
  return (req) => {
    const host = req.headers.host;
    const hostname = host ? plainHostname(host) ?? hostnameOf(`http://${host}`) : undefined;
    if (!hostname || !allowed.has(hostname)) {
      throw new ForbiddenError(`Host header ${JSON.stringify(host ?? '')} is not allowed; add it to allowed_hosts in the settings file if this server is behind a proxy`, 'invalid_host');
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const originHost = hostnameOf(origin);
      if (!originHost || !allowed.has(originHost)) {
        throw new ForbiddenError(`Origin ${JSON.stringify(origin)} is not allowed`, 'invalid_origin');
      }
    }
  };
}

/**
 * `name[:port]` or `[v6][:port]` with nothing unusual in it, lowercased, without parsing a URL
 * (this runs on every request). Anything else goes through the URL parser.
 */
function plainHostname(host: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(host);
  return m ? m[1]!.toLowerCase() : undefined;
}

function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** localhost names, the bind host (unless it is a wildcard) and the configured extra names. */
export function allowedHostnames(bindHost: string, extra: readonly string[]): string[] {
  const names = ['localhost', '127.0.0.1', '[::1]', ...extra];
  if (!WILDCARD_BINDS.has(bindHost)) names.push(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
  return names;
}
