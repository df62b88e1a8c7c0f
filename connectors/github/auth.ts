import { credentialSecret, type Credentials } from '../../src/domain/credentials.js';

/**
 * Personal access tokens (classic and fine-grained), OAuth app tokens and GitHub App tokens all go
 * in `Authorization: Bearer`; GitHub also accepts the legacy `token` scheme, but Bearer is the one
 * it documents for every kind.
 */
export function authorizeGithub(credentials: Credentials): Record<string, string> {
  return { Authorization: `Bearer ${credentialSecret(credentials)}` };
}
