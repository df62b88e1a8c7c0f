import type { z } from 'zod';
import {
  ConfigurationObjectSchema,
  CreateConfigurationInputSchema,
  MetadataSchema,
  toPublicObject,
  UpdateConfigurationInputSchema,
  type ConfigurationRecord,
  type Sealed,
} from '../domain/configuration.js';
import type { Credentials, CredentialType } from '../domain/credentials.js';
import { GatewayError, ValidationError } from '../domain/errors.js';
import type { Owner } from '../domain/principal.js';
import type { AnyConnectorDefinition, ConnectorRegistry } from '../../connectors/registry.js';
import { jsonEqual, mergePatch } from './json.js';
import { parseOrThrow, zodToValidationError } from './validation.js';

export type CreateInput = z.output<typeof CreateConfigurationInputSchema>;
export type UpdateInput = z.output<typeof UpdateConfigurationInputSchema>;

export function requireConnector(registry: ConnectorRegistry, id: string, param = 'personal_connector_id'): AnyConnectorDefinition {
  const def = registry.get(id);
  if (!def) throw new ValidationError(`${param}: unknown connector ${JSON.stringify(id)}; valid ids: ${registry.ids().join(', ')}`, param, 'unknown_connector');
  return def;
}

/** Checks the body of a create request: the generic object first, then the connector's own rules. */
export function validateCreate(registry: ConnectorRegistry, body: unknown, owner: Owner): { input: CreateInput; def: AnyConnectorDefinition } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('request body must be a JSON object');
  const claimed = (body as Record<string, unknown>).personal_connector_id;
  // An unknown connector is the most useful thing to report: the message lists the valid ids.
  if (typeof claimed === 'string' && !registry.get(claimed)) requireConnector(registry, claimed);
  const parsed = CreateConfigurationInputSchema.safeParse(body);
  if (!parsed.success) throw zodToValidationError(parsed.error);
  const input = parsed.data;
  checkOwnerFields(input, owner);
  const def = requireConnector(registry, input.personal_connector_id);
  input.configuration = validateConnectorSettings(def, input.configuration);
  checkCredentials(def, input.credentials);
  return { input, def };
}

export function validateUpdate(body: unknown): UpdateInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('request body must be a JSON object');
  return parseOrThrow(UpdateConfigurationInputSchema, body);
}

/** The owner fields of a body are accepted only when they repeat the caller's own identity. */
function checkOwnerFields(input: CreateInput, owner: Owner): void {
  for (const field of ['organization_id', 'user_id', 'api_key_id'] as const) {
    const given = input[field];
    if (given !== undefined && given !== owner[field]) {
      // 403 with the field named: the body asked to act for someone else.
      throw new GatewayError({
        type: 'permission_error',
        code: 'owner_mismatch',
        status: 403,
        message: `${field}: configurations belong to the caller; ${JSON.stringify(given)} is not ${owner[field] === undefined ? 'set for this caller' : `the caller's ${field}`}`,
        param: field,
      });
    }
  }
}

export function validateConnectorSettings(def: AnyConnectorDefinition, settings: Record<string, unknown>): Record<string, unknown> {
  const out = parseOrThrow(def.configSchema, settings, 'configuration');
  if (typeof out !== 'object' || out === null || Array.isArray(out)) throw new ValidationError('configuration: must be a JSON object', 'configuration');
  return out as Record<string, unknown>;
}

export function checkCredentials(def: AnyConnectorDefinition, credentials: Credentials | undefined | null): void {
  if (credentials == null) {
    if (def.credentialsRequired) {
      throw new ValidationError(`credentials: required for ${def.id} (type one of ${def.authMethods.join(', ')})`, 'credentials', 'missing_credentials');
    }
    return;
  }
  if (!def.authMethods.includes(credentials.type)) {
    throw new ValidationError(
      `credentials.type: ${def.id} accepts ${def.authMethods.join(', ')}, not ${credentials.type}`,
      'credentials.type',
      'unsupported_credentials_type',
    );
  }
}

/**
 * Stored credentials go only where they were saved for: an update that changes a field of
 * `def.credentialDestination` (a base URL, an endpoint, a site) must give the credentials again.
 */
function requireCredentialsForNewDestination(def: AnyConnectorDefinition, before: Record<string, unknown>, after: Record<string, unknown>): void {
  for (const field of def.credentialDestination) {
    if (jsonEqual(before[field] ?? null, after[field] ?? null)) continue;
    throw new ValidationError(
      `configuration.${field}: changing where the credentials are sent requires the credentials again in the same request (set credentials, or null to remove them); the stored ones stay with the old destination`,
      `configuration.${field}`,
      'credentials_required_for_destination',
      422,
    );
  }
}

/** What to do with the sealed credentials of a record in an update. */
export type CredentialsChange = { kind: 'keep' } | { kind: 'remove' } | { kind: 'set'; type: CredentialType; sealed: Sealed };

/**
 * The record an update produces, or `current` itself when nothing changes (so the store skips the
 * write). Pure: the store may call it again on a fresher record.
 */
export function applyUpdate(
  current: ConfigurationRecord,
  patch: UpdateInput,
  def: AnyConnectorDefinition,
  credentials: CredentialsChange,
  now: string,
): ConfigurationRecord {
  const next: ConfigurationRecord = { ...current };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.enabled !== undefined) next.enabled = patch.enabled;
  if (patch.tool_prefix !== undefined) next.tool_prefix = patch.tool_prefix;
  if (patch.description === null) delete next.description;
  else if (patch.description !== undefined) next.description = patch.description;
  if (patch.configuration !== undefined) {
    next.configuration = validateConnectorSettings(def, mergePatch(current.configuration, patch.configuration));
  }
  if (patch.credentials === undefined && current.credentials_sealed !== undefined) {
    requireCredentialsForNewDestination(def, current.configuration, next.configuration);
  }
  if (patch.metadata !== undefined) {
    next.metadata = parseOrThrow(MetadataSchema, mergePatch(current.metadata ?? {}, patch.metadata), 'metadata');
  }
  if (credentials.kind === 'remove') {
    checkCredentials(def, null);
    delete next.credentials_type;
    delete next.credentials_sealed;
  } else if (credentials.kind === 'set') {
    next.credentials_type = credentials.type;
    next.credentials_sealed = credentials.sealed;
  }

  const credentialsChanged = credentials.kind === 'set' || (credentials.kind === 'remove' && current.credentials_sealed !== undefined);
  const settingsChanged = !jsonEqual(next.configuration, current.configuration);
  // New credentials or settings make the last check meaningless: it must run again.
  if (credentialsChanged || settingsChanged) {
    next.health_status = 'unknown';
    delete next.last_error;
  }
  if (jsonEqual({ ...next, updated_at: '' }, { ...current, updated_at: '' })) return current;
  next.updated_at = now;
  const check = ConfigurationObjectSchema.safeParse(toPublicObject(next));
  if (!check.success) throw zodToValidationError(check.error);
  return next;
}
