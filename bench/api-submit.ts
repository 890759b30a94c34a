/**
 * Submit rates of the API benchmark: HTTP submits beside raw pg-boss sends and in-process submits.
 * Alone (`node bench/api-submit.ts [--database-url URL]`): the same rounds as `npm run bench`, on an api
 * process in a scratch database, without the stream and fan-out parts; it writes no results file.
 */
import { createTaskSystem } from '@kaygraph/tasks';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import { catalog } from '../services/api/test/fixtures/catalog.ts';
import { startApi, stop } from './api-processes.ts';
import { benchDatabaseUrl } from './env.ts';
import { postClient } from './http-post.ts';
import { inFlight } from './in-flight.ts';
import { argValue, DEFAULT_SERVER_URL, printFigures, withScratchDatabase } from './scratch-database.ts';

const SUBMITS = 2_000;
const SUBMIT_ROUNDS = 4;
export const IN_FLIGHT = 10;
/** The owner of the in-process submits, and the queue of the raw sends. */
export const DIRECT_OWNER = 'bench-direct';
export const RAW_QUEUE = 'bench_raw_send';

/** One side of the comparison: a submit (or send) with `index`, over connections opened and warmed. */
export interface SubmitSide {
  submit(index: number): Promise<void>;
  close(): Promise<void>;
}

/** HTTP submits over IN_FLIGHT kept-alive sockets. */
export async function openHttpSide(url: string): Promise<SubmitSide> {
  const client = postClient(url, IN_FLIGHT);
  const submit = async (index: number) => {
    // run_at in the future: stored and scheduled, so the worker does not compete with the submits.
    const response = await client.post('/tasks', {
      workflow: 'echo',
      params: { value: String(index) },
      run_at: '2099-01-01T00:00:00Z',
    });
    if (response.status !== 202) throw new Error(`submit answered ${response.status}: ${response.text}`);
  };
  // Its sockets open before the timing, as the raw baseline's pool connections do.
  await inFlight(IN_FLIGHT, IN_FLIGHT, submit);
  return { submit, close: async () => client.close() };
}

/** The domain's own submit, in process: what the HTTP layer adds is the gap between this and HTTP. */
export async function openDirectSide(databaseUrl: string): Promise<SubmitSide> {
  const system = await createTaskSystem({
    databaseUrl,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 1_000_000,
    migrate: false,
  });
  const caller = { owner: DIRECT_OWNER, admin: false };
  const submit = async (index: number) => {
    await system.tasks.submit(caller, {
      workflow: 'echo',
      params: { value: String(index) },
      priority: 'normal',
      run_at: '2099-01-01T00:00:00Z',
    });
  };
  // Its pool's connections open before the timing, as the api's and the HTTP client's are.
  await inFlight(IN_FLIGHT, IN_FLIGHT, submit);
  return { submit, close: () => system.close() };
}

/** Raw pg-boss `send`, a pool of IN_FLIGHT connections. */
export async function openRawSide(databaseUrl: string): Promise<SubmitSide> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: IN_FLIGHT,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(RAW_QUEUE);
  const submit = async (index: number) => {
    await boss.send(RAW_QUEUE, { value: String(index) });
  };
  await inFlight(IN_FLIGHT, IN_FLIGHT, submit);
  return { submit, close: () => boss.stop({ graceful: false }) };
}

/** One round on a side opened and closed around it (outside the timing); submits per second. */
async function roundRate(open: () => Promise<SubmitSide>, count: number): Promise<number> {
  const side = await open();
  try {
    return await inFlight(count, IN_FLIGHT, side.submit);
  } finally {
    await side.close();
  }
}

/** The fixture workflows, registered before the first submit as a deploy step does ahead of its workers. */
export async function publishFixtureWorkflows(databaseUrl: string): Promise<void> {
  const publisher = await createTaskSystem({ databaseUrl, logger: pino({ level: 'warn' }), migrate: false });
  try {
    await publisher.publishWorkflows(catalog);
  } finally {
    await publisher.close();
  }
}

/**
 * HTTP submits, raw sends and in-process submits, SUBMITS each, in alternating rounds (each opened and
 * closed around its own round, outside the timing): on a shared machine the load changes by the
 * second, and the ratio should compare the same moments.
 */
export async function submitRates(
  apiUrl: string,
  databaseUrl: string,
): Promise<{ http: number; raw: number; direct: number }> {
  // The api has no workflow code (the worker process starts after the submit rounds).
  await publishFixtureWorkflows(databaseUrl);
  const rounds = {
    http: (count: number) => roundRate(() => openHttpSide(apiUrl), count),
    raw: (count: number) => roundRate(() => openRawSide(databaseUrl), count),
    direct: (count: number) => roundRate(() => openDirectSide(databaseUrl), count),
  };
  const seconds = { http: 0, raw: 0, direct: 0 };
  const perRound = SUBMITS / SUBMIT_ROUNDS;
  for (let round = 0; round < SUBMIT_ROUNDS; round++) {
    for (const name of ['http', 'raw', 'direct'] as const) {
      seconds[name] += perRound / (await rounds[name](perRound));
    }
  }
  return { http: SUBMITS / seconds.http, raw: SUBMITS / seconds.raw, direct: SUBMITS / seconds.direct };
}

if (import.meta.main) {
  const serverUrl = argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL;
  const rates = await withScratchDatabase(serverUrl, 'api_submit', async (url) => {
    const api = await startApi(url);
    try {
      return await submitRates(api.url, url);
    } finally {
      await stop(api.child);
    }
  });
  const ratio = rates.http / rates.raw;
  printFigures('API submit benchmark', [
    {
      name: `API submit: submit over HTTP, ${IN_FLIGHT} in flight (tasks/s)`,
      result: `${rates.http.toFixed(0)} (${ratio.toFixed(2)}x)`,
      baseline: `${rates.raw.toFixed(0)} (raw pg-boss send, ${IN_FLIGHT} in flight)`,
      goal: '>= 0.5x',
      pass: ratio >= 0.5,
    },
    {
      name: `TaskService.submit in process, ${IN_FLIGHT} in flight (tasks/s)`,
      result: rates.direct.toFixed(0),
      baseline: '',
      goal: '',
      pass: undefined,
    },
  ]);
}
