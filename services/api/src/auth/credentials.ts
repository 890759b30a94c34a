import type { CallerSource } from '../context.ts';

const BEARER = /^bearer\s+(\S+)\s*$/i;

function bearerOf(value: string | undefined): string | null {
  if (!value) return null;
  return BEARER.exec(value)?.[1] ?? null;
}

/**
 * The API key a request or WebSocket connection presents: `Authorization: Bearer <key>` on HTTP
 * (tRPC, REST, SSE, the raw task socket), or the tRPC WebSocket connection params `apiKey`
 * (what @kaygraph/client sends) or `authorization: 'Bearer <key>'`. Null when none is sent.
 */
export function presentedApiKey(source: CallerSource): string | null {
  const header = source.headers.authorization?.trim();
  // Another scheme (Basic ...) is still a credential: it must fail as a wrong key, not pass as none.
  if (header) return bearerOf(header) ?? header;
  const params = source.connectionParams;
  if (!params) return null;
  const direct = params.apiKey ?? params.api_key;
  if (direct?.trim()) return direct.trim();
  return bearerOf(params.authorization ?? params.Authorization);
}
