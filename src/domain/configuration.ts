import { z } from 'zod';
import { CONFIGURATION_ID_RE, CONNECTOR_ID_RE, OWNER_ID_RE } from './ids.js';
import { CredentialsSchema, type CredentialType } from './credentials.js';
import { ToolPrefixSchema } from './tool-prefix.js';

export const CONFIGURATION_OBJECT = 'personal_connector.configuration' as const;
export const HEALTH_STATUSES = ['healthy', 'unhealthy', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

export const ConfigurationIdSchema = z.string().regex(CONFIGURATION_ID_RE, { error: 'must be pconf_ followed by alphanumeric characters' });
export const ConnectorIdSchema = z.string().regex(CONNECTOR_ID_RE, { error: 'must be pc_ followed by lowercase letters, digits or _' });
export const OwnerIdSchema = z.string().regex(OWNER_ID_RE, { error: 'must be 1-128 characters of letters, digits and _ . : @ | -, starting with a letter or digit' });
const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const NameSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' });
export const DescriptionSchema = z.string({ error: 'must be a string' }).max(1000, { error: 'must be at most 1000 characters' });

export const MetadataSchema = z
  .record(
    z.string().min(1, { error: 'metadata keys must not be empty' }).max(METADATA_LIMITS.keyLength, { error: `metadata keys must be at most ${METADATA_LIMITS.keyLength} characters` }),
    z.string({ error: 'metadata values must be strings' }).max(METADATA_LIMITS.valueLength, { error: `metadata values must be at most ${METADATA_LIMITS.valueLength} characters` }),
  )
  .refine((m) => Object.keys(m).length <= METADATA_LIMITS.keys, { error: `metadata may hold at most ${METADATA_LIMITS.keys} keys` });

/** Connector-specific settings: a JSON object, checked further by the connector's own schema. */
export const ConnectorSettingsSchema = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

/**
 * The Personal Connector Configuration object exactly as the spec publishes it (no credentials:
 * they are never returned). Optional fields are omitted when unset.
 */
export const ConfigurationObjectSchema = z
  .strictObject({
    id: ConfigurationIdSchema,
    object: z.literal(CONFIGURATION_OBJECT),
    user_id: OwnerIdSchema.optional(),
    api_key_id: OwnerIdSchema.optional(),
    organization_id: OwnerIdSchema,
    personal_connector_id: ConnectorIdSchema,
    name: NameSchema,
    configuration: ConnectorSettingsSchema,
    enabled: z.boolean().default(true),
    health_status: z.enum(HEALTH_STATUSES).default('unknown'),
    last_sync_at: isoDateTime.optional(),
    last_error: z.string().max(2000).optional(),
    description: DescriptionSchema.optional(),
    metadata: MetadataSchema.optional(),
    created_at: isoDateTime,
    updated_at: isoDateTime,
    // Beyond the published object (an extension, like an added field of any REST API): the prefix
    // of this configuration's tool names. Absent only on records stored before prefixes were kept.
    tool_prefix: ToolPrefixSchema.optional(),
  })
  .refine((c) => c.user_id !== undefined || c.api_key_id !== undefined, {
    error: 'either user_id or api_key_id must be present',
    path: ['user_id'],
  });
export type ConfigurationObject = z.infer<typeof ConfigurationObjectSchema>;

/** Credentials as they rest in the store: AES-256-GCM, bound to the record (see src/crypto). */
export const SealedSchema = z.strictObject({
  kid: z.string().min(1),
  iv: z.string().min(1),
  ct: z.string().min(1),
  tag: z.string().min(1),
});
export type Sealed = z.infer<typeof SealedSchema>;

/**
 * What the store keeps: the public object plus the sealed credentials, and two counters.
 * `version` counts every write (the store's own compare-and-swap, caches). `revision` counts only
 * changes a user made to what the object says (see `userVisibleChange`): it is the ETag that
 * `If-Match` refers to, so background writes (health, token refresh, re-sealing) never make a
 * client's read stale.
 */
export interface ConfigurationRecord extends ConfigurationObject {
  version: number;
  revision: number;
  credentials_type?: CredentialType;
  credentials_sealed?: Sealed;
}

/**
 * A record as a caller hands it to the store: the store numbers `version` and `revision`, and gives
 * the `tool_prefix` when the caller has none for it.
 */
export type NewConfigurationRecord = Omit<ConfigurationRecord, 'version' | 'revision'>;

/**
 * Fields the gateway writes by itself, in the background: what the service answered. Changing
 * them is not a change a client's `If-Match` must notice.
 */
const BACKGROUND_FIELDS = new Set<string>(['health_status', 'last_sync_at', 'last_error']);

/**
 * True when `after` differs from `before` in something a user set: the public object without the
 * health fields. Sealed credentials are not in it: a token refresh or a re-seal is background work,
 * while a user's new credentials also move `updated_at`.
 */
export function userVisibleChange(before: ConfigurationRecord, after: ConfigurationRecord): boolean {
  const strip = (r: ConfigurationRecord) => Object.entries(toPublicObject(r)).filter(([k]) => !BACKGROUND_FIELDS.has(k));
  return JSON.stringify(strip(before)) !== JSON.stringify(strip(after));
}

export function toPublicObject(r: ConfigurationRecord): ConfigurationObject {
  // Built field by field so nothing internal (sealed blob, version) can ever leak by accident.
  const o: ConfigurationObject = {
    id: r.id,
    object: CONFIGURATION_OBJECT,
    ...(r.user_id !== undefined ? { user_id: r.user_id } : {}),
    ...(r.api_key_id !== undefined ? { api_key_id: r.api_key_id } : {}),
    organization_id: r.organization_id,
    personal_connector_id: r.personal_connector_id,
    name: r.name,
    configuration: r.configuration,
    enabled: r.enabled,
    health_status: r.health_status,
    ...(r.last_sync_at !== undefined ? { last_sync_at: r.last_sync_at } : {}),
    ...(r.last_error !== undefined ? { last_error: r.last_error } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
    metadata: r.metadata ?? {},
    created_at: r.created_at,
    updated_at: r.updated_at,
    ...(r.tool_prefix !== undefined ? { tool_prefix: r.tool_prefix } : {}),
  };
  return o;
}

/** Body of a create request (REST and CLI). Unknown fields are refused, not dropped. */
export const CreateConfigurationInputSchema = z.strictObject({
  personal_connector_id: ConnectorIdSchema,
  name: NameSchema,
  configuration: ConnectorSettingsSchema.default({}),
  credentials: CredentialsSchema.optional(),
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
  description: DescriptionSchema.optional(),
  metadata: MetadataSchema.optional(),
  /** Chosen by the caller ('' for none); given by the store from the name when absent. */
  tool_prefix: ToolPrefixSchema.optional(),
  // Accepted only when they match the caller (they are set from who is calling).
  user_id: OwnerIdSchema.optional(),
  api_key_id: OwnerIdSchema.optional(),
  organization_id: OwnerIdSchema.optional(),
});
export type CreateConfigurationInput = z.input<typeof CreateConfigurationInputSchema>;

/**
 * Body of a partial update. Merge-patch semantics (RFC 7396) for `configuration` and `metadata`:
 * a null value removes a key. `credentials` are replaced whole (null removes them).
 */
export const UpdateConfigurationInputSchema = z.strictObject({
  name: NameSchema.optional(),
  configuration: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
  credentials: CredentialsSchema.nullable().optional(),
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
  description: DescriptionSchema.nullable().optional(),
  metadata: z
    .record(
      z.string().min(1).max(METADATA_LIMITS.keyLength, { error: `metadata keys must be at most ${METADATA_LIMITS.keyLength} characters` }),
      z.string({ error: 'metadata values must be strings or null' }).max(METADATA_LIMITS.valueLength, { error: `metadata values must be at most ${METADATA_LIMITS.valueLength} characters` }).nullable(),
    )
    .optional(),
  tool_prefix: ToolPrefixSchema.optional(),
});
export type UpdateConfigurationInput = z.input<typeof UpdateConfigurationInputSchema>;

export interface ConfigurationFilter {
  personal_connector_id?: string;
  enabled?: boolean;
  health_status?: HealthStatus;
  metadata?: Record<string, string>;
}
