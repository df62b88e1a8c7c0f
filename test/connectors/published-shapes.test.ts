/**
 * Jira Cloud's OpenAPI and Microsoft Graph's metadata leave most response fields optional or
 * nullable. A body that is valid by the published schema must be read (missing names as null),
 * not refused as a protocol error.
 */
import { describe, expect, it } from 'vitest';
import { JiraConfigSchema } from '../../connectors/jira/config.js';
import { presentIssue } from '../../connectors/jira/present.js';
import { JiraIssueSchema, JiraTransitionsSchema } from '../../connectors/jira/upstream.js';
import { GraphChatMessageSchema, toMessage } from '../../connectors/teams/messages.js';

describe('Jira bodies valid by the published schema', () => {
  it('an issue whose status, type, priority and project carry ids but no names is read with nulls', () => {
    const parsed = JiraIssueSchema.safeParse({
      id: '10001',
      key: 'PROJ-1',
      fields: { summary: 'x', status: { id: '3' }, issuetype: { id: '10002' }, priority: { id: '2' }, project: { id: '10000' } },
    });
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    const config = JiraConfigSchema.parse({ site_url: 'https://acme.atlassian.net' });
    expect(presentIssue(parsed.data!, config)).toMatchObject({ key: 'PROJ-1', status: null, issue_type: null, priority: null, project_key: null });
  });

  it('a transition without a name (optional in IssueTransition) is read, named by its id', () => {
    const parsed = JiraTransitionsSchema.safeParse({ transitions: [{ id: '31', to: { id: '3' } }] });
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  });
});

describe('Microsoft Graph bodies valid by the published schema', () => {
  it('a chatMessage whose body has a null contentType (itemBody allows it) is read as text', () => {
    const parsed = GraphChatMessageSchema.safeParse({ id: '1', body: { contentType: null, content: 'plain words' } });
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    expect(toMessage(parsed.data!)).toMatchObject({ text: 'plain words', body: { contentType: 'text', content: 'plain words' } });
  });
});
