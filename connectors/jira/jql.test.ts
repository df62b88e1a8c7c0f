import { describe, expect, it } from 'vitest';
import { hasProjectClause, scopeJql, splitOrderBy } from './jql.js';

describe('scopeJql', () => {
  it.each([
    ['', 'project = PROJ ORDER BY updated DESC'],
    ['  ', 'project = PROJ ORDER BY updated DESC'],
    ['status = Done', 'project = PROJ AND (status = Done)'],
    ['status = Done OR assignee = currentUser() order by created', 'project = PROJ AND (status = Done OR assignee = currentUser()) order by created'],
    ['ORDER BY priority DESC', 'project = PROJ ORDER BY priority DESC'],
    ['summary ~ "order by project = X"', 'project = PROJ AND (summary ~ "order by project = X")'],
    ['project = OPS AND status = Done', 'project = OPS AND status = Done'],
    ['(project in (OPS, WEB))', '(project in (OPS, WEB))'],
    ['Project != OPS', 'Project != OPS'],
    ['projectType = software', 'project = PROJ AND (projectType = software)'],
  ])('%j → %j', (jql, expected) => {
    expect(scopeJql(jql, 'PROJ')).toBe(expected);
  });

  it('leaves the query alone without a project key', () => {
    expect(scopeJql(' status = Done ', undefined)).toBe('status = Done');
  });

  it('finds ORDER BY and project clauses only outside quotes', () => {
    expect(splitOrderBy("text ~ 'a \\' order by b'")).toEqual({ where: "text ~ 'a \\' order by b'", orderBy: undefined });
    expect(hasProjectClause('summary ~ "project = X"')).toBe(false);
    expect(hasProjectClause('status = Done and project not in (A)')).toBe(true);
  });
});
