import { UNREACHABLE_READINESS } from '@kaygraph/contracts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@kaygraph/db';
import {
  createTaskSystem,
  logSerializers,
  resolveWorkflowsModule,
  type WorkerRuntime,
} from '@kaygraph/tasks';
import {
  exitOnShutdownSignals,
  exitOnStartFailure,
  readableDataDir,
  taskSystemSettings,
  workerSettings,
  writableDataDir,
} from '@kaygraph/tasks/process';
import pino from 'pino';
import { announceAuthMode, chooseListenHost, keyRequiredBeforeFirstKey } from './auth/open-mode.ts';
import { runKeysMain } from './commands/keys.ts';
import { embeddedDataDir } from './embedded-database.ts';
import { type ApiEnv, loadApiEnv } from './env.ts';
import { DASHBOARD_PAGE, dashboardRoute } from './http/dashboard-static.ts';
import { type ApiOperations, createApiOperations } from './operations.ts';
import { createApiServer } from './server.ts';

/**
 * `npm start` (with `--with-worker`): the API and a worker in one process, on the embedded
 * PostgreSQL unless DATABASE_URL is set; the bundled worker registers the workflows of WORKFLOWS_MODULE
 * like any other worker. `npm run start:api`: the API alone, with no workflow code: it validates and
 * lists what workers registered. `npm run keys -- ...`
 * (`main.ts keys ...`): API key management on the same database, without a server.
 */
let env: ApiEnv;
try {
  env = loadApiEnv();
} catch (error) {
  exitOnStartFailure('the api', error);
}
if (process.argv[2] === 'keys') await runKeysMain(process.argv.slice(3), env);
const logger = pino({ level: env.LOG_LEVEL, serializers: logSerializers });
const withWorker = process.argv.includes('--with-worker');
// Signals are handled before anything starts (the bundled worker takes tasks long before the api listens):
// one that comes while the process starts stops it once started.
const shutdown = exitOnShutdownSignals(logger);

let embedded: EmbeddedPostgres | undefined;
let databaseUrl = env.DATABASE_URL;
// The embedded PostgreSQL keeps its data under DATA_DIR (created if need be); on DATABASE_URL the bundled
// worker only reads workflows' files there; the api alone does not use it.
let dataDir: string | undefined;
try {
  if (!databaseUrl) dataDir = await writableDataDir(env.DATA_DIR);
  else if (withWorker) dataDir = await readableDataDir(env.DATA_DIR, logger);
} catch (error) {
  exitOnStartFailure('the api', error);
}
if (!databaseUrl) {
  embedded = await startEmbeddedPostgres({
    dataDir: embeddedDataDir(env.DATA_DIR),
    logger: logger.child({ component: 'postgres' }),
  }).catch((error: unknown) => {
    // Say why in one line (another `npm start` owns the data dir, ...), not as a stack trace.
    const reason = error instanceof Error ? error.message : String(error);
    logger.fatal({ reason }, 'the embedded PostgreSQL did not start');
    process.stderr.write(`\n  ${reason}\n\n`);
    process.exit(1);
  });
  databaseUrl = embedded.url;
  // It is restarted when it dies; when that fails, nothing here can work: exit non-zero.
  void embedded.failed.then((error) => {
    logger.fatal({ err: error }, 'the embedded PostgreSQL is down for good: exiting');
    process.exit(1);
  });
  // A forced or failed exit must not leave the detached server running.
  process.on('exit', () => embedded?.signalStop());
}

const system = await createTaskSystem({
  databaseUrl,
  logger,
  ...taskSystemSettings(env),
  maxSchedulesPerOwner: env.MAX_SCHEDULES_PER_OWNER,
}).catch((error: unknown) => exitOnStartFailure('the api', error, databaseUrl));
/** A start step failed (the database refused a session, the port is taken): close what runs, say why. */
async function startFailed(error: unknown, running: { worker?: WorkerRuntime; operations?: ApiOperations }) {
  // The bundled worker may hold tasks already: put them back first, in the shutdown's order.
  await running.worker?.stopNow().catch(() => undefined);
  await running.operations?.close().catch(() => undefined);
  await system.close().catch(() => undefined);
  await embedded?.stop().catch(() => undefined);
  return exitOnStartFailure('the api', error, databaseUrl);
}
const worker = withWorker
  ? await resolveWorkflowsModule(env.WORKFLOWS_MODULE)
      .then(({ url }) => system.startWorker(workerSettings(env, { workflowsModule: url, dataDir })))
      .catch((error: unknown) => startFailed(error, {}))
  : undefined;
