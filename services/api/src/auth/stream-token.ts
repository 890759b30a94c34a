import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a stream token opens: the stream of one task or of one group. */
export interface StreamScope {
  kind: 'task' | 'group';
  /** The task or group id, lower case (as the contracts' ids parse). */
  id: string;
}

/** What a stream token says, signed. */
export interface StreamTokenClaims {
  scope: StreamScope;
  /** The API key that asked for it (the token acts for its owner while it is not revoked); null: open api. */
  keyId: string | null;
  /** Whole seconds since the epoch after which it opens nothing. */
  expiresAtSeconds: number;
}

/** Every token starts with this, so a leaked one is recognised (and never mistaken for a `kg_` key). */
export const STREAM_TOKEN_PREFIX = 'kgst_';
const VERSION = 'v1';
/** Longer than any token we make: what is longer is refused before any work. */
const MAX_TOKEN_LENGTH = 400;
const KIND_CODES = { task: 't', group: 'g' } as const;
const ID = /^[0-9a-f-]{1,64}$/;

function mac(secret: Buffer, payload: string): Buffer {
  // The context string keeps this secret's MACs apart from any other use it might ever get.
  return createHmac('sha256', secret).update(`kaygraph stream token\n${payload}`).digest();
}

/**
 * A token carrying `claims`, signed with `secret`: `kgst_<payload>.<HMAC-SHA256>`, both base64url. The
 * payload (scope, key id, expiry) is readable; only the secret's holders can make one that verifies.
 *
 * @example signStreamToken(secret, { scope: { kind: 'task', id }, keyId, expiresAtSeconds })
 */
export function signStreamToken(secret: Buffer, claims: StreamTokenClaims): string {
  const fields = [
    VERSION,
    KIND_CODES[claims.scope.kind],
    claims.scope.id,
    claims.keyId ?? '',
    String(claims.expiresAtSeconds),
  ];
  const payload = Buffer.from(fields.join('.')).toString('base64url');
  return `${STREAM_TOKEN_PREFIX}${payload}.${mac(secret, payload).toString('base64url')}`;
}

function claimsOf(payload: string): StreamTokenClaims | undefined {
  const [version, kindCode, id, keyId, expires, ...rest] = Buffer.from(payload, 'base64url')
    .toString('utf8')
    .split('.');
  if (version !== VERSION || rest.length > 0 || id === undefined || keyId === undefined) return undefined;
  const kind = kindCode === KIND_CODES.task ? 'task' : kindCode === KIND_CODES.group ? 'group' : undefined;
  if (!kind || !ID.test(id) || (keyId !== '' && !ID.test(keyId))) return undefined;
  if (!expires || !/^\d{1,12}$/.test(expires)) return undefined;
  return { scope: { kind, id }, keyId: keyId === '' ? null : keyId, expiresAtSeconds: Number(expires) };
}

/**
 * The claims of `token` when it was signed with `secret`, is for `scope` and has not expired at `nowMs`;
 * otherwise undefined, whichever check failed (the caller says no more than that either).
 */
export function verifyStreamToken(
  secret: Buffer,
  token: string,
  expected: { scope: StreamScope; nowMs: number },
): StreamTokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(STREAM_TOKEN_PREFIX)) return undefined;
  const [payload, signature, ...rest] = token.slice(STREAM_TOKEN_PREFIX.length).split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  // Compared as text: decoding would accept other spellings of the same bytes.
  const given = Buffer.from(signature);
  const wanted = Buffer.from(mac(secret, payload).toString('base64url'));
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined;
  const claims = claimsOf(payload);
  if (!claims) return undefined;
  const { scope, nowMs } = expected;
  if (claims.scope.kind !== scope.kind || claims.scope.id !== scope.id.toLowerCase()) return undefined;
  return claims.expiresAtSeconds * 1000 > nowMs ? claims : undefined;
}
