import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../domain/ids.js';

/** Secrets look like `cgw_` + 40 base62 characters (~238 bits): recognisable in logs and by scanners. */
export const API_KEY_SECRET_PREFIX = 'cgw_';
export const API_KEY_SECRET_RE = /^cgw_[A-Za-z0-9]{40}$/;
/** How much of a secret is kept in clear to recognise a key in a list: the marker plus 4 characters. */
const SHOWN_PREFIX_LENGTH = API_KEY_SECRET_PREFIX.length + 4;

export function generateApiKeySecret(): string {
  return API_KEY_SECRET_PREFIX + randomToken(40);
}

/** sha256, hex. A fast hash is enough: the secret has 238 bits of entropy, nothing to brute-force. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function apiKeySecretPrefix(secret: string): string {
  return secret.slice(0, SHOWN_PREFIX_LENGTH);
}

export function looksLikeApiKeySecret(token: string): boolean {
  return API_KEY_SECRET_RE.test(token);
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}
