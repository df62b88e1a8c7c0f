import type { HttpClient } from '../../src/http/types.js';
import { ToolInputError } from '../kit/tool.js';
import { JiraUserListSchema, parseUpstream } from './upstream.js';

// Email → accountId lookups are stable for a session's lifetime; one per client avoids a lookup per call.
const cache = new WeakMap<HttpClient, Map<string, string>>();

/**
 * Jira's write APIs take accountIds only (GDPR: no usernames). An email is resolved through
 * /user/search, which matches on email even when the profile hides it from the response.
 */
export async function resolveAccountId(http: HttpClient, ref: string, signal: AbortSignal): Promise<string> {
  if (!ref.includes('@')) return ref;
  const email = ref.toLowerCase();
  let perClient = cache.get(http);
  const hit = perClient?.get(email);
  if (hit !== undefined) return hit;
  const res = await http.request({ method: 'GET', path: '/rest/api/3/user/search', query: { query: ref, maxResults: 10 }, signal });
  const users = parseUpstream(JiraUserListSchema, res.data, 'GET /rest/api/3/user/search').filter((u) => u.active !== false);
  const exact = users.filter((u) => u.emailAddress?.toLowerCase() === email);
  const match = exact.length === 1 ? exact[0] : users.length === 1 ? users[0] : undefined;
  if (!match) {
    throw new ToolInputError(
      users.length === 0 ? `No active Jira user matches the email ${ref}` : `The email ${ref} matches ${users.length} Jira users; pass the accountId instead`,
    );
  }
  if (!perClient) {
    perClient = new Map();
    cache.set(http, perClient);
  }
  perClient.set(email, match.accountId);
  return match.accountId;
}
