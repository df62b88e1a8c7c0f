import { z } from 'zod';
import { ToolInputError } from '../../kit/tool.js';
import { clickupTool, READ_ONLY } from '../tool.js';
import { numericId } from '../params.js';
import { FoldersResponseSchema, ListsResponseSchema, parseUpstream, taskCount, type UpstreamList } from '../shapes.js';

const ListOut = z.object({
  id: z.string(),
  name: z.string(),
  folder: z.object({ id: z.string(), name: z.string() }).nullable().describe('null for a list directly in its space'),
  space_id: z.string().nullable(),
  task_count: z.number().nullable(),
  archived: z.boolean(),
});
type ListOut = z.infer<typeof ListOut>;

function toListOut(l: UpstreamList, folder?: { id: string; name: string }): ListOut {
  // ClickUp reports folderless lists inside a hidden placeholder folder; that is no folder to a person.
  const f = folder ?? (l.folder && !l.folder.hidden ? { id: l.folder.id, name: l.folder.name } : null);
  return { id: l.id, name: l.name, folder: f, space_id: l.space?.id ?? null, task_count: taskCount(l.task_count), archived: l.archived };
}

export const listLists = clickupTool({
  name: 'list_lists',
  title: 'List ClickUp lists',
  description:
    'Lists the ClickUp lists of a space (the lists directly in the space and those inside its folders) or of one folder. ' +
    'Give exactly one of space_id or folder_id. Returns each list with its id, folder and task count; use an id as list_id ' +
    'for list_tasks and create_task.',
  input: z.strictObject({
    space_id: numericId('space').optional().describe('Space whose lists (folderless and in folders) to list'),
    folder_id: numericId('folder').optional().describe('Folder whose lists to list'),
    include_archived: z.boolean().optional().describe('Include archived lists (default false)'),
  }),
  output: z.object({ lists: z.array(ListOut) }),
  annotations: READ_ONLY,
  async run(args, { http, signal }) {
    if ((args.space_id === undefined) === (args.folder_id === undefined)) {
      throw new ToolInputError('list_lists: give exactly one of space_id or folder_id');
    }
    const archived = args.include_archived ?? false;
    let lists: ListOut[];
    let where: string;
    if (args.folder_id !== undefined) {
      const res = await http.request({ method: 'GET', path: `/folder/${args.folder_id}/list`, query: { archived }, signal });
      lists = parseUpstream(ListsResponseSchema, res.data, 'list list').lists.map((l) => toListOut(l));
      where = `in folder ${args.folder_id}`;
    } else {
      const space = args.space_id as string;
      // Two reads: ClickUp serves folderless lists and folders (with their lists) separately.
      const [direct, folders] = await Promise.all([
        http.request({ method: 'GET', path: `/space/${space}/list`, query: { archived }, signal }),
        http.request({ method: 'GET', path: `/space/${space}/folder`, query: { archived }, signal }),
      ]);
      lists = parseUpstream(ListsResponseSchema, direct.data, 'list list').lists.map((l) => toListOut(l));
      for (const f of parseUpstream(FoldersResponseSchema, folders.data, 'folder list').folders) {
        lists.push(...f.lists.map((l) => toListOut(l, { id: f.id, name: f.name })));
      }
      where = `in space ${space}`;
    }
    const lines = lists.map((l) => `- ${l.folder ? `${l.folder.name} / ` : ''}${l.name} (id ${l.id}${l.task_count === null ? '' : `, ${l.task_count} tasks`})`);
    return { text: [`${lists.length} list(s) ${where}`, ...lines].join('\n'), structured: { lists } };
  },
});