// API keys, owner isolation, rate limits (submissions and failed authentications), request logs and metrics.
const keyRequired = keyRequiredBeforeFirstKey({
  host: env.HOST,
  embedded: !!embedded,
  authRequired: env.AUTH_REQUIRED,
  allowAnonymous: env.ALLOW_ANONYMOUS,
});
const operations = createApiOperations({
  databaseUrl,
  logger,
  feed: system.events,
  workflowNames: () => system.workflows.names(),
  authRequired: keyRequired.required,
  authRequiredBecause: keyRequired.because,
  rateLimit: { perMinute: env.RATE_LIMIT_PER_MINUTE, burst: env.RATE_LIMIT_BURST },
  failedAuthLimit: { perMinute: env.AUTH_FAILURES_PER_MINUTE, burst: env.AUTH_FAILURES_BURST },
  trustedProxyHops: env.TRUSTED_PROXY_HOPS,
  streamTokenTtlSeconds: env.STREAM_TOKEN_TTL_SECONDS,
  statementTimeoutSeconds: env.STATEMENT_TIMEOUT_SECONDS,
});
// The metrics follow every task event from the start (subscribing above began the LISTEN), and revoked
// keys' connections are closed from the first request on.
await Promise.all([system.events.listening(), operations.listening()]).catch((error: unknown) =>
  startFailed(error, { worker, operations }),
);
const host = await chooseListenHost({
  host: env.HOST,
  embedded: !!embedded,
  allowAnonymous: env.ALLOW_ANONYMOUS,
  mode: operations.auth.mode,
  logger,
});
const serverOptions = operations.serverOptions(system.tasks, system.orchestration);
const server = await createApiServer({
  workflows: system.workflows,
  orchestration: system.orchestration,
  // Not ready while the embedded server is down (restarting), whatever a pooled connection says.
  ready: () =>
    embedded && embedded.state !== 'running' ? Promise.resolve(UNREACHABLE_READINESS) : system.ready(),
  logger,
  host,
  port: env.PORT,
  bodyLimitBytes: env.BODY_LIMIT_BYTES,
  maxBatchSize: env.MAX_BATCH_SIZE,
  errorStacks: env.NODE_ENV === 'development',
  corsOrigins: env.CORS_ORIGINS,
  ...serverOptions,
  // The built dashboard (services/dashboard/dist) under /dashboard.
  extraRoutes: [...serverOptions.extraRoutes, dashboardRoute()],
  dashboardLink: DASHBOARD_PAGE,
}).catch((error: unknown) => startFailed(error, { worker, operations }));
await announceAuthMode({ url: server.url, host, mode: operations.auth.mode, logger });

logger.info(
  { url: server.url, docs: `${server.url}/docs`, dashboard: `${server.url}/dashboard`, worker: withWorker },
  'KayGraph Tasks API listening',
);
// For the person at the terminal, on stderr: stdout carries JSON log lines only, for log collectors.
process.stderr.write(
  [
    '',
    `  KayGraph Tasks${withWorker ? ' (API + worker)' : ' API'} on ${embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}`,
    `  API        ${server.url}`,
    `  Docs       ${server.url}/docs`,
    `  Dashboard  ${server.url}/dashboard`,
    // The URL is what an app's own worker (DATABASE_URL) needs to join; its port is chosen at each start.
    ...(embedded ? [`  Database   ${embedded.url}`, `  Data       ${embedded.dataDir}`] : []),
    '',
    '',
  ].join('\n'),
);

// Order matters: stop taking requests and tell streams to reconnect, then let running tasks finish
// (worker), then close queue and pools, and only then stop the database under them.
shutdown.started({
  steps: [
    { name: 'closing the http server', run: () => server.close() },
    { name: 'closing the operations pool', run: () => operations.close() },
    { name: 'closing the task system', run: () => system.close() },
    { name: 'stopping PostgreSQL', run: async () => embedded?.stop() },
  ],
  worker,
});
