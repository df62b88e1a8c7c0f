import type { IncomingMessage } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { MODERN_REVISION, type Era } from './era-translation.js';

/** The 2025-era revisions the SDK's session transport accepts in MCP-Protocol-Version. */
const LEGACY_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < MODERN_REVISION));

/**
 * The era a request may be served in by the lean path, or undefined to leave it to the SDK path.
 * The lean path takes only requests whose headers the SDK path would accept as they are — Accept
 * naming both JSON and SSE, a supported MCP-Protocol-Version, and in the 2026 era Mcp-Method and
 * Mcp-Name present and agreeing with the body — so every header error is the SDK's own answer,
 * identical whichever path a client's request would otherwise have taken.
 */
export function leanEra(req: IncomingMessage, session: string | undefined, body: { method: string; name?: string; claimed: unknown }): Era | undefined {
  const accept = headerValue(req, 'accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const version = headerValue(req, 'mcp-protocol-version');
  if (session !== undefined) return version === undefined || LEGACY_VERSIONS.has(version) ? 'legacy' : undefined;
  if (body.claimed !== MODERN_REVISION || version !== MODERN_REVISION) return undefined;
  if (headerValue(req, 'mcp-method') !== body.method) return undefined;
  if (body.name !== undefined && headerValue(req, 'mcp-name') !== body.name) return undefined;
  return 'modern';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
