export { KeyRing, keyIdOf, generateKey, KEY_BYTES, type RingKey } from './keyring.js';
export { Vault, type SealBinding, type VaultOptions } from './vault.js';
export { assertEnvRotatable, initKeyFile, loadKeyRing, rotateKeyRing, parseEnvKeys, parseKey, KEY_ENV, type LoadedKeyRing, type RotatedKeyRing } from './load.js';
export { keyFilePath } from './key-file.js';
export { resealAll, type ResealReport } from './reseal.js';
export { SealGuard, guardVault, type GuardedVault, type SealGuardOptions } from './seal-guard.js';
export { rotateStoredCredentials, adoptNewKey } from './rotation.js';
