/**
 * Scoping JQL to the configured project. JQL has quoted strings ("..." and '...', with backslash
 * escapes), so the clause and ORDER BY detection below skips over them rather than matching inside.
 */

interface Split {
  where: string;
  orderBy: string | undefined;
}

/** Splits off a trailing `ORDER BY …` that sits outside quotes. */
export function splitOrderBy(jql: string): Split {
  const masked = maskQuoted(jql);
  const m = /\border\s+by\b/i.exec(masked);
  if (!m) return { where: jql.trim(), orderBy: undefined };
  return { where: jql.slice(0, m.index).trim(), orderBy: jql.slice(m.index).trim() };
}

/** True when the query already names a project (`project = X`, `project in (...)`, `project != X`…). */
export function hasProjectClause(jql: string): boolean {
  return /(^|[\s(])project\s*(=|!=|~|!~|\bin\b|\bnot\s+in\b|\bis\b)/i.test(maskQuoted(jql));
}

/**
 * The JQL actually sent. Jira refuses unbounded queries on /search/jql, so an empty query needs a
 * project; the caller checks that before calling.
 */
export function scopeJql(jql: string, projectKey: string | undefined): string {
  const trimmed = jql.trim();
  if (projectKey === undefined || hasProjectClause(trimmed)) {
    return trimmed;
  }
  const { where, orderBy } = splitOrderBy(trimmed);
  const scoped = where === '' ? `project = ${projectKey}` : `project = ${projectKey} AND (${where})`;
  const order = orderBy ?? (where === '' ? 'ORDER BY updated DESC' : undefined);
  return order ? `${scoped} ${order}` : scoped;
}

/** Same length as the input, with the inside of quoted strings replaced by spaces. */
function maskQuoted(s: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    if (quote) {
      if (ch === '\\') {
        out += i + 1 < s.length ? '  ' : ' ';
        i++;
        continue;
      }
      if (ch === quote) {
        quote = undefined;
        out += ch;
      } else {
        out += ' ';
      }
    } else {
      if (ch === '"' || ch === "'") quote = ch;
      out += ch;
    }
  }
  return out;
}
