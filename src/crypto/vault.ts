import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sealed } from '../domain/configuration.js';
import { CredentialsSchema, type Credentials } from '../domain/credentials.js';
import { CREDENTIALS_UNREADABLE, StorageError, ValidationError } from '../domain/errors.js';
import type { KeyRing } from './keyring.js';

import type { SealBinding } from '../domain/sealing.js';

export type { SealBinding } from '../domain/sealing.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Ids never contain a newline (see domain/ids.ts), so this encoding of the pair is unambiguous. */
function associatedData(b: SealBinding): Buffer {
  return Buffer.from(`connector-gateway/credentials/v1\n${b.configurationId}\n${b.organizationId}`, 'utf8');
}

/** A different prefix from credentials' own: a credentials blob never opens as another kind of secret, nor the reverse. */
function otherData(purpose: string, id: string): Buffer {
  return Buffer.from(`connector-gateway/${purpose}/v1\n${id}`, 'utf8');
}

export interface VaultOptions {
  /**
   * Called when a blob names a key this ring lacks: another process rotated the key file. Returns
   * the ring re-read from its source, or undefined when it cannot change (keys from the environment).
   */
  reload?: () => KeyRing | undefined;
}

/**
 * Seals credentials with AES-256-GCM under the ring's primary key (random 96-bit nonce per seal, the
 * record's ids as associated data) and opens them under whichever key sealed them.
 */
export class Vault {
  #ring: KeyRing;
  readonly #reload: (() => KeyRing | undefined) | undefined;

  constructor(ring: KeyRing, opts: VaultOptions = {}) {
    this.#ring = ring;
    this.#reload = opts.reload;
  }

  get ring(): KeyRing {
    return this.#ring;
  }

  get primaryKeyId(): string {
    return this.#ring.primary.kid;
  }

  /** After a rotation in this process. */
  setKeyRing(ring: KeyRing): void {
    this.#ring = ring;
  }

  seal(credentials: Credentials, binding: SealBinding): Sealed {
    const parsed = CredentialsSchema.safeParse(credentials);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ['credentials', ...(issue?.path.map(String) ?? [])].join('.');
      throw new ValidationError(`${field}: ${issue?.message ?? 'invalid'}`, field);
    }
    return this.#sealBytes(JSON.stringify(parsed.data), associatedData(binding));
  }

  /**
   * Seals any other secret the gateway keeps for a while (a pending OAuth flow's PKCE verifier):
   * `purpose` and `id` are the associated data, so a blob opens only for the record it was sealed for.
   */
  sealText(text: string, purpose: string, id: string): Sealed {
    return this.#sealBytes(text, otherData(purpose, id));
  }

  /** Opens what `sealText` sealed; throws StorageError when the key is missing or the blob was altered or moved. */
  openText(sealed: Sealed, purpose: string, id: string): string {
    const key = this.#keyFor(sealed);
    if (!key) throw new StorageError(`cannot open the ${purpose} ${id}: it was sealed with key ${sealed.kid}, which is not in the key ring (${this.#ring.kids.join(', ')})`, CREDENTIALS_UNREADABLE);
    try {
      return this.#decrypt(sealed, key, otherData(purpose, id));
    } catch {
      throw new StorageError(`cannot open the ${purpose} ${id}: authentication failed under key ${sealed.kid}`, CREDENTIALS_UNREADABLE);
    }
  }

  #sealBytes(text: string, aad: Buffer): Sealed {
    const { kid, key } = this.#ring.primary;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return { kid, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  #keyFor(sealed: Sealed): Buffer | undefined {
    let key = this.#ring.get(sealed.kid);
    if (!key && this.#reload) {
      const fresh = this.#reload();
      if (fresh) {
        this.#ring = fresh;
        key = fresh.get(sealed.kid);
      }
    }
    return key;
  }

  #decrypt(sealed: Sealed, key: Buffer, aad: Buffer): string {
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad iv or tag length');
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  }

  open(sealed: Sealed, binding: SealBinding): Credentials {
    const id = binding.configurationId;
    const key = this.#keyFor(sealed);
    if (!key) {
      throw new StorageError(
        `cannot open the credentials of configuration ${id}: they were sealed with key ${sealed.kid}, which is not in the key ring (${this.#ring.kids.join(', ')}); is CONNECTOR_GATEWAY_KEY (or the key file) the one this data was written with? If the key is lost, set the credentials again`,
        CREDENTIALS_UNREADABLE,
      );
    }
    let plain: string;
    try {
      plain = this.#decrypt(sealed, key, associatedData(binding));
    } catch {
      throw new StorageError(
        `cannot open the credentials of configuration ${id}: authentication failed under key ${sealed.kid}. The sealed blob was altered, copied from another configuration or organization, or sealed with a different key of the same id; set the credentials again`,
        CREDENTIALS_UNREADABLE,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(plain);
    } catch {
      value = undefined;
    }
    const parsed = CredentialsSchema.safeParse(value);
    if (!parsed.success) {
      throw new StorageError(`the credentials of configuration ${id} opened but are not valid credentials; set them again`, CREDENTIALS_UNREADABLE);
    }
    return parsed.data;
  }

  /** True when the blob is not under the primary key: `resealAll` should rewrite it. */
  needsReseal(sealed: Sealed): boolean {
    return sealed.kid !== this.#ring.primary.kid;
  }
}
