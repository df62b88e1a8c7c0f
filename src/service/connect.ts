import type { Principal } from '../domain/principal.js';
import type { ConnectFlow, ConnectStartResult } from '../oauth/connect.js';
import type { BearerChallenge } from '../oauth/mcp-auth/index.js';

/** Starting an OAuth connect flow: offered by src/app, used by the REST route and the command line. */
export interface ConnectService {
  /**
   * Checks everything that can be checked before the user is sent to the provider (connector, OAuth
   * client, settings), so a typo does not cost a round trip through a consent screen.
   */
  start(principal: Principal, body: unknown, defaultRedirectUri: string, opts?: { challenge?: BearerChallenge | undefined }): Promise<ConnectStartResult>;
  /** The flow itself, for callers that complete callbacks (the REST route, the CLI listener). */
  readonly flow: ConnectFlow;
}
