import type { Credentials } from '../../src/domain/credentials.js';

/**
 * ClickUp takes a personal token (`pk_…`) bare in `Authorization`, and an OAuth access token
 * as `Bearer <token>`; sending a personal token with "Bearer" is refused by the service.
 */
export function clickupAuthorization(credentials: Credentials): Record<string, string> {
  switch (credentials.type) {
    case 'api_key':
      return { Authorization: credentials.api_key };
    case 'oauth2':
      return { Authorization: `Bearer ${credentials.access_token}` };
    case 'bearer':
      return { Authorization: `Bearer ${credentials.token}` };
  }
}
