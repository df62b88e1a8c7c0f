import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ConnectorDefinition, ConnectorSession } from '../../src/domain/connector.js';
import type { Credentials, CredentialType } from '../../src/domain/credentials.js';
import type { HttpClient } from '../../src/http/types.js';
import { errorResult, type BuiltinTool } from './tool.js';

/** Fields every built-in connector accepts besides its own. */
export const commonConfigFields = {
  api_base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  read_only: z.boolean({ error: 'must be true or false' }).optional(),
};

export interface BuiltinSpec<Config extends { api_base_url?: string | undefined; read_only?: boolean | undefined }> {
  id: string;
  name: string;
  description: string;
  authMethods: readonly CredentialType[];
  configSchema: z.ZodType<Config>;
  /** Fields besides `api_base_url` that move where the credentials go (Jira: site_url, cloud_id). */
  destinationFields?: readonly string[];
  /** Where requests go when `api_base_url` is not set. */
  defaultBaseUrl(config: Config): string;
  headers?: Record<string, string>;
  /** Credentials → request headers. The only code of a connector that sees a secret. */
  authorize(credentials: Credentials, config: Config): Record<string, string>;
  tools: readonly BuiltinTool<Config>[];
  healthCheck(http: HttpClient, config: Config, signal: AbortSignal): Promise<void>;
}

/** A connector that is a fixed set of tools over one authenticated HTTP client. */
export function defineBuiltinConnector<Config extends { api_base_url?: string | undefined; read_only?: boolean | undefined }>(
  spec: BuiltinSpec<Config>,
): ConnectorDefinition<Config> {
  const byName = new Map(spec.tools.map((t) => [t.name, t]));
  return {
    id: spec.id,
    name: spec.name,
    description: spec.description,
    authMethods: spec.authMethods,
    credentialsRequired: true,
    configSchema: spec.configSchema,
    credentialDestination: ['api_base_url', ...(spec.destinationFields ?? [])],
    tools: spec.tools.map((t) => t.descriptor),
    async open(ctx): Promise<ConnectorSession> {
      const config = ctx.config;
      const http = ctx.http.create({
        baseUrl: config.api_base_url ?? spec.defaultBaseUrl(config),
        ...(spec.headers ? { headers: spec.headers } : {}),
        auth: { source: ctx.credentials, apply: (c) => spec.authorize(c, config) },
        network: ctx.network,
        serviceName: spec.name,
      });
      const visible = spec.tools.filter((t) => !config.read_only || t.readOnly);
      return {
        check: (signal) => spec.healthCheck(http, config, signal),
        listTools: async () => visible.map((t) => t.descriptor),
        async callTool(name, args, opts): Promise<CallToolResult> {
          const tool = byName.get(name);
          if (!tool) return errorResult(`Unknown tool ${name} for ${spec.name}`);
          if (config.read_only && !tool.readOnly) {
            return errorResult(`${name} is not available: this ${spec.name} configuration is read-only (read_only: true)`);
          }
          return tool.run(args, { http, config, signal: opts.signal });
        },
        close: async () => {},
      };
    },
  };
}
