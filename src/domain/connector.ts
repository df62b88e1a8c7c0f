import type { z } from 'zod';
import type { CallToolResult, CompleteRequestParams, CompleteResult, GetPromptResult, Prompt, ReadResourceResult, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import type { CredentialSource, CredentialType } from './credentials.js';
import type { HttpClientFactory } from '../http/types.js';
import type { NetworkPolicy } from './network.js';
import type { Logger } from './logger.js';
import type { RawForwarder } from './forwarding.js';

export type { CallToolResult, Tool };

export const CONNECTOR_OBJECT = 'personal_connector' as const;

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallOptions {
  signal: AbortSignal;
  onProgress?: (p: ProgressUpdate) => void;
}

/** An open connection to one configuration's service. The gateway caches and reuses it. */
export interface ConnectorSession {
  /** Health check: resolves when the service accepts the credentials, throws a typed error otherwise. */
  check(signal: AbortSignal): Promise<void>;
  /** Upstream tool names (not yet namespaced), MCP Tool shape. */
  listTools(signal: AbortSignal): Promise<Tool[]>;
  /**
   * Bad arguments come back as `isError: true` results that name what to fix (no request sent).
   * Service failures throw `UpstreamError`: the gateway turns them into `isError` results that
   * name the configuration, and updates its health.
   */
  callTool(name: string, args: Record<string, unknown>, opts: CallOptions): Promise<CallToolResult>;
  /**
   * Prompts and resources, for connectors whose service offers them (custom MCP: the upstream's
   * own, when it declares the capability). Names and URIs are the upstream's, not namespaced.
   */
  listPrompts?(signal: AbortSignal): Promise<Prompt[]>;
  getPrompt?(name: string, args: Record<string, string> | undefined, signal: AbortSignal): Promise<GetPromptResult>;
  listResources?(signal: AbortSignal): Promise<Resource[]>;
  listResourceTemplates?(signal: AbortSignal): Promise<ResourceTemplateType[]>;
  readResource?(uri: string, signal: AbortSignal): Promise<ReadResourceResult>;
  /** Argument completion; the reference names the upstream's own prompt or resource (template) URI. */
  complete?(params: CompleteRequestParams, signal: AbortSignal): Promise<CompleteResult>;
  /** The lean call path's access to the upstream connection, when the connector offers one. */
  forwarder?(): RawForwarder | undefined;
  close(): Promise<void>;
}

/** The lists an upstream may announce as changed (`notifications/<kind>/list_changed`). */
export type ListKind = 'tools' | 'resources' | 'prompts';

export interface ConnectorOpenContext<Config> {
  configurationId: string;
  configurationName: string;
  config: Config;
  credentials: CredentialSource;
  http: HttpClientFactory;
  network: NetworkPolicy;
  signal: AbortSignal;
  log: Logger;
  /**
   * The upstream said one of its lists changed (custom MCP: its own `list_changed`). The gateway
   * drops its cached copy and tells the principal's open sessions if what they see changed.
   */
  onListChanged?: (kind: ListKind) => void;
}

/** A connector type (GitHub, Jira, …): what it accepts and how to open a session for a configuration. */
export interface ConnectorDefinition<Config = Record<string, unknown>> {
  id: string;
  name: string;
  description: string;
  authMethods: readonly CredentialType[];
  /** False for connectors that can run without credentials (a public custom MCP endpoint). */
  credentialsRequired: boolean;
  /** Validates `configuration.configuration`; strict: unknown fields are refused. */
  configSchema: z.ZodType<Config>;
  /**
   * The configuration fields that decide where (host, URL, header) the credentials are sent. Changing
   * one requires the credentials again in the same update, so a stored secret never follows a URL
   * someone else typed.
   */
  credentialDestination: readonly string[];
  /** The static tool catalog (empty where tools are discovered, as for custom MCP). */
  tools: readonly Tool[];
  open(ctx: ConnectorOpenContext<Config>): Promise<ConnectorSession>;
}

/** The Personal Connector object served by the REST API and `connectors list --json`. */
export interface ConnectorObject {
  id: string;
  object: typeof CONNECTOR_OBJECT;
  name: string;
  description: string;
  auth_methods: CredentialType[];
  credentials_required: boolean;
  configuration_schema: Record<string, unknown>;
  tools: Tool[];
}
