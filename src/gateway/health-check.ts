import type { ConfigurationRecord } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import { describeFailure, failureKind } from './configuration-link.js';
import type { GatewayDeps } from './types.js';
import type { HealthResult } from '../domain/health.js';

/**
 * A health check on demand (`configs test`, `POST …/test`, `doctor`): opens the configuration's
 * connector with its credentials, runs the connector's own check within the discovery deadline,
 * and closes. The caller writes the outcome to the record.
 */
export async function checkConfiguration(deps: GatewayDeps, record: ConfigurationRecord): Promise<HealthResult> {
  const def = deps.registry.get(record.personal_connector_id);
  if (!def) return { ok: false, error: `unknown connector ${record.personal_connector_id}`, kind: 'invalid_parameter' };
  const signal = AbortSignal.timeout(deps.limits.discoveryTimeoutMs);
  try {
    const parsed = def.configSchema.safeParse(record.configuration);
    if (!parsed.success) throw new ValidationError(`the configuration does not pass the ${def.name} schema`, 'configuration');
    const session = await def.open({
      configurationId: record.id,
      configurationName: record.name,
      config: parsed.data,
      credentials: deps.credentials.forConfiguration(record.id),
      http: deps.http,
      network: deps.network,
      signal,
      log: deps.log.child({ configuration_id: record.id }),
    });
    try {
      await session.check(signal);
    } finally {
      await session.close().catch(() => {});
    }
    return { ok: true };
  } catch (e) {
    if (signal.aborted) return { ok: false, error: `the health check did not finish within ${deps.limits.discoveryTimeoutMs} ms`, kind: 'timeout' };
    return { ok: false, error: describeFailure(e), kind: failureKind(e) };
  }
}
