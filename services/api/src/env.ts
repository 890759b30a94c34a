import { parseEnv, postgresUrl, WorkerSettingsEnv } from '@kaygraph/tasks/process';
import { z } from 'zod';
import { DEFAULT_STREAM_TOKEN_TTL_SECONDS } from './auth/stream-tokens.ts';

/** Any origin, in CORS_ORIGINS. */
export const ANY_ORIGIN = '*';

/** `scheme://host[:port]` as a browser sends it in Origin, or `*`. */
const webOrigin = z.string().refine((value) => value === ANY_ORIGIN || URL.parse(value)?.origin === value, {
  error: (issue) =>
    `${String(issue.input)} is not an origin: write scheme://host[:port] (no path, no trailing slash), or *`,
});

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1');

/**
 * The api's configuration, validated once at startup. This is the only module of the api that reads
 * `process.env`; everything else takes options.
 */
const Env = z.object({
  /** Unset: an embedded PostgreSQL is started under `DATA_DIR/postgres`. */
  DATABASE_URL: postgresUrl().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** What the bundled worker (`--with-worker`) runs by, and the limits the api holds calls to. */
  ...WorkerSettingsEnv.shape,
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** `development` (set explicitly) puts stacks into tRPC error shapes; unset behaves as production. */
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  /**
   * Web origins (comma-separated) whose pages may call the api from a browser: CORS answers on every
   * HTTP route, and WebSocket upgrades from their pages. `*`: any page. Unset: only the api's own pages.
   */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(webOrigin)),
  /** Require an API key on every request even before one exists (auth is on anyway once one did). */
  AUTH_REQUIRED: flag,
  /**
   * Serve without keys on a non-loopback HOST while no key exists. Off: such an api answers 401 until
   * the first key is created (`npm run keys -- create --name admin --admin`).
   */
  ALLOW_ANONYMOUS: flag,
  /** Most schedules one owner may have; creating one more answers 409. */
  MAX_SCHEDULES_PER_OWNER: z.coerce.number().int().min(1).default(100),
  /**
   * Submissions and other writes that spend it (retries, redrives, signals ...) per minute per API key
   * (token bucket shared by all replicas); 0 turns limits off.
   */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().min(0).default(600),
  /** Submissions one key may make at once after a quiet spell (bucket size). */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  /**
   * Requests with an unknown or revoked API key per minute per client address (an IPv6 one by its /64),
   * shared by all replicas; past them such keys from the address answer 429 (not 401) until Retry-After,
   * while its valid keys are served. 0 turns it off.
   */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().min(0).default(30),
  /** Failed authentications one address may make at once after a quiet spell (bucket size). */
  AUTH_FAILURES_BURST: z.coerce.number().int().min(1).default(30),
  /**
   * Proxies in front of the api (a load balancer, an ingress) whose `X-Forwarded-For` entry names the
   * client (port and brackets dropped): the limits per client address count that address instead of the
   * proxy's. 0: the socket's peer.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * How long a stream token (`POST /tasks/{id}/stream-token`) opens its stream: a browser's EventSource or
   * WebSocket must connect within it (a stream it opened runs on to its end).
   */
  STREAM_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(DEFAULT_STREAM_TOKEN_TTL_SECONDS),
});
export type ApiEnv = z.infer<typeof Env>;

/** Parses the environment, or throws an error that names every bad variable. */
export function loadApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseEnv(Env, source);
}
