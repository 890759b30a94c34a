import type { StreamToken } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import type { CallerSource, Identity } from '../context.ts';
import type { ApiKeyAuth } from './api-key-auth.ts';
import { type StreamScope, signStreamToken, verifyStreamToken } from './stream-token.ts';
import { loadStreamTokenSecret } from './stream-token-secret.ts';

/** How long a stream token opens its stream unless STREAM_TOKEN_TTL_SECONDS says otherwise. */
export const DEFAULT_STREAM_TOKEN_TTL_SECONDS = 300;

/** Every refused token gets this one answer: which check failed is not the bearer's to learn. */
export const STREAM_TOKEN_REFUSAL =
  'invalid or expired stream token: ask for a new one (POST /tasks/{task_id}/stream-token or /groups/{group_id}/stream-token)';

/** Issues and checks the short-lived tokens a browser streams with instead of an API key. */
export interface StreamTokens {
  /** A token for `identity` (the caller who asked) to read `scope`'s stream for the configured time. */
  issue(identity: Identity, scope: StreamScope): Promise<StreamToken>;
  /**
   * Who the bearer of `token` reads `scope` as: the identity of the key that asked for it (the
   * connection in `source` is closed if that key is revoked). UNAUTHORIZED STREAM_TOKEN_REFUSAL for a
   * token that is forged, expired, for another stream, or whose key was revoked since.
   */
  resolve(token: string, scope: StreamScope, source: CallerSource): Promise<Identity>;
}

export interface StreamTokensOptions {
  /** Connections that commit synchronously: where the shared secret is written once. */
  sql: Connection['sql'];
  auth: ApiKeyAuth;
  /** STREAM_TOKEN_TTL_SECONDS: how long a token opens its stream. */
  ttlSeconds: number;
}

/**
 * Stream tokens signed with a secret kept in the database, so any replica checks what another issued
 * and nothing is shared in memory. A token names its key, never carries it: revoking the key voids it.
 *
 * @example const { token } = await tokens.issue(identity, { kind: 'task', id: taskId });
 */
export function createStreamTokens(opts: StreamTokensOptions): StreamTokens {
  let secret: Promise<Buffer> | undefined;
  const secretOf = () => {
    secret ??= loadStreamTokenSecret(opts.sql).catch((error: unknown) => {
      // Not cached: the next call asks the database again.
      secret = undefined;
      throw error;
    });
    return secret;
  };

  return {
    issue: async (identity, scope) => {
      const expiresAtSeconds = Math.floor(Date.now() / 1000) + opts.ttlSeconds;
      const keyId = identity.key?.id ?? null;
      const token = signStreamToken(await secretOf(), { scope, keyId, expiresAtSeconds });
      return { token, expires_at: new Date(expiresAtSeconds * 1000).toISOString() };
    },
    resolve: async (token, scope, source) => {
      const claims = verifyStreamToken(await secretOf(), token, { scope, nowMs: Date.now() });
      if (!claims) return opts.auth.refuse(source, STREAM_TOKEN_REFUSAL);
      return opts.auth.resolveTokenHolder(claims.keyId, source, STREAM_TOKEN_REFUSAL);
    },
  };
}
