/**
 * CPU time per 1,000 submits of the API submit benchmark (`node bench/api-submit-cpu.ts [--submits N]
 * [--rounds N] [--profile DIR] [--database-url URL]`). On a shared machine the submit rates move with the
 * load; the CPU each side spends per submit hardly does, and on two cores every CPU millisecond the api
 * spends is one PostgreSQL lacks. Each round runs HTTP submits, raw pg-boss sends and in-process submits
 * (N each, 10 in flight) and reads /proc/<pid>/stat (user + system, every thread) of the api process, the
 * load client (this process), and the PostgreSQL backends serving each side (pg_stat_activity of the
 * scratch database). Beside them: the transactions that wrote each side's rows (distinct xmin), and the
 * side's backlog at the round's start (every submit transaction reads its owner's unfinished count under the
 * owner's lock, for the exact MAX_QUEUE_SIZE; it should not grow with the backlog). `--profile DIR`: the api runs with `--cpu-prof` and writes its
 * V8 profile there on exit.
 */
import postgres from 'postgres';
import { startApi, stop } from './api-processes.ts';
import {
  DIRECT_OWNER,
  IN_FLIGHT,
  openDirectSide,
  openHttpSide,
  openRawSide,
  publishFixtureWorkflows,
  RAW_QUEUE,
  type SubmitSide,
} from './api-submit.ts';
import { median } from './drain.ts';
import { benchDatabaseUrl } from './env.ts';
import { inFlight } from './in-flight.ts';
import { connectedBackends, meterBackendCpu } from './pg-backend-cpu.ts';
import { cpuMsOf, cpuText } from './process-cpu.ts';
import { argValue, DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';

type SideName = 'http' | 'raw' | 'direct';

/** Whose tasks each side submits (an open api's caller is the anonymous owner), and the raw side's queue. */
const OWNER_OF = { http: 'anonymous', direct: DIRECT_OWNER } as const;

/** One round of one side: CPU ms per 1,000 submits of its process(es) and of its backends. */
interface RoundCpu {
  side: SideName;
  rate: number;
  /** The api process (http), or this process (raw, direct: the client is the side). */
  processMs: number;
  /** This process as the HTTP load client (http only). */
  clientMs: number;
  backendsMs: number;
  /** Transactions that wrote the side's tasks (or jobs) per 1,000 submits. */
  commits: number;
  /** The side's unfinished tasks (or jobs) at the round's start: each submit transaction counts its owner's. */
  backlog: number;
}

async function backlogOf(monitor: postgres.Sql, side: SideName): Promise<number> {
  const [row] =
    side === 'raw'
      ? await monitor<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = ${RAW_QUEUE}`
      : await monitor<{ n: number }[]>`
          select count(*)::int as n from tasks where owner = ${OWNER_OF[side]} and completed_at is null`;
  return row?.n ?? 0;
}

/** The transactions that wrote each side's rows so far: the distinct xmin of its owner's tasks, or of its jobs. */
async function writersOf(monitor: postgres.Sql, side: SideName): Promise<number> {
  const [row] =
    side === 'raw'
      ? await monitor<{ n: number }[]>`
          select count(distinct xmin::text)::int as n from pgboss.job where name = ${RAW_QUEUE}`
      : await monitor<{ n: number }[]>`
          select count(distinct xmin::text)::int as n from tasks where owner = ${OWNER_OF[side]}`;
  return row?.n ?? 0;
}

async function measureRound(
  side: SideName,
  open: () => Promise<SubmitSide>,
  count: number,
  pids: {
    api: number;
    /** The backends' meter, of the monitor's session; `include` leaves backends out. */
    backends: (include?: (pid: number) => boolean) => ReturnType<typeof meterBackendCpu>;
    /** The pids of the backends connected now. */
    connected: () => Promise<Set<number>>;
    writers: (side: SideName) => Promise<number>;
    backlog: (side: SideName) => Promise<number>;
  },
): Promise<RoundCpu> {
  const apiBackends = await pids.connected();
  const opened = await open();
  try {
    // The api's backends serve HTTP submits; a side of its own is served by the backends it opened.
    const backends = await pids.backends((pid) => side === 'http' || !apiBackends.has(pid));
    const api0 = cpuMsOf(pids.api);
    const self0 = cpuMsOf(process.pid);
    const writers0 = await pids.writers(side);
    const backlog = await pids.backlog(side);
    const rate = await inFlight(count, IN_FLIGHT, opened.submit);
    const apiMs = cpuMsOf(pids.api) - api0;
    const selfMs = cpuMsOf(process.pid) - self0;
    const backendsMs = (await backends.stop()).totalMs;
    const commits = (await pids.writers(side)) - writers0;
    const per1000 = (ms: number) => (ms / count) * 1000;
    return {
      side,
      rate,
      processMs: per1000(side === 'http' ? apiMs : selfMs),
      clientMs: side === 'http' ? per1000(selfMs) : 0,
      backendsMs: per1000(backendsMs),
      commits: per1000(commits),
      backlog,
    };
  } finally {
    await opened.close();
  }
}

const HEADER =
  'side            rate/s  process ms  client ms  backends ms    commits    backlog   (CPU ms and commits per 1,000 submits)';

function row(r: Omit<RoundCpu, 'side'>, label: string): string {
  const cells = [r.processMs, r.clientMs, r.backendsMs, r.commits, r.backlog].map((v) =>
    cpuText(v).padStart(11),
  );
  return `${label.padEnd(14)} ${r.rate.toFixed(0).padStart(7)} ${cells.join('')}`;
}

function report(rounds: readonly RoundCpu[]): string {
  const lines = [HEADER];
  for (const r of rounds) lines.push(row(r, r.side));
  for (const side of ['http', 'raw', 'direct'] as const) {
    const of = rounds.filter((r) => r.side === side);
    const m = (pick: (r: RoundCpu) => number) => median(of.map(pick));
    lines.push(
      row(
        {
          rate: m((r) => r.rate),
          processMs: m((r) => r.processMs),
          clientMs: m((r) => r.clientMs),
          backendsMs: m((r) => r.backendsMs),
          commits: m((r) => r.commits),
          backlog: m((r) => r.backlog),
        },
        `median ${side}`,
      ),
    );
  }
  // Every CPU millisecond of a side, its client's included: on cores it saturates, rates go as their inverse.
  const total = (side: SideName) =>
    median(rounds.filter((r) => r.side === side).map((r) => r.processMs + r.clientMs + r.backendsMs));
  lines.push(
    `CPU per 1,000: http ${cpuText(total('http'))} ms (api + client + backends), raw ${cpuText(total('raw'))} ms ` +
      `(client + backends): raw / http = ${cpuText(total('raw') / total('http'), 2)}`,
  );
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  const submits = Number(argValue('submits') ?? 2_000);
  const roundCount = Number(argValue('rounds') ?? 4);
  const profileDir = argValue('profile');
  const serverUrl = argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL;
  const rounds = await withScratchDatabase(serverUrl, 'api_submit_cpu', async (url) => {
    const api = await startApi(url, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    const monitor = postgres(url, { max: 1, onnotice: () => {} });
    const pids = {
      api: api.child.pid ?? 0,
      backends: (include?: (pid: number) => boolean) => meterBackendCpu(monitor, include),
      connected: async () => new Set((await connectedBackends(monitor)).map((backend) => backend.pid)),
      writers: (side: SideName) => writersOf(monitor, side),
      backlog: (side: SideName) => backlogOf(monitor, side),
    };
    try {
      await publishFixtureWorkflows(url);
      const sides = {
        http: () => openHttpSide(api.url),
        raw: () => openRawSide(url),
        direct: () => openDirectSide(url),
      };
      const measured: RoundCpu[] = [];
      process.stdout.write(`${HEADER}\n`);
      for (let round = 0; round < roundCount; round++) {
        for (const side of ['http', 'raw', 'direct'] as const) {
          const measuredRound = await measureRound(side, sides[side], submits, pids);
          process.stdout.write(`${row(measuredRound, side)}\n`);
          measured.push(measuredRound);
        }
      }
      return measured;
    } finally {
      await monitor.end({ timeout: 5 });
      await stop(api.child);
    }
  });
  process.stdout.write(report(rounds));
}
