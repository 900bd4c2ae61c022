// The service account signing key: made on first start under the data dir
// (k3s keeps it as server/tls/service.key) and read back on every later
// start, so that tokens issued before a restart stay valid.
import { generateKeyPairSync, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyIdOf } from './jwt.ts';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Reads the PEM private key at file, or writes a new RSA 2048 key there (mode 0600) first. */
export function ensureSigningKey(file: string): SigningKey {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    renameSync(tmp, file);
  }
  return signingKeyFromPem(readFileSync(file, 'utf8'));
}
