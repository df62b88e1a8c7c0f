/** Which upstream addresses a connector may reach. Link-local and metadata addresses are never allowed. */
export interface NetworkPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

export const STRICT_NETWORK: NetworkPolicy = { allowLoopback: false, allowPrivate: false };
