import { createHash, randomBytes } from 'node:crypto';

/** Every key starts with this, so leaked keys are easy to spot (secret scanners, logs). */
export const API_KEY_PREFIX = 'kg_';
/** Characters of a key kept in clear (`prefix` column) to tell keys apart in listings. */
const SHOWN_CHARACTERS = 10;

export interface GeneratedApiKey {
  /** The secret: shown once, never stored. */
  key: string;
  /** `kg_` and the first characters of the secret, stored to recognise the key. */
  prefix: string;
  /** What is stored and looked up. */
  hash: string;
}

/**
 * Keys carry 256 random bits, so a plain SHA-256 (indexed, one lookup per new key) is as strong as
 * a slow password hash here and keeps verification cheap.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): GeneratedApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + SHOWN_CHARACTERS), hash: hashApiKey(key) };
}
