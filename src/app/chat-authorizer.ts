import type { Store } from '../store/types.js';
import { OAUTH_AUTHORIZE_PATH, OAUTH_CALLBACK_PATH } from '../api/oauth-routes.js';
import type { ChatAuthorizer } from '../mcp/authorize-in-chat.js';
import { vaultStateCodec } from '../mcp/url-elicitation.js';
import { waitForAuthorization, type FlowEndings } from '../oauth/authorization-wait.js';
import type { FlowSealer } from '../oauth/pending-flows.js';
import type { ConnectService } from './connect.js';

/** How long a chat waits for a person to finish consenting (the connect flow lives 10 minutes). */
const DEFAULT_WAIT_MS = 10 * 60_000;

/**
 * The in-chat connect flow on the REST one: the URL handed to the client is the gateway's
 * confirmation page (`GET …/oauth/authorize?state=`), which names the principal and binds the flow
 * to the browser that continues from it; completion is seen in the store, so the callback may land
 * on any process that shares it.
 */
export function createChatAuthorizer(opts: {
  connect: ConnectService;
  store: Pick<Store, 'getConfiguration' | 'onChange'>;
  sealing: FlowSealer;
  /** The gateway's public origin (public_base_url, or where it listens). */
  baseUrl: () => string;
  endings?: FlowEndings;
  waitMs?: number;
}): ChatAuthorizer {
  const base = () => opts.baseUrl().replace(/\/$/, '');
  return {
    codec: vaultStateCodec(opts.sealing, 'mcp-authorize-state'),
    async start(principal, configurationId, scope) {
      // Read before the flow exists, so a consent that lands at once still counts as a change.
      const before = await opts.store.getConfiguration(configurationId);
      const started = await opts.connect.start(principal, { configuration_id: configurationId, ...(scope ? { scope } : {}) }, `${base()}${OAUTH_CALLBACK_PATH}`);
      return { url: `${base()}${OAUTH_AUTHORIZE_PATH}?state=${encodeURIComponent(started.state)}`, state: started.state, baseline: before?.updated_at ?? '' };
    },
    wait: (w) => waitForAuthorization({ store: opts.store, ...(opts.endings ? { endings: opts.endings } : {}), ...w, timeoutMs: opts.waitMs ?? DEFAULT_WAIT_MS }),
  };
}
