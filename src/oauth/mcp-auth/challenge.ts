/**
 * The `WWW-Authenticate: Bearer …` challenge of a protected MCP server (RFC 6750 §3, RFC 9728 §5.1):
 * where its protected resource metadata is (`resource_metadata`), which scopes it wants (`scope`),
 * and why it refused (`error`, e.g. `insufficient_scope` for step-up).
 */
export interface BearerChallenge {
  resourceMetadata?: string;
  scope?: string;
  error?: string;
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/;

/**
 * Parses the auth-params of the Bearer challenge; other schemes in the same header are skipped.
 * Written by hand because it is a small grammar (RFC 9110 §11.6.1) and no kept library exposes it
 * apart from openid-client's private parser.
 */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header) return undefined;
  let rest = header;
  let scheme: string | undefined;
  let found: BearerChallenge | undefined;
  while (rest.length) {
    rest = rest.replace(/^[\s,]+/, '');
    const tok = TOKEN.exec(rest)?.[0];
    if (!tok) break;
    rest = rest.slice(tok.length);
    const afterSpace = rest.replace(/^\s+/, '');
    if (afterSpace.startsWith('=') && !/^=\s*[=,]/.test(afterSpace) && scheme !== undefined) {
      // key=value (token or quoted string)
      rest = afterSpace.slice(1).replace(/^\s+/, '');
      let value: string;
      if (rest.startsWith('"')) {
        let i = 1;
        value = '';
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === '\\' && i + 1 < rest.length) i++;
          value += rest[i];
          i++;
        }
        rest = rest.slice(i + 1);
      } else {
        value = /^[^\s,]*/.exec(rest)?.[0] ?? '';
        rest = rest.slice(value.length);
      }
      if (scheme === 'bearer' && found) {
        const key = tok.toLowerCase();
        if (key === 'resource_metadata') found.resourceMetadata = value;
        else if (key === 'scope') found.scope = value;
        else if (key === 'error') found.error = value;
      }
      continue;
    }
    if (afterSpace.startsWith('=')) {
      // token68 of another scheme (e.g. Basic abc==): skip it
      rest = afterSpace.replace(/^=+/, '');
      continue;
    }
    scheme = tok.toLowerCase();
    if (scheme === 'bearer' && !found) found = {};
    rest = afterSpace;
  }
  return found;
}
