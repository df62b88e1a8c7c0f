import { z } from 'zod';
import type { HttpClient } from '../../../src/http/types.js';
import { defineTool, ToolInputError, type ToolContext } from '../../kit/tool.js';
import { issueKeyArg } from '../args.js';
import type { JiraConfig } from '../config.js';
import { JiraTransitionsSchema, parseUpstream, type JiraTransition } from '../upstream.js';

const TransitionOut = z.object({ id: z.string(), name: z.string(), to_status: z.string().nullable(), to_status_category: z.string().nullable() });

function presentTransition(t: JiraTransition): z.infer<typeof TransitionOut> {
  return { id: t.id, name: t.name ?? t.id, to_status: t.to?.name ?? null, to_status_category: t.to?.statusCategory?.name ?? null };
}

async function fetchTransitions(http: HttpClient, key: string, signal: AbortSignal): Promise<JiraTransition[]> {
  const res = await http.request({ method: 'GET', path: `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, signal });
  return parseUpstream(JiraTransitionsSchema, res.data, 'GET /rest/api/3/issue/{key}/transitions').transitions;
}

export const listTransitions = defineTool({
  name: 'list_transitions',
  title: 'List an issue\'s workflow transitions',
  description:
    'Lists the workflow transitions the current user can perform on an issue now (GET /rest/api/3/issue/{key}/transitions). ' +
    'Returns each transition\'s id, name and target status, for use with transition_issue.',
  input: z.strictObject({ key: issueKeyArg }),
  output: z.object({ key: z.string(), transitions: z.array(TransitionOut) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, signal }: ToolContext<JiraConfig>) {
    const transitions = (await fetchTransitions(http, args.key, signal)).map(presentTransition);
    const lines = transitions.map((t) => `- ${t.id}: ${t.name} → ${t.to_status ?? '?'}`);
    return {
      text: transitions.length === 0 ? `No transitions available for ${args.key}` : [`Transitions for ${args.key}:`, ...lines].join('\n'),
      structured: { key: args.key, transitions },
    };
  },
});

export const transitionIssue = defineTool({
  name: 'transition_issue',
  title: 'Move a Jira issue through its workflow',
  description:
    'Changes an issue\'s status by performing a workflow transition (POST /rest/api/3/issue/{key}/transitions). ' +
    '`transition` is a transition id (digits, sent as is) or a name: a transition name or target status name, matched ' +
    'case-insensitively against the issue\'s available transitions (one GET …/transitions first). Returns the transition performed.',
  input: z.strictObject({
    key: issueKeyArg,
    transition: z.string().trim().min(1).max(255).describe('Transition id (e.g. "31") or name (e.g. "Done", "In Progress").'),
  }),
  output: z.object({ key: z.string(), transition_id: z.string(), transition_name: z.string().nullable(), to_status: z.string().nullable() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { http, signal }: ToolContext<JiraConfig>) {
    let chosen: z.infer<typeof TransitionOut> | undefined;
    if (/^\d+$/.test(args.transition)) {
      chosen = { id: args.transition, name: args.transition, to_status: null, to_status_category: null };
    } else {
      const available = (await fetchTransitions(http, args.key, signal)).map(presentTransition);
      const wanted = args.transition.toLowerCase();
      chosen = available.find((t) => t.name.toLowerCase() === wanted) ?? available.find((t) => t.to_status?.toLowerCase() === wanted);
      if (!chosen) {
        const names = available.map((t) => `${t.name} (${t.id})`).join(', ') || 'none';
        throw new ToolInputError(`${args.key} has no transition named "${args.transition}"; available: ${names}`);
      }
    }
    // 204 No Content on success; 400 names an id that is not valid for this issue's current status.
    await http.request({ method: 'POST', path: `/rest/api/3/issue/${encodeURIComponent(args.key)}/transitions`, json: { transition: { id: chosen.id } }, responseType: 'text', signal });
    const named = chosen.name !== chosen.id;
    return {
      text: `Transitioned ${args.key} with ${named ? `"${chosen.name}" (${chosen.id})` : `transition ${chosen.id}`}${chosen.to_status ? ` → ${chosen.to_status}` : ''}`,
      structured: { key: args.key, transition_id: chosen.id, transition_name: named ? chosen.name : null, to_status: chosen.to_status },
    };
  },
});
