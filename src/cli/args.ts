import { readFile } from 'node:fs/promises';
import { OwnerIdSchema } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { CliIO } from './io.js';

/** commander collector for repeatable options (`--metadata a=1 --metadata b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A JSON flag value; the error names the flag and the field it feeds. */
export function parseJsonFlag(flag: string, text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ValidationError(`${field}: ${flag} is not valid JSON (${e instanceof SyntaxError ? e.message : 'parse error'})`, field);
  }
}

/** `k=v` pairs; with `emptyMeansRemove`, `k=` becomes null (a merge-patch removal). */
export function parseMetadataFlags(pairs: readonly string[] | undefined, emptyMeansRemove = false): Record<string, string | null> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ValidationError(`metadata: --metadata expects key=value, got ${JSON.stringify(p)}`, 'metadata');
    const value = p.slice(eq + 1);
    out[p.slice(0, eq)] = emptyMeansRemove && value === '' ? null : value;
  }
  return out;
}

/** `--credentials JSON` or `--credentials-file FILE|-` (never both: which would win is a guess). */
export async function readCredentialsFlags(io: CliIO, opts: { credentials?: string; credentialsFile?: string }): Promise<unknown> {
  if (opts.credentials !== undefined && opts.credentialsFile !== undefined) {
    throw new ValidationError('credentials: give --credentials or --credentials-file, not both', 'credentials');
  }
  if (opts.credentials !== undefined) return parseJsonFlag('--credentials', opts.credentials, 'credentials');
  if (opts.credentialsFile === undefined) return undefined;
  let text: string;
  try {
    text = opts.credentialsFile === '-' ? await io.readStdin() : await readFile(opts.credentialsFile, 'utf8');
  } catch (e) {
    throw new ValidationError(`credentials: cannot read ${opts.credentialsFile}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`, 'credentials');
  }
  return parseJsonFlag('--credentials-file', text, 'credentials');
}

export interface PrincipalFlags {
  user?: string;
  org?: string;
  apiKeyId?: string;
}

/** The CLI acts as a local principal: flags, else CONNECTOR_GATEWAY_USER/ORG, else usr_local/org_local. */
export function cliPrincipal(flags: PrincipalFlags, env: NodeJS.ProcessEnv): Principal {
  const organization_id = ownerId('organization_id', '--org or CONNECTOR_GATEWAY_ORG', flags.org ?? nonEmpty(env.CONNECTOR_GATEWAY_ORG) ?? 'org_local');
  if (flags.apiKeyId !== undefined) {
    if (flags.user !== undefined) throw new ValidationError('user_id: give --user or --api-key-id, not both', 'user_id');
    return { organization_id, api_key_id: ownerId('api_key_id', '--api-key-id', flags.apiKeyId), via: 'local' };
  }
  return { organization_id, user_id: ownerId('user_id', '--user or CONNECTOR_GATEWAY_USER', flags.user ?? nonEmpty(env.CONNECTOR_GATEWAY_USER) ?? 'usr_local'), via: 'local' };
}

/** Owner ids from flags and the environment follow the same rule as ids arriving over HTTP. */
function ownerId(field: string, source: string, value: string): string {
  const r = OwnerIdSchema.safeParse(value);
  if (!r.success) throw new ValidationError(`${field}: ${r.error.issues[0]?.message ?? 'is invalid'} (from ${source})`, field);
  return r.data;
}

export function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
