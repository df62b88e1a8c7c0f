import {
  CONFIGURATION_OBJECT,
  HEALTH_STATUSES,
  toPublicObject,
  type ConfigurationFilter,
  type ConfigurationObject,
  type ConfigurationRecord,
  type NewConfigurationRecord,
  type HealthStatus,
} from '../domain/configuration.js';
import { ConflictError, errorMessage, isGatewayError, NotFoundError, ValidationError } from '../domain/errors.js';
import { ID_PREFIX, newId } from '../domain/ids.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import { ownerKey, ownerOf, type Owner, type Principal } from '../domain/principal.js';
import type { AuditEvent, Page, Store } from '../store/types.js';
import type { NetworkPolicy } from '../domain/network.js';
import { checkUrlAllowed } from '../http/network-guard.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { applyUpdate, requireConnector, validateCreate, validateUpdate, type CredentialsChange } from './configuration-rules.js';
import { jsonEqual } from './json.js';
import { bindingOf, systemClock, type Clock, type CredentialSealer, type HealthCheck, type HealthResult } from './ports.js';
import { auditEvent } from './audit.js';
import { checkToolPrefix } from './tool-prefix-check.js';

export interface ListQuery {
  personal_connector_id?: string;
  enabled?: boolean;
  health_status?: HealthStatus;
  metadata?: Record<string, string>;
  limit?: number;
  starting_after?: string;
}

export interface ConfigurationServiceDeps {
  store: Store;
  registry: ConnectorRegistry;
  sealer: CredentialSealer;
  healthCheck: HealthCheck;
  /** When given, URLs in a configuration are checked against it on every save (scheme, literal addresses). */
  network?: NetworkPolicy;
  clock?: Clock;
  log?: Logger;
  /**
   * Runs after a configuration was deleted, with the record as it was (e.g. revoking its OAuth
   * tokens at the provider). Bounded and best effort: its failure is logged, the delete stands.
   */
  afterDelete?: (record: ConfigurationRecord) => Promise<void>;
}

export const LIST_LIMIT = { default: 10, min: 1, max: 100 } as const;
const URL_FIELDS = ['endpoint', 'api_base_url', 'site_url'] as const;
const LAST_ERROR_MAX = 2000;

/**
 * Create, read, update, delete and check configurations on behalf of a principal. Used by the REST
 * API and the CLI alike, so every rule lives here once. Returns public objects only.
 */
export class ConfigurationService {
  private readonly store: Store;
  private readonly registry: ConnectorRegistry;
  private readonly sealer: CredentialSealer;
  private readonly healthCheck: HealthCheck;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly network: NetworkPolicy | undefined;
  private readonly afterDelete: ((record: ConfigurationRecord) => Promise<void>) | undefined;
  /** The store revision behind each object handed out, for ETags, without putting it in the object. */
  private readonly revisions = new WeakMap<ConfigurationObject, number>();

  constructor(deps: ConfigurationServiceDeps) {
    this.store = deps.store;
    this.registry = deps.registry;
    this.sealer = deps.sealer;
    this.healthCheck = deps.healthCheck;
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log ?? silentLogger;
    this.network = deps.network;
    this.afterDelete = deps.afterDelete;
  }

  /**
   * A configuration's URLs (custom endpoint, API base, Jira site) must be reachable under the
   * network policy: refused here, at save time, with the field named, rather than at the first
   * call. Names are resolved, and checked again, only when a connection is made.
   */
  private checkUrls(configuration: Record<string, unknown>): void {
    if (!this.network) return;
    for (const field of URL_FIELDS) {
      const value = configuration[field];
      if (typeof value === 'string') checkUrlAllowed(value, this.network, `configuration.${field}`);
    }
  }

  /**
   * The revision (ETag) of an object this service returned: it moves only with user-visible
   * changes, so a health write between a client's read and its `If-Match` write is no conflict.
   */
  revisionOf(o: ConfigurationObject): number | undefined {
    return this.revisions.get(o);
  }

