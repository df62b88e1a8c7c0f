import { z } from 'zod';
import { defineTool, type ToolContext } from '../../kit/tool.js';
import { textToAdf } from '../adf.js';
import { issueKeyArg } from '../args.js';
import type { JiraConfig } from '../config.js';
import { CommentOut, presentComment } from '../present.js';
import { JiraCommentSchema, parseUpstream } from '../upstream.js';

export const addComment = defineTool({
  name: 'add_comment',
  title: 'Comment on a Jira issue',
  description:
    'Adds a comment to an issue (POST /rest/api/3/issue/{key}/comment). The plain-text body is sent as Atlassian Document ' +
    'Format: blank lines separate paragraphs, single newlines are line breaks. Returns the comment\'s id, author, time and text.',
  input: z.strictObject({
    key: issueKeyArg,
    body: z.string().max(32_000).refine((b) => b.trim() !== '', { error: 'must not be empty' }).describe('Comment text (plain text).'),
  }),
  output: CommentOut.extend({ key: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, signal }: ToolContext<JiraConfig>) {
    const res = await http.request({ method: 'POST', path: `/rest/api/3/issue/${encodeURIComponent(args.key)}/comment`, json: { body: textToAdf(args.body) }, signal });
    const comment = presentComment(parseUpstream(JiraCommentSchema, res.data, 'POST /rest/api/3/issue/{key}/comment'));
    return { text: `Commented on ${args.key} (comment ${comment.id})`, structured: { key: args.key, ...comment } };
  },
});
