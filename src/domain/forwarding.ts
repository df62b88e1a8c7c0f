import type { Dispatcher } from 'undici';
import type { Credentials } from './credentials.js';

/**
 * What the lean call path needs to send a JSON-RPC message straight to an upstream MCP server over
 * the connection pool the connector already holds, without a second SDK round of parsing and
 * validation. Offered only by connectors that speak MCP upstream (custom MCP) once connected.
 */
export interface RawForwarder {
  /** The upstream's protocol era: messages are forwarded only between peers of the same era. */
  era: 'modern' | 'legacy';
  /** The negotiated revision (sent as MCP-Protocol-Version). */
  protocolVersion: string;
  url: URL;
  dispatcher: Dispatcher;
  /** Request headers for one message: configuration headers, fresh credentials, session headers. */
  headers(signal: AbortSignal): Promise<{ headers: Record<string, string>; credentials: Credentials | undefined }>;
  /** After a 401 to `used`: true when new credentials are available for one retry. */
  refresh(used: Credentials, signal: AbortSignal): Promise<boolean>;
  /** The connection or session looks dead: reconnect before the next call. */
  reset(): void;
}