  async create(principal: Principal, body: unknown): Promise<ConfigurationObject> {
    const owner = ownerOf(principal);
    const { input } = validateCreate(this.registry, body, owner);
    this.checkUrls(input.configuration);
    const now = this.now();
    const id = newId(ID_PREFIX.configuration);
    if (input.tool_prefix !== undefined) await checkToolPrefix(this.store, this.registry, owner, { id, name: input.name, personal_connector_id: input.personal_connector_id, tool_prefix: input.tool_prefix });
    const sealed = input.credentials ? await this.sealer.seal(input.credentials, bindingOf({ id, organization_id: owner.organization_id })) : undefined;
    const record: NewConfigurationRecord = {
      id,
      object: CONFIGURATION_OBJECT,
      ...owner,
      personal_connector_id: input.personal_connector_id,
      name: input.name,
      configuration: input.configuration,
      enabled: input.enabled ?? true,
      health_status: 'unknown',
      ...(input.description !== undefined ? { description: input.description } : {}),
      metadata: input.metadata ?? {},
      created_at: now,
      updated_at: now,
      ...(input.credentials && sealed ? { credentials_type: input.credentials.type, credentials_sealed: sealed } : {}),
      ...(input.tool_prefix !== undefined ? { tool_prefix: input.tool_prefix } : {}),
    };
    const stored = await this.store.createConfiguration(record);
    await this.audit(principal, 'configuration.created', id);
    return this.present(stored);
  }

  async get(principal: Principal, id: string): Promise<ConfigurationObject> {
    return this.present(await this.owned(principal, id));
  }

  async list(principal: Principal, query: ListQuery = {}): Promise<Page<ConfigurationObject>> {
    const limit = query.limit ?? LIST_LIMIT.default;
    if (!Number.isInteger(limit) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
      throw new ValidationError(`limit: must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`, 'limit');
    }
    if (query.personal_connector_id !== undefined) requireConnector(this.registry, query.personal_connector_id);
    if (query.health_status !== undefined && !HEALTH_STATUSES.includes(query.health_status)) {
      throw new ValidationError(`health_status: must be one of ${HEALTH_STATUSES.join(', ')}`, 'health_status');
    }
    if (query.starting_after !== undefined) {
      const cursor = await this.store.getConfiguration(query.starting_after);
      if (!cursor || !this.isOwner(principal, cursor)) {
        throw new ValidationError('starting_after: must be the id of one of your configurations', 'starting_after');
      }
    }
    const filter: ConfigurationFilter = {
      ...(query.personal_connector_id !== undefined ? { personal_connector_id: query.personal_connector_id } : {}),
      ...(query.enabled !== undefined ? { enabled: query.enabled } : {}),
      ...(query.health_status !== undefined ? { health_status: query.health_status } : {}),
      ...(query.metadata !== undefined && Object.keys(query.metadata).length > 0 ? { metadata: query.metadata } : {}),
    };
    const page = await this.store.listConfigurations(ownerOf(principal), filter, {
      limit,
      ...(query.starting_after !== undefined ? { starting_after: query.starting_after } : {}),
    });
    return { data: page.data.map((r) => this.present(r)), has_more: page.has_more };
  }

  async update(principal: Principal, id: string, body: unknown, opts: { expectedRevision?: number } = {}): Promise<ConfigurationObject> {
    const patch = validateUpdate(body);
    const current = await this.owned(principal, id);
    this.checkRevision(current, opts.expectedRevision);
    const def = requireConnector(this.registry, current.personal_connector_id);
    const credentials = await this.credentialsChange(current, patch.credentials);
    const now = this.now();
    // Validate against what we read, so a refused request never reaches the store's write path.
    this.checkUrls(applyUpdate(current, patch, def, credentials, now).configuration);
    if (patch.tool_prefix !== undefined && patch.tool_prefix !== current.tool_prefix) {
      await checkToolPrefix(this.store, this.registry, ownerOf(principal), { id, name: current.name, personal_connector_id: current.personal_connector_id, tool_prefix: patch.tool_prefix });
    }
    const owner = ownerKey(ownerOf(principal));
    const stored = await this.store.updateConfiguration(
      id,
      (fresh) => {
        if (ownerKey(recordOwner(fresh)) !== owner) throw this.notFound(id);
        return applyUpdate(fresh, patch, def, credentials, now);
      },
      opts.expectedRevision,
    );
    if (stored.version !== current.version) await this.audit(principal, 'configuration.updated', id);
    return this.present(stored);
  }

  async delete(principal: Principal, id: string, opts: { expectedRevision?: number } = {}): Promise<{ id: string; object: typeof CONFIGURATION_OBJECT; deleted: true }> {
    const current = await this.owned(principal, id);
    this.checkRevision(current, opts.expectedRevision);
    const deleted = await this.store.deleteConfiguration(id, opts.expectedRevision);
    await this.audit(principal, 'configuration.deleted', id);
    if (this.afterDelete) {
      await this.afterDelete(deleted).catch((e: unknown) => this.log.warn({ configuration_id: id, err_name: e instanceof Error ? e.name : typeof e }, 'after-delete work failed; the configuration is deleted'));
    }
    return { id, object: CONFIGURATION_OBJECT, deleted: true };
  }

