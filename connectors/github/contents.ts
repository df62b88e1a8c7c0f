import { z } from 'zod';
import { UpstreamError } from '../../src/domain/errors.js';
import type { HttpClient } from '../../src/http/types.js';
import { ToolInputError } from '../kit/tool.js';
import { encodePath } from './paths.js';
import type { RepoRef } from './scope.js';

/**
 * The contents API's answers (GitHub's `content-directory`, `content-file`, `content-symlink` and
 * `content-submodule` schemas), reduced to the fields the tool returns. `html_url` may be null
 * (a submodule hosted elsewhere).
 */
const common = {
  name: z.string(),
  path: z.string(),
  sha: z.string(),
  size: z.number().int(),
  html_url: z.string().nullable().optional(),
};
export const GhDirEntry = z.object({ type: z.enum(['dir', 'file', 'submodule', 'symlink']), ...common });
export const GhContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), ...common, content: z.string(), encoding: z.string() }),
  z.object({ type: z.literal('symlink'), ...common, target: z.string() }),
  z.object({ type: z.literal('submodule'), ...common, submodule_git_url: z.string() }),
]);
export type GhContent = z.infer<typeof GhContent>;

/** Text when the bytes are valid UTF-8 without NULs; otherwise base64, so binary survives intact. */
export function decodeBytes(bytes: Buffer): { content: string; encoding: 'utf-8' | 'base64' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (!text.includes('\0')) return { content: text, encoding: 'utf-8' };
  } catch {
    // Not UTF-8: fall through to base64.
  }
  return { content: bytes.toString('base64'), encoding: 'base64' };
}

export function contentsPath(repo: RepoRef, path: string): string {
  return `${repo.base}/contents${path ? `/${encodePath(path)}` : ''}`;
}

/** GitHub's answer for a blob the contents API does not serve (over 100 MB): 403 with `too_large`. */
function tooLarge(e: unknown): boolean {
  return e instanceof UpstreamError && e.upstreamStatus === 403 && /too_large/.test(e.message);
}

/**
 * Reads the metadata (a directory listing, or one file, symlink or submodule). A blob over 100 MB
 * is a refusal of this request, not a credentials problem, so it is reported as such.
 */
export async function getContents(http: HttpClient, repo: RepoRef, path: string, ref: string | null, signal: AbortSignal): Promise<unknown> {
  try {
    const res = await http.request({ method: 'GET', path: contentsPath(repo, path), query: { ref: ref ?? undefined }, signal });
    return res.data;
  } catch (e) {
    if (tooLarge(e)) throw new ToolInputError(`path: ${path} is too large for GitHub's contents API (over 100 MB); clone the repository to read it`);
    throw e;
  }
}

/**
 * The bytes of a file between 1 and 100 MB. GitHub's JSON media type answers those with
 * `encoding: "none"` and an empty `content`; only the raw media type returns the bytes.
 * A body over the gateway's own limit (`limits.upstream_max_bytes`) is refused by the HTTP client
 * with a protocol error on a 200: that is the file's size, not the service failing, so it comes
 * back as this call's refusal.
 */
export async function getRawFile(http: HttpClient, repo: RepoRef, path: string, ref: string | null, signal: AbortSignal): Promise<Buffer> {
  try {
    const res = await http.request<Buffer>({
      method: 'GET',
      path: contentsPath(repo, path),
      query: { ref: ref ?? undefined },
      headers: { Accept: 'application/vnd.github.raw+json' },
      responseType: 'bytes',
      signal,
    });
    return res.data;
  } catch (e) {
    if (e instanceof UpstreamError && e.kind === 'protocol' && e.upstreamStatus === 200) {
      throw new ToolInputError(`path: ${path} is larger than this gateway accepts from a service (limits.upstream_max_bytes): ${e.message}`);
    }
    if (tooLarge(e)) throw new ToolInputError(`path: ${path} is too large for GitHub's contents API (over 100 MB); clone the repository to read it`);
    throw e;
  }
}
