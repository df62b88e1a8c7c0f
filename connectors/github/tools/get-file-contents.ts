import { z } from 'zod';
import { githubTool } from '../tool.js';
import { ToolInputError } from '../../kit/tool.js';
import { defaultBranch, repoInput, requireReadablePath, resolveRepo, visibleEntry } from '../scope.js';
import { inScope } from '../paths.js';
import { decodeBytes, getContents, getRawFile, GhContent, GhDirEntry } from '../contents.js';
import { parseUpstream } from '../upstream.js';

const EntryOut = z.object({ type: z.string(), name: z.string(), path: z.string(), sha: z.string(), size: z.number().int() });

export const getFileContents = githubTool({
  name: 'get_file_contents',
  title: 'Get a file or directory from a GitHub repository',
  description:
    'Reads a path in a repository (GET /repos/{owner}/{repo}/contents/{path}). For a file, returns its decoded text ' +
    '(base64 when it is binary), size and blob sha (the sha is what create_or_update_file needs to update it); files over 1 MB ' +
    'are fetched with the raw media type, up to GitHub\'s 100 MB limit. ' +
    'For a directory, returns its entries (name, path, type, size, sha); a symlink to no file in the repository returns its target, ' +
    'a submodule its URL. owner/repo default to the configured repository; ' +
    'ref (branch, tag or commit sha) defaults to the configured branch, else the repository\'s default branch. ' +
    'With paths configured, only paths under those prefixes can be read (directories above them list only the way there).',
  input: z.strictObject({
    ...repoInput,
    path: z.string().max(4096).default('').describe('Path from the repository root, e.g. "src/index.ts"; empty for the root directory.'),
    ref: z.string().min(1).max(255).optional().describe('Branch, tag or commit sha. Defaults to the configured branch.'),
  }),
  output: z.object({
    repository: z.string(),
    ref: z.string().nullable(),
    type: z.enum(['file', 'dir', 'symlink', 'submodule']),
    path: z.string(),
    file: z
      .object({
        name: z.string(),
        path: z.string(),
        sha: z.string(),
        size: z.number().int(),
        encoding: z.enum(['utf-8', 'base64', 'none']),
        content: z.string().nullable(),
        html_url: z.string().nullable(),
      })
      .optional(),
    target: z.string().optional().describe('A symlink\'s target, or a submodule\'s repository URL.'),
    entries: z.array(EntryOut).optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const { path, filterListing } = requireReadablePath('path', args.path, config);
    const ref = defaultBranch(args.ref, config) ?? null;
    const at = `${repo.full}:${path || '/'}${ref ? ` @ ${ref}` : ''}`;
    const data = await getContents(http, repo, path, ref, signal);
    if (Array.isArray(data)) {
      const entries = parseUpstream(z.array(GhDirEntry), data, 'directory listing')
        .filter((e) => !filterListing || visibleEntry(e.path, config))
        .map((e) => ({ type: e.type, name: e.name, path: e.path, sha: e.sha, size: e.size }));
      const lines = entries.map((e) => `- ${e.type === 'dir' ? `${e.name}/` : e.name}`).join('\n');
      return {
        text: `${at} — ${entries.length} entries${entries.length ? `:\n${lines}` : ''}`,
        structured: { repository: repo.full, ref, type: 'dir' as const, path, entries },
      };
    }
    const c = parseUpstream(GhContent, data, 'file');
    // GitHub follows a symlink to the file it points at and answers with that file: its path must
    // be in scope too, or a link under src/ would read secrets/.
    if (!inScope(c.path, config.paths)) {
      throw new ToolInputError(`path: ${path} leads to ${c.path}, which is outside the paths this configuration allows`);
    }
    const meta = { name: c.name, path: c.path, sha: c.sha, size: c.size, html_url: c.html_url ?? null };
    if (c.type !== 'file') {
      const target = c.type === 'symlink' ? c.target : c.submodule_git_url;
      return {
        text: `${at} is a ${c.type} → ${target}`,
        structured: { repository: repo.full, ref, type: c.type, path: c.path, file: { ...meta, encoding: 'none' as const, content: null }, target },
      };
    }
    // Files over 1 MB come back with encoding "none" and empty content: their bytes need the raw media type.
    const bytes =
      c.encoding === 'base64' ? Buffer.from(c.content.replace(/\s+/g, ''), 'base64') : c.size > 0 ? await getRawFile(http, repo, c.path, ref, signal) : Buffer.alloc(0);
    const decoded = decodeBytes(bytes);
    const body = decoded.encoding === 'base64' ? `(binary, ${bytes.length} bytes, base64 in structured content)` : decoded.content;
    return {
      text: `${repo.full}:${c.path}${ref ? ` @ ${ref}` : ''} (sha ${c.sha})\n${body}`,
      structured: { repository: repo.full, ref, type: 'file' as const, path: c.path, file: { ...meta, ...decoded } },
    };
  },
});