  /** Runs the health check now and records its outcome on the configuration. */
  async test(principal: Principal, id: string): Promise<ConfigurationObject> {
    const current = await this.owned(principal, id);
    let result: HealthResult;
    try {
      result = await this.healthCheck(current);
    } catch (e) {
      // Only our typed errors carry messages written to be shown; anything else may say too much.
      this.log.warn({ configuration_id: id, err_name: e instanceof Error ? e.name : typeof e }, 'health check threw');
      result = isGatewayError(e) ? { ok: false, error: errorMessage(e), kind: e.code } : { ok: false, error: 'health check failed with an unexpected error', kind: 'internal' };
    }
    const stored = await this.recordHealth(id, result);
    await this.audit(principal, 'configuration.tested', id, result.ok ? 'success' : 'failure', result.ok ? undefined : { error_kind: result.kind ?? 'unknown' });
    return this.present(stored);
  }

  /** Writes a health outcome (also used by the gateway after discovery). Does not bump updated_at: the owner changed nothing. */
  async recordHealth(id: string, result: { ok: boolean; error?: string }): Promise<ConfigurationRecord> {
    const now = this.now();
    return this.store.updateConfiguration(id, (fresh) => {
      const next: ConfigurationRecord = { ...fresh, health_status: result.ok ? 'healthy' : 'unhealthy' };
      if (result.ok) {
        next.last_sync_at = now;
        delete next.last_error;
      } else {
        next.last_error = (result.error ?? 'health check failed').slice(0, LAST_ERROR_MAX);
      }
      return jsonEqual(next, fresh) ? fresh : next;
    });
  }

  private async credentialsChange(current: ConfigurationRecord, given: UpdateCredentials): Promise<CredentialsChange> {
    if (given === undefined) return { kind: 'keep' };
    if (given === null) return { kind: 'remove' };
    const def = requireConnector(this.registry, current.personal_connector_id);
    if (!def.authMethods.includes(given.type)) {
      throw new ValidationError(`credentials.type: ${def.id} accepts ${def.authMethods.join(', ')}, not ${given.type}`, 'credentials.type', 'unsupported_credentials_type');
    }
    if (current.credentials_sealed) {
      // Saving the same credentials again is not a change: no write, health kept.
      try {
        const existing = await this.sealer.unseal(current.credentials_sealed, bindingOf(current));
        if (jsonEqual(existing, given)) return { kind: 'keep' };
      } catch {
        // Unreadable old credentials are simply replaced.
      }
    }
    return { kind: 'set', type: given.type, sealed: await this.sealer.seal(given, bindingOf(current)) };
  }

  private async owned(principal: Principal, id: string): Promise<ConfigurationRecord> {
    const r = await this.store.getConfiguration(id);
    // Someone else's configuration answers exactly like a missing one: existence must not leak.
    if (!r || !this.isOwner(principal, r)) throw this.notFound(id);
    return r;
  }

  private isOwner(principal: Principal, r: ConfigurationRecord): boolean {
    return ownerKey(recordOwner(r)) === ownerKey(ownerOf(principal));
  }

  private notFound(id: string): NotFoundError {
    return new NotFoundError(`no such configuration: ${id}`, 'id');
  }

  private checkRevision(r: ConfigurationRecord, expected: number | undefined): void {
    if (expected !== undefined && expected !== r.revision) {
      throw new ConflictError(`configuration ${r.id} is at revision ${r.revision}, not ${expected}: it changed since it was read; read it again and retry`);
    }
  }

  private present(r: ConfigurationRecord): ConfigurationObject {
    const o = toPublicObject(r);
    this.revisions.set(o, r.revision);
    return o;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * Called after the write is committed: a failed append is logged, never thrown, so a change that
   * happened is not reported as failed (and not repeated by a client that retries it).
   */
  private async audit(principal: Principal, action: string, target: string, outcome: AuditEvent['outcome'] = 'success', detail?: AuditEvent['detail']): Promise<void> {
    try {
      await this.store.appendAudit(auditEvent(principal, action, target, this.now(), outcome, detail));
    } catch (err) {
      this.log.error({ err, action, target }, 'the change was saved, but its audit event could not be written');
    }
  }
}

type UpdateCredentials = ReturnType<typeof validateUpdate>['credentials'];

export function recordOwner(r: ConfigurationRecord): Owner {
  return r.user_id !== undefined
    ? { organization_id: r.organization_id, user_id: r.user_id }
    : { organization_id: r.organization_id, ...(r.api_key_id !== undefined ? { api_key_id: r.api_key_id } : {}) };
}
