/**
 * The token endpoint's deadline, held by the test: OAuth clients whose every request also ends
 * when the test fires the deadline, and no sooner (their own timeout is the settings', sized out
 * of a loaded machine's reach). A test that wants "a hanging endpoint ends at its deadline" waits
 * until the endpoint has received the request, then fires; a real short timer could fire before
 * the request was even sent, on a machine busy enough.
 */
import * as oidc from 'openid-client';
import type { Settings } from '../../src/config/settings.js';
import { createOAuthClients, type OAuthClients } from '../../src/oauth/clients.js';

export interface HeldTokenDeadline {
  clients: OAuthClients;
  /** Ends every request of these clients as their timeout would (a TimeoutError). */
  fire(): void;
}

export function heldTokenDeadline(settings: Settings): HeldTokenDeadline {
  const deadline = new AbortController();
  const real = createOAuthClients(settings);
  const wrapped = new WeakSet<oidc.Configuration>();
  const clients: OAuthClients = {
    has: (id) => real.has(id),
    settingsFor: (id) => real.settingsFor(id),
    async get(id) {
      const config = await real.get(id);
      const inner = config[oidc.customFetch];
      if (inner && !wrapped.has(config)) {
        wrapped.add(config);
        config[oidc.customFetch] = (url, init) => inner(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal });
      }
      return config;
    },
  };
  return { clients, fire: () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')) };
}
