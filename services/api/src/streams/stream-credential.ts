import type { IncomingMessage } from 'node:http';
import { DomainError, STREAM_TOKEN_QUERY_PARAM } from '@kaygraph/contracts';
import type { StreamScope } from '../auth/stream-token.ts';
import { STREAM_TOKEN_REFUSAL, type StreamTokens } from '../auth/stream-tokens.ts';
import type { CallerResolver, Identity, OpenConnection } from '../context.ts';
import { keySource } from '../http/request-url.ts';

/** What a stream request authenticates with. */
export interface StreamCredential {
  /** Opened with a stream token: the stream may be read, nothing done through it (no cancel). */
  readOnly: boolean;
  /** Who calls; `connection` is closed when the key behind the credential is revoked. */
  resolve(connection?: OpenConnection): Promise<Identity>;
}

export interface StreamCredentialOptions {
  resolveCaller: CallerResolver;
  /** Absent (a server without operations): every token is refused. */
  streamTokens: StreamTokens | undefined;
}

/**
 * The credential of a request for `scope`'s stream: its stream token (`?token=`) when it sends one, and
 * then nothing else is read; else its API key (`Authorization`, or `?api_key=`). Without a scope (an
 * artifact download) only a key counts: a token opens streams and nothing else.
 */
export function streamCredentialOf(
  req: IncomingMessage,
  url: URL,
  scope: StreamScope | undefined,
  opts: StreamCredentialOptions,
): StreamCredential {
  const token = scope ? url.searchParams.get(STREAM_TOKEN_QUERY_PARAM) : null;
  if (!scope || !token) {
    return {
      readOnly: false,
      resolve: (connection) => opts.resolveCaller({ ...keySource(req, url), connection }),
    };
  }
  // The headers are read for the client's address (failed authentications), never for a key.
  const source = { headers: req.headers, connectionParams: null, remoteAddress: req.socket.remoteAddress };
  return {
    readOnly: true,
    resolve: async (connection) => {
      if (!opts.streamTokens) throw new DomainError('UNAUTHORIZED', STREAM_TOKEN_REFUSAL);
      return opts.streamTokens.resolve(token, scope, { ...source, connection });
    },
  };
}
