import { DomainError } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import type { Caller } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { CallerResolver, CallerSource } from '../context.ts';
import { hashApiKey } from './api-key.ts';
import { AuthMode } from './auth-mode.ts';
import { rememberCallerKey } from './caller-keys.ts';
import { presentedApiKey } from './credentials.ts';
import { type ActiveApiKey, apiKeysEverExisted, findActiveApiKey, markApiKeyUsed } from './key-store.ts';

/** Who calls when auth is off: the single local user, who may see everything. */
export const OPEN_CALLER_OWNER = 'anonymous';

export interface ApiKeyAuthOptions {
  sql: Connection['sql'];
  logger: Logger;
  /** Require a key even before one exists (AUTH_REQUIRED, or a network bind without ALLOW_ANONYMOUS). */
  required: boolean;
  /** Why `required` is set, for the startup log. */
  requiredBecause?: string | undefined;
  /** How long "is auth on" and a verified key are trusted (default 2000 ms): the revocation delay. */
  cacheMs?: number;
}

export interface ApiKeyAuth {
  resolveCaller: CallerResolver;
  mode: AuthMode;
}

const MAX_CACHED_KEYS = 10_000;
/** last_used_at is written at most this often per key: a write per request would be waste. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves callers from API keys (`Authorization: Bearer`, or tRPC WebSocket connection params).
 * Refuses with UNAUTHORIZED when auth is on and no key, or a wrong or revoked key, is presented. Every
 * resolved Caller is a fresh object owned by that request or connection.
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

  const lookup = async (hash: string): Promise<ActiveApiKey | undefined> => {
    const cached = verified.get(hash);
    if (cached && cached.until > Date.now()) return cached.key;
    verified.delete(hash);
    const key = await findActiveApiKey(opts.sql, hash);
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

  const resolveCaller = async (source: CallerSource): Promise<Caller> => {
    const presented = presentedApiKey(source);
    if (presented === null) {
      if (await mode.isOn()) {
        throw new DomainError(
          'UNAUTHORIZED',
          'an API key is required: send "Authorization: Bearer <key>" (WebSocket: connection param apiKey)',
        );
      }
      return { owner: OPEN_CALLER_OWNER, admin: true };
    }
    const key = await lookup(hashApiKey(presented));
    if (!key) throw new DomainError('UNAUTHORIZED', 'invalid or revoked API key');
    touch(key);
    const caller: Caller = { owner: key.owner, admin: key.admin };
    rememberCallerKey(caller, key);
    return caller;
  };

  return { resolveCaller, mode };
}
