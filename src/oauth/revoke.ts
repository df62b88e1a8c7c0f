import * as oidc from 'openid-client';
import type { ConfigurationRecord } from '../domain/configuration.js';
import type { Logger } from '../domain/logger.js';
import type { OAuthClients } from './clients.js';
import { mapOAuthError } from './errors.js';
import type { McpAuth } from './mcp-auth/index.js';
import { bindingOf, type CredentialVault } from './vault.js';

export interface RevokerDeps {
  vault: Pick<CredentialVault, 'open'>;
  clients: Pick<OAuthClients, 'has' | 'get'>;
  mcpAuth?: Pick<McpAuth, 'clientForRefresh'>;
  log: Logger;
  /** Bound on the whole revocation (metadata + two requests): a slow provider never holds a delete long. */
  timeoutMs: number;
}

/**
 * Token revocation (RFC 7009) for a deleted configuration: its OAuth tokens are revoked at the
 * authorization server that issued them, when that server advertises a `revocation_endpoint`. The
 * refresh token first (revoking it ends the grant; RFC 7009 §2.1), then the access token. Best
 * effort: failures are logged (never the tokens) and the delete stands.
 */
export function createRevoker(deps: RevokerDeps): (record: ConfigurationRecord) => Promise<void> {
  return async (record) => {
    if (record.credentials_type !== 'oauth2' || !record.credentials_sealed) return;
    const id = record.id;
    const work = (async () => {
      const creds = await deps.vault.open(record.credentials_sealed!, bindingOf(record));
      if (creds.type !== 'oauth2') return 'skipped';
      // The client the tokens were issued to: the remote MCP server's own server, or the settings file's.
      const config =
        creds.issuer && creds.client_id
          ? await deps.mcpAuth?.clientForRefresh(creds.issuer, creds.client_id)
          : deps.clients.has(record.personal_connector_id)
            ? await deps.clients.get(record.personal_connector_id)
            : undefined;
      if (!config || !config.serverMetadata().revocation_endpoint) return 'unsupported';
      if (creds.refresh_token) await oidc.tokenRevocation(config, creds.refresh_token, { token_type_hint: 'refresh_token' });
      await oidc.tokenRevocation(config, creds.access_token, { token_type_hint: 'access_token' });
      return 'revoked';
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), deps.timeoutMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([work, timeout]);
      if (outcome === 'revoked') deps.log.info({ configuration_id: id }, 'oauth2 tokens of the deleted configuration revoked');
      else if (outcome === 'timeout') deps.log.warn({ configuration_id: id, timeout_ms: deps.timeoutMs }, 'token revocation did not finish in time; the configuration is deleted');
      else deps.log.debug({ configuration_id: id, outcome }, 'token revocation not attempted');
    } catch (e) {
      deps.log.warn({ configuration_id: id, err: mapOAuthError(e, `revoking the tokens of deleted configuration ${id}`).message }, 'token revocation failed; the configuration is deleted');
    } finally {
      clearTimeout(timer);
      work.catch(() => {}); // a late failure after the timeout is not unhandled
    }
  };
}
