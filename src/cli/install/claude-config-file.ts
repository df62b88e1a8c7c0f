import { isDeepStrictEqual } from 'node:util';
import { copyFile, chmod, constants, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { writeFileAtomic } from '../../store/file-io.js';
import type { DesktopEntry } from './desktop-entry.js';

/**
 * Only the parts of Claude Desktop's file that we touch are checked; everything else (other
 * servers, preferences, keys a later Claude adds) is kept exactly as it was.
 */
const ClaudeConfigShape = z.looseObject({
  mcpServers: z.record(z.string(), z.unknown()).optional(),
});

export interface InstallResult {
  configFile: string;
  serverName: string;
  /** False when the entry was already exactly this one: nothing was written, no backup made. */
  changed: boolean;
  created: boolean;
  backupFile?: string;
}

/** `file: rule` errors never quote the file: other servers' entries may hold their tokens. */
function malformed(file: string, rule: string, param = 'config_file'): ValidationError {
  return new ValidationError(`${file}: ${rule}; fix or move the file, it was left unchanged`, param, 'invalid_config_file');
}

async function readExisting(file: string): Promise<{ text: string; mode: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { text, mode: st.mode & 0o777 };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ValidationError(`${file}: cannot read it (${code ?? 'read error'})`, 'config_file', 'config_file_unreadable');
  }
}

export function parseClaudeConfig(file: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    // Editors on Windows like to start files with a byte order mark; JSON.parse does not.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw malformed(file, `is not valid JSON (${e instanceof SyntaxError ? e.message : 'parse error'})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(file, 'must hold a JSON object');
  const r = ClaudeConfigShape.safeParse(value);
  if (!r.success) throw malformed(file, 'mcpServers must be a JSON object (server name → entry)', 'mcpServers');
  return value as Record<string, unknown>;
}

/** `<file>.backup-2026-12-05T07-30-00-123Z`: sorts by time, valid on every file system. */
export function backupName(file: string, now: Date): string {
  return `${file}.backup-${now.toISOString().replace(/:/g, '-')}`;
}

/**
 * Puts `entry` under mcpServers[serverName] of Claude Desktop's configuration file: creates the
 * file (and folder) when missing, refuses a file it cannot parse, changes nothing when the entry is
 * already there as given, and otherwise copies the old file aside (timestamped) before replacing it
 * atomically, keeping its permission bits.
 */
export async function installEntry(file: string, serverName: string, entry: DesktopEntry, now: () => Date = () => new Date()): Promise<InstallResult> {
  const existing = await readExisting(file);
  const config = existing ? parseClaudeConfig(file, existing.text) : {};
  const servers = (config.mcpServers ?? {}) as Record<string, unknown>;
  if (existing && isDeepStrictEqual(servers[serverName], entry)) return { configFile: file, serverName, changed: false, created: false };

  const next = { ...config, mcpServers: { ...servers, [serverName]: entry } };
  let backupFile: string | undefined;
  if (existing) {
    backupFile = await backup(file, now());
  } else {
    await mkdir(dirname(file), { recursive: true });
  }
  // A new file is private: the entries other tools add to it often carry tokens.
  await writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n', { mode: existing?.mode ?? 0o600, fsync: true });
  return { configFile: file, serverName, changed: true, created: !existing, ...(backupFile ? { backupFile } : {}) };
}

async function backup(file: string, at: Date): Promise<string> {
  // Two installs in the same millisecond must not overwrite the first backup: COPYFILE_EXCL.
  for (let n = 0; ; n++) {
    const target = n === 0 ? backupName(file, at) : `${backupName(file, at)}-${n}`;
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      // The copy may hold other servers' tokens: readable by its owner only.
      await chmod(target, 0o600);
      return target;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw e;
    }
  }
}
