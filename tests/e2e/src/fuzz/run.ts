/** A fuzz run: `count` seeded cases against one api, `concurrency` in flight; a report of what came back. */
import { type FuzzCase, type FuzzTargets, nextCase } from './cases.ts';
import { Random } from './random.ts';
import { send } from './send.ts';

export interface FuzzOptions {
  url: string;
  targets: FuzzTargets;
  count?: number;
  seed?: number;
  concurrency?: number;
  /** Only cases of these kinds (all by default): to narrow down a failure. */
  kinds?: FuzzCase['kind'][];
}

export interface FuzzFailure {
  index: number;
  case: FuzzCase;
  status: number;
  detail: string;
}

export interface FuzzReport {
  count: number;
  seed: number;
  /** Answers by status (0: closed without one; 101: WebSocket opened). */
  statuses: Record<string, number>;
  /** Cases per generator label. */
  labels: Record<string, number>;
  serverErrors: FuzzFailure[];
  /** Requests that failed on the client side (connection refused, reset): a crash shows up here. */
  transportErrors: FuzzFailure[];
  /** Task ids that answers said were created. */
  createdTaskIds: string[];
  seconds: number;
}

/** The api's own OpenAPI document: every REST operation, and the tRPC path behind it (operationId a-b -> a.b). */
async function documentedOperations(url: string): Promise<NonNullable<FuzzTargets['operations']>> {
  const response = await fetch(`${url}/openapi.json`);
  const document = (await response.json()) as {
    paths?: Record<string, Record<string, { operationId?: string }>>;
  };
  return Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method,
      path,
      ...(op.operationId ? { procedure: op.operationId.replace(/-/g, '.') } : {}),
    })),
  );
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const count = options.count ?? 10_000;
  const seed = options.seed ?? 20_261_126;
  const random = new Random(seed);
  const operations = options.targets.operations ?? (await documentedOperations(options.url));
  const targets = { ...options.targets, operations };
  // Drawn up front so the sequence does not depend on the order answers arrive in.
  const cases = Array.from({ length: count }, () => nextCase(random, targets)).filter(
    (c) => !options.kinds || options.kinds.includes(c.kind),
  );
  const report: FuzzReport = {
    count,
    seed,
    statuses: {},
    labels: {},
    serverErrors: [],
    transportErrors: [],
    createdTaskIds: [],
    seconds: 0,
  };
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency ?? 20 }, async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index];
        if (!c) continue;
        report.labels[c.label] = (report.labels[c.label] ?? 0) + 1;
        try {
          const outcome = await send(options.url, c);
          report.statuses[outcome.status] = (report.statuses[outcome.status] ?? 0) + 1;
          report.createdTaskIds.push(...outcome.taskIds);
          if (outcome.serverError)
            report.serverErrors.push({
              index,
              case: c,
              status: outcome.status,
              detail: outcome.detail ?? '',
            });
        } catch (error) {
          // fetch rejects when the server resets a connection on purpose too (e.g. a body over the
          // limit); only a pattern of these, or a dead process, means trouble: the test checks both.
          const cause = error instanceof Error && error.cause ? ` (${String(error.cause)})` : '';
          report.transportErrors.push({ index, case: c, status: -1, detail: `${String(error)}${cause}` });
        }
      }
    }),
  );
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
