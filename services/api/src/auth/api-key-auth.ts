import { DomainError } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import type { Logger } from 'pino';
import type { CallerResolver, CallerSource, Identity } from '../context.ts';
import type { FailedAuthLimiter } from '../rate-limit/failed-auth-limits.ts';
import { hashApiKey } from './api-key.ts';
import { AuthMode } from './auth-mode.ts';
import { addressGroupOf, clientAddressOf } from './client-address.ts';
import { presentedApiKey } from './credentials.ts';
import {
  type ActiveApiKey,
  apiKeysEverExisted,
  findActiveApiKey,
  findActiveApiKeyById,
  markApiKeyUsed,
} from './key-store.ts';
import { RevocationWatch } from './revocations.ts';

/** Who calls when auth is off: the single local user, who may see everything. */
export const OPEN_CALLER_OWNER = 'anonymous';

export interface ApiKeyAuthOptions {
  sql: Connection['sql'];
  logger: Logger;
  /** Require a key even before one exists (AUTH_REQUIRED, or a network bind without ALLOW_ANONYMOUS). */
  required: boolean;
  /** Why `required` is set, for the startup log. */
  requiredBecause?: string | undefined;
  /**
   * How long "auth is off" and a verified key are trusted (default 2000 ms): the delay before a first key
   * takes effect; a revocation drops its key at once (NOTIFY), and a missed one within this time.
   */
  cacheMs?: number;
  /** Failed authentications per client address (AUTH_FAILURES_PER_MINUTE); absent: not limited. */
  failedAuthLimit?: FailedAuthLimiter | undefined;
  /** TRUSTED_PROXY_HOPS: proxies in front whose `X-Forwarded-For` names the client (default 0). */
  trustedProxyHops?: number | undefined;
}

export interface ApiKeyAuth {
  resolveCaller: CallerResolver;
  /**
   * Who a verified stream token acts for: its key's owner while the key is not revoked (`source.connection`
   * is closed when it is), or, for a token made while the api was open (no key), the open caller while the
   * api is still open. Otherwise refused as `refuse` does.
   */
  resolveTokenHolder(keyId: string | null, source: CallerSource, refusal: string): Promise<Identity>;
  /** Refuses a credential with UNAUTHORIZED `message`, spending its address's failed authentications. */
  refuse(source: CallerSource, message: string): Promise<never>;
  mode: AuthMode;
  /** Starts hearing revocations (closes revoked keys' open connections). */
  start(): Promise<void>;
  close(): Promise<void>;
}

const MAX_CACHED_KEYS = 10_000;
/** last_used_at is written at most this often per key: a write per request would be waste. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves callers from API keys (`Authorization: Bearer`, or tRPC WebSocket connection params).
 * Refuses with UNAUTHORIZED when auth is on and no key, or a wrong or revoked key, is presented. Every
 * resolved Caller is a fresh object owned by that request or connection. A revocation (NOTIFY) drops the
 * key from the cache and closes the open connections it authorized, in every replica. Unknown and revoked
 * keys spend their client address's failed authentications (`failedAuthLimit`): past them, they are
 * refused with RATE_LIMITED instead of UNAUTHORIZED, while a valid key from that address is served.
 */
