import { z } from 'zod';
import { githubTool } from '../tool.js';
import { defaultBranch, repoInput, requireReadablePath, resolveRepo, visibleEntry } from '../scope.js';
import { encodePath } from '../paths.js';
import { parseUpstream } from '../upstream.js';

const GhEntry = z.object({
  type: z.string(),
  name: z.string(),
  path: z.string(),
  sha: z.string(),
  size: z.number().int().default(0),
  html_url: z.string().nullable().optional(),
});
const GhFile = GhEntry.extend({ content: z.string().optional(), encoding: z.string().optional() });

const EntryOut = z.object({ type: z.string(), name: z.string(), path: z.string(), sha: z.string(), size: z.number().int() });

/** Text when the bytes are valid UTF-8 without NULs; otherwise base64, so binary survives intact. */
function decodeContent(b64: string): { content: string; encoding: 'utf-8' | 'base64' } {
  const bytes = Buffer.from(b64.replace(/\s+/g, ''), 'base64');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (!text.includes('\0')) return { content: text, encoding: 'utf-8' };
  } catch {
    // Not UTF-8: fall through to base64.
  }
  return { content: bytes.toString('base64'), encoding: 'base64' };
}

export const getFileContents = githubTool({
  name: 'get_file_contents',
  title: 'Get a file or directory from a GitHub repository',
  description:
    'Reads a path in a repository (GET /repos/{owner}/{repo}/contents/{path}). For a file, returns its decoded text ' +
    '(base64 when it is binary), size and blob sha (the sha is what create_or_update_file needs to update it). ' +
    'For a directory, returns its entries (name, path, type, size, sha). owner/repo default to the configured repository; ' +
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
    type: z.enum(['file', 'dir']),
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
    entries: z.array(EntryOut).optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { http, config, signal }) {
    const repo = resolveRepo(args, config);
    const { path, filterListing } = requireReadablePath('path', args.path, config);
    const ref = defaultBranch(args.ref, config) ?? null;
    const res = await http.request({
      method: 'GET',
      path: `${repo.base}/contents${path ? `/${encodePath(path)}` : ''}`,
      query: { ref: ref ?? undefined },
      signal,
    });
    if (Array.isArray(res.data)) {
      const entries = parseUpstream(z.array(GhEntry), res.data, 'directory listing')
        .filter((e) => !filterListing || visibleEntry(e.path, config))
        .map((e) => ({ type: e.type, name: e.name, path: e.path, sha: e.sha, size: e.size }));
      const lines = entries.map((e) => `- ${e.type === 'dir' ? `${e.name}/` : e.name}`).join('\n');
      return {
        text: `${repo.full}:${path || '/'}${ref ? ` @ ${ref}` : ''} — ${entries.length} entries${entries.length ? `:\n${lines}` : ''}`,
        structured: { repository: repo.full, ref, type: 'dir' as const, path, entries },
      };
    }
    const f = parseUpstream(GhFile, res.data, 'file');
    // Files over 1 MB come back with encoding "none" and no content (GitHub's documented limit).
    const decoded = f.content !== undefined && f.encoding === 'base64' ? decodeContent(f.content) : null;
    const file = {
      name: f.name,
      path: f.path,
      sha: f.sha,
      size: f.size,
      encoding: decoded ? decoded.encoding : ('none' as const),
      content: decoded ? decoded.content : null,
      html_url: f.html_url ?? null,
    };
    const body = !decoded
      ? `(${f.type}, ${f.size} bytes: content not returned by GitHub; files over 1 MB need the raw media type)`
      : decoded.encoding === 'base64'
        ? `(binary, ${f.size} bytes, base64 in structured content)`
        : decoded.content;
    return {
      text: `${repo.full}:${f.path}${ref ? ` @ ${ref}` : ''} (sha ${f.sha})\n${body}`,
      structured: { repository: repo.full, ref, type: 'file' as const, path: f.path, file },
    };
  },
});
