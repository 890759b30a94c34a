import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureCatalogModule } from './harness.ts';
import { postJson } from './http-helpers.ts';

/** `npm start` as a user runs it: the api and a worker on the embedded PostgreSQL of DATA_DIR. */
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let dataDir: string;
const started: ChildProcess[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kaygraph-start-test-'));
  // PostgreSQL may run as an unprivileged account that has to pass through to its data dir.
  await chmod(dataDir, 0o755);
});

afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  // A killed process leaves its detached server: stop it through the pid file before removing its data.
  const postmaster = await postmasterPid().catch(() => undefined);
  if (postmaster !== undefined && isAlive(postmaster)) process.kill(postmaster, 'SIGQUIT');
  await until(() => postmaster === undefined || !isAlive(postmaster));
  await rm(dataDir, { recursive: true, force: true });
});

function startMain() {
  const child = spawn(process.execPath, ['--max-semi-space-size=8', MAIN, '--with-worker'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      WORKFLOWS_MODULE: fixtureCatalogModule,
      SHUTDOWN_GRACE_SECONDS: '60',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Resolves with the first match in stdout (the log) or stderr (the banner); rejects if the process ends first. */
    async waitForOutput(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
      for (;;) {
        const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
        if (match) return match;
        if (!running) throw new Error(`exited before printing ${pattern}:\n${stdout}\n${stderr}`);
        await new Promise((done) => setTimeout(done, 20));
      }
    },
  };
}

async function listening(main: ReturnType<typeof startMain>): Promise<string> {
  const [, url] = await main.waitForOutput(
    /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"KayGraph Tasks API listening"/,
  );
  if (!url) throw new Error('no url in the start-up log');
  return url;
}

async function getTask(url: string, taskId: string): Promise<TaskView> {
  return (await (await fetch(`${url}/tasks/${taskId}`)).json()) as TaskView;
}

async function postmasterPid(): Promise<number> {
  const contents = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8');
  return Number.parseInt(contents.split('\n')[0] ?? '', 10);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for a condition that follows from what the test did (never a fixed time). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((done) => setTimeout(done, 25));
}

async function readyStatus(url: string): Promise<number | undefined> {
  return (await fetch(`${url}/ready`).catch(() => undefined))?.status;
}

describe('npm start on the embedded PostgreSQL', () => {
  it("prints the database's URL, where an app's own worker joins it, beside a log of JSON lines only", async () => {
    const main = startMain();
    const url = await listening(main);
    const [, databaseUrl] = await main.waitForOutput(/Database {3}(postgres:\/\/\S+)/, 'stderr');
    const submitted = await postJson(`${url}/tasks`, { workflow: 'echo', params: { value: 'hi' } });
    expect(submitted.status).toBe(202);
    const taskId = (submitted.body as SubmitTaskOutput).task_id;

    await using database = connect(databaseUrl ?? '');
    const rows = await database.sql`select id from tasks where id = ${taskId}`;
    expect(rows).toHaveLength(1);
    const lines = main
      .stdout()
      .split('\n')
      .filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('refuses a second start of the same checkout, and exits non-zero when its PostgreSQL cannot come back', async () => {
    const first = startMain();
    const url = await listening(first);
    await first.waitForOutput(new RegExp(`Data {7}${join(dataDir, 'postgres')}`), 'stderr');

    const second = startMain();
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(`belongs to a running process (pid ${first.child.pid}, port `);
    expect(await readyStatus(url)).toBe(200);

    // The server dies and every restart fails (its data dir is no longer one).
    const postmaster = await postmasterPid();
    await rename(join(dataDir, 'postgres', 'PG_VERSION'), join(dataDir, 'PG_VERSION.moved'));
    process.kill(postmaster, 'SIGKILL');

    await until(async () => (await readyStatus(url)) === 503);
    expect(await first.exited).toBe(1);
  });

  it('says what a Ctrl-C waits for; a second Ctrl-C stops at once, PostgreSQL too, and the task runs again on the next start', async () => {
    const main = startMain();
    const url = await listening(main);
    const submitted = await postJson(`${url}/tasks`, {
      workflow: 'steps',
      params: { steps: 200, delay_ms: 1000 },
    });
    expect(submitted.status).toBe(202);
    const taskId = (submitted.body as SubmitTaskOutput).task_id;
    await until(async () => (await getTask(url, taskId)).status === 'running');
    const postmaster = await postmasterPid();

    main.child.kill('SIGINT');
    await main.waitForOutput(
      /waiting up to 60 s for 1 running task to finish; press Ctrl-C again to stop now/,
    );
    main.child.kill('SIGINT');

    expect(await main.exited).toBe(1);
    await until(() => !isAlive(postmaster));

    // Its task (no retries) went back to the queue: the next start runs it, not the liveness monitor.
    const next = startMain();
    const nextUrl = await listening(next);
    await until(async () => {
      const task = await getTask(nextUrl, taskId);
      return task.attempt > 1 || task.status === 'failed';
    });
    expect(await getTask(nextUrl, taskId)).toMatchObject({ status: 'running', attempt: 2, error: null });
  });
});
