import { z } from 'zod';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers the gateway owns: a configuration may not set them. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'connection', 'transfer-encoding']);

export const CustomMcpConfigSchema = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of a remote MCP server' }),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, { error: 'header names must be HTTP tokens' }).refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), { error: 'this header is set by the gateway' }),
      z.string().max(8192).regex(/^[^\r\n]*$/, { error: 'header values must not contain line breaks' }),
    )
    .optional(),
  /** Header that carries an api_key credential (default Authorization, sent as `Bearer <key>`). */
  api_key_header: z
    .string()
    .regex(HEADER_NAME, { error: 'must be an HTTP header name' })
    .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), { error: 'this header is set by the gateway' })
    .optional(),
  timeout_ms: z.number().int().min(100, { error: 'must be at least 100' }).max(600_000, { error: 'must be at most 600000' }).optional(),
  /** Passed through untouched for the remote server's own use; the gateway does not read it. */
  custom_settings: z.record(z.string(), z.unknown()).optional(),
});
export type CustomMcpConfig = z.infer<typeof CustomMcpConfigSchema>;