export function createApiKeyAuth(opts: ApiKeyAuthOptions): ApiKeyAuth {
  const cacheMs = opts.cacheMs ?? 2_000;
  const mode = new AuthMode({
    required: opts.required,
    requiredBecause: opts.requiredBecause,
    cacheMs,
    keysExisted: () => apiKeysEverExisted(opts.sql),
  });
  const verified = new Map<string, { key: ActiveApiKey; until: number }>();
  const touchedAt = new Map<string, number>();
  // Revoked here or heard of: a lookup that raced the revocation must not cache the key again.
  const revokedIds = new Set<string>();
  const revocations = new RevocationWatch({
    sql: opts.sql,
    logger: opts.logger,
    onRevoked: (keyId) => {
      revokedIds.add(keyId);
      for (const [hash, entry] of verified) if (entry.key.id === keyId) verified.delete(hash);
    },
  });

  const cachedKey = (hash: string): ActiveApiKey | undefined => {
    const cached = verified.get(hash);
    if (cached && cached.until > Date.now()) return cached.key;
    verified.delete(hash);
    return undefined;
  };

  const lookup = async (hash: string): Promise<ActiveApiKey | undefined> => {
    const found = await findActiveApiKey(opts.sql, hash);
    const key = found && !revokedIds.has(found.id) ? found : undefined;
    if (key) {
      if (verified.size >= MAX_CACHED_KEYS) verified.clear();
      verified.set(hash, { key, until: Date.now() + cacheMs });
    }
    return key;
  };

  const touch = (key: ActiveApiKey) => {
    const last = touchedAt.get(key.id) ?? 0;
    if (Date.now() - last < TOUCH_INTERVAL_MS) return;
    touchedAt.set(key.id, Date.now());
    markApiKeyUsed(opts.sql, key.id).catch((error: unknown) =>
      opts.logger.warn({ err: error, key_id: key.id }, 'recording the last use of an API key failed'),
    );
  };

  /** The client address failed authentications count against. */
  const addressOf = (source: CallerSource): string | undefined => {
    const address = clientAddressOf(source, opts.trustedProxyHops ?? 0);
    return address === undefined ? undefined : addressGroupOf(address);
  };

  const refuse = async (source: CallerSource, message: string): Promise<never> => {
    const address = addressOf(source);
    opts.failedAuthLimit?.refuseIfBlocked(address);
    await opts.failedAuthLimit?.failed(address);
    throw new DomainError('UNAUTHORIZED', message);
  };

  const identityOf = (key: ActiveApiKey, source: CallerSource): Identity => {
    touch(key);
    if (source.connection) revocations.watch(key.id, source.connection);
    return {
      caller: { owner: key.owner, admin: key.admin },
      key: { id: key.id, rateLimitPerMinute: key.rateLimitPerMinute },
    };
  };

  const openIdentity = (): Identity => ({
    caller: { owner: OPEN_CALLER_OWNER, admin: true },
    key: undefined,
  });

  const resolveCaller = async (source: CallerSource): Promise<Identity> => {
    const presented = presentedApiKey(source);
    if (presented === null) {
      if (await mode.isOn()) {
        throw new DomainError(
          'UNAUTHORIZED',
          'an API key is required: send "Authorization: Bearer <key>" (an EventSource or WebSocket on /tasks/{id}/stream, /groups/{id}/stream or /ws/{id}: ?token=<stream token> from POST /tasks/{id}/stream-token or /groups/{id}/stream-token; tRPC subscriptions: the connection param apiKey)',
        );
      }
      return openIdentity();
    }
    const hash = hashApiKey(presented);
    // Every key is looked up, even from a blocked address: keys cannot be guessed, and a valid one must
    // work for the clients that share an address (a NAT, a proxy) with one sending a revoked key.
    const key = cachedKey(hash) ?? (await lookup(hash));
    // A revocation heard while the lookup was in flight counts too.
    if (!key || revokedIds.has(key.id)) return refuse(source, 'invalid or revoked API key');
    return identityOf(key, source);
  };

  const resolveTokenHolder = async (
    keyId: string | null,
    source: CallerSource,
    refusal: string,
  ): Promise<Identity> => {
    if (keyId === null) return (await mode.isOn()) ? refuse(source, refusal) : openIdentity();
    const key = revokedIds.has(keyId) ? undefined : await findActiveApiKeyById(opts.sql, keyId);
    if (!key || revokedIds.has(key.id)) return refuse(source, refusal);
    return identityOf(key, source);
  };

  return {
    resolveCaller,
    resolveTokenHolder,
    refuse,
    mode,
    start: () => revocations.start(),
    close: () => revocations.close(),
  };
}
