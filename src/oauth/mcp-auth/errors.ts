import { ValidationError } from '../../domain/errors.js';

/**
 * A metadata document, registration or token answer that cannot be used: names the document and
 * what was wrong with it. A 400-class error, because the cause is the remote server's setup (or the
 * endpoint the user typed), not a passing fault.
 */
export function metadataError(what: string, field: string, problem: string): ValidationError {
  return new ValidationError(`${what}: ${problem}`, field, 'oauth_metadata_invalid');
}

/** The first zod issue as "field: message", for messages that name what was wrong. */
export function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.');
  return `${path ? path + ' ' : ''}${issue?.message ?? 'invalid'}`;
}
