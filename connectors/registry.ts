import { z } from 'zod';
import type { ConnectorDefinition, ConnectorObject } from '../src/domain/connector.js';
import { CONNECTOR_OBJECT } from '../src/domain/connector.js';

/**
 * Definitions differ in their Config type; the registry holds them with Config erased to unknown
 * (`open` is a method, so its parameter is checked bivariantly) and callers validate the config
 * with the definition's own `configSchema` before opening.
 */
export type AnyConnectorDefinition = ConnectorDefinition<unknown>;

/** The connector types the gateway knows, by id. */
export class ConnectorRegistry {
  private readonly byId = new Map<string, AnyConnectorDefinition>();

  constructor(definitions: readonly AnyConnectorDefinition[]) {
    for (const d of definitions) {
      if (this.byId.has(d.id)) throw new Error(`duplicate connector id ${d.id}`);
      this.byId.set(d.id, d);
    }
  }

  get(id: string): AnyConnectorDefinition | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  list(): AnyConnectorDefinition[] {
    return [...this.byId.values()];
  }

  /** The public Personal Connector object (REST, `connectors list --json`). */
  toObject(d: AnyConnectorDefinition): ConnectorObject {
    const schema = z.toJSONSchema(d.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete schema.$schema;
    return {
      id: d.id,
      object: CONNECTOR_OBJECT,
      name: d.name,
      description: d.description,
      auth_methods: [...d.authMethods],
      credentials_required: d.credentialsRequired,
      configuration_schema: schema,
      tools: [...d.tools],
    };
  }
}
