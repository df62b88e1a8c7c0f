import type { Credentials, CredentialSource } from '../../src/domain/credentials.js';

/** A credential source over fixed credentials; `refreshTo` simulates a successful OAuth refresh. */
export function staticCredentials(credentials: Credentials | undefined, refreshTo?: Credentials): CredentialSource & { refreshes: number } {
  let current = credentials;
  const source = {
    refreshes: 0,
    type: credentials?.type,
    async get() {
      return current;
    },
    async refresh() {
      source.refreshes++;
      if (!refreshTo) return undefined;
      current = refreshTo;
      return current;
    },
  };
  return source;
}
