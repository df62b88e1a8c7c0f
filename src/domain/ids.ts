import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Prefixes of the ids this project mints. The spec fixes `pconf_`; the others follow its style. */
export const ID_PREFIX = {
  configuration: 'pconf_',
  connector: 'pc_',
  user: 'usr_',
  organization: 'org_',
  apiKey: 'key_',
  audit: 'evt_',
} as const;

export const CONFIGURATION_ID_RE = /^pconf_[A-Za-z0-9]+$/;
export const CONNECTOR_ID_RE = /^pc_[a-z0-9_]+$/;
/** Owner ids come from outside (OIDC claims, the CLI): printable, bounded, no separators we use. */
export const OWNER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,127}$/;

/** 24 base62 characters: ~143 bits, enough that collisions never matter. Rejection sampling keeps it unbiased. */
export function randomToken(length = 24): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function newId(prefix: string): string {
  return prefix + randomToken(24);
}
