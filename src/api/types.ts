import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../domain/logger.js';
import type { Principal } from '../domain/principal.js';
import type { ConfigurationService } from '../service/configurations.js';
import type { ApiKeyService } from '../service/api-keys.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Store } from '../store/types.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';

/** What the REST API needs from the application: a slice of AppContext, easy to build in tests. */
export interface ApiContext {
  configurations: ConfigurationService;
  registry: ConnectorRegistry;
  settings: Settings;
  log: Logger;
  /** Serves GET /v1/audit_events when given (AppContext has it). */
  store?: Pick<Store, 'listAudit' | 'rateBuckets'>;
  /** Serves /v1/api_keys when given. */
  apiKeys?: ApiKeyService;
  /** Serves a configuration's tools (…/{id}/tools, …/{id}/tools/call) when given: the live gateway of this process. */
  gateway?: Gateway;
}

/** Resolves the caller of a request or throws AuthError. */
export type Authenticate = (req: IncomingMessage) => Promise<Principal>;

/** Answers the request and returns true, or returns false when the path is not one of its routes. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
