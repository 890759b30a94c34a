import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  MAX_TASKS_PER_BATCH,
  TimeoutSeconds,
} from '@kaygraph/contracts';
import { DEFAULT_STATEMENT_TIMEOUT_SECONDS } from '@kaygraph/tasks';
import { parseEnv } from '@kaygraph/tasks/process';
import { z } from 'zod';

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
  DATABASE_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  MAX_WORKERS: z.coerce.number().int().min(1).max(256).default(4),
  TASK_TIMEOUT: z.coerce.number().pipe(TimeoutSeconds).default(DEFAULT_TASK_TIMEOUT_SECONDS),
  RESULT_TTL: z.coerce.number().int().min(1).default(86_400),
  MAX_QUEUE_SIZE: z.coerce.number().int().min(1).default(100),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /**
   * Calls per tRPC HTTP batch, tasks per submitMany or group call, dead letters per redrive call, and child
   * tasks per wait of the bundled worker (the committed OpenAPI document states the default).
   */
  MAX_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_TASKS_PER_BATCH, `at most ${MAX_TASKS_PER_BATCH}: the most tasks one call's input may carry`)
    .default(DEFAULT_MAX_BATCH_SIZE),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
  /**
   * `statement_timeout` of the api's (and its bundled worker's) database connections: a request whose
   * statement runs or waits for a lock longer answers 503. 0: none of ours (PostgreSQL's setting applies).
   */
  STATEMENT_TIMEOUT_SECONDS: z.coerce.number().min(0).default(DEFAULT_STATEMENT_TIMEOUT_SECONDS),
  DATA_DIR: z.string().min(1).default('.data'),
  /**
   * The workflows the bundled worker (`--with-worker`) runs and registers: a module exporting `catalog`
   * (worker threads import it too). The api alone loads no workflow code.
   */
  WORKFLOWS_MODULE: z.string().min(1).default('@kaygraph/workflows/catalog'),
  /** Memory cap (old space) of each thread of the bundled worker, in MB (unset: the runtime's 512). */
  WORKER_MEMORY_LIMIT_MB: z.coerce.number().int().min(64).optional(),
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
   * the first key is created (`node services/api/src/main.ts keys create --name admin --admin`).
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
});
export type ApiEnv = z.infer<typeof Env>;

/** Parses the environment, or throws an error that names every bad variable. */
export function loadApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseEnv(Env, source);
}
