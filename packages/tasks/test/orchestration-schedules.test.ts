import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ScheduleView } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { catalog } from './fixtures/orchestration-workflows.ts';
import { admin, alice, bob, startTestSystem, type TestSystem, waitFor, waitForTerminal } from './harness.ts';

const WORKER = new URL('./fixtures/orchestration-worker-process.ts', import.meta.url).pathname;

let harness: TestSystem;

beforeAll(async () => {
  // This process only manages schedules and watches; workers run in their own processes below.
  harness = await startTestSystem({ catalog });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

const input = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  cron: '0 9 * * *',
  workflow: 'work',
  params: { item: 7 },
  ...extra,
});

function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

async function bossSchedules(): Promise<{ key: string; cron: string; timezone: string }[]> {
  return (await harness.system.context.queue.listSchedules()).map((s) => ({
    key: s.scheduleId,
    cron: s.cron,
    timezone: s.timezone ?? 'UTC',
  }));
}

describe('schedules: validation and management', () => {
  it('refuses bad cron expressions, time zones, workflows and params with errors that name the field', async () => {
    const { schedules } = harness.system.orchestration;
    await expect(schedules.create(alice, input('a', { cron: '0 9 * *' }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      issues: [{ path: 'cron', message: expect.stringContaining('5 fields') }],
    });
    await expect(schedules.create(alice, input('a', { cron: '61 9 * * *' }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/minute.*61/),
    });
    await expect(schedules.create(alice, input('a', { cron: '0 9 * 13 *' }))).rejects.toMatchObject({
      message: expect.stringContaining('month'),
    });
    await expect(schedules.create(alice, input('a', { timezone: 'Mars/Olympus' }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      issues: [{ path: 'timezone' }],
    });
    await expect(schedules.create(alice, input('a', { timezone: '+02:00' }))).rejects.toMatchObject({
      issues: [{ path: 'timezone' }],
    });
    await expect(schedules.create(alice, input('a', { workflow: 'nope' }))).rejects.toMatchObject({
      issues: [{ path: 'workflow' }],
    });
    await expect(schedules.create(alice, input('a', { params: { item: 'x' } }))).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      issues: [{ path: 'params.item' }],
    });
    expect((await schedules.list(alice, {})).items).toHaveLength(0);
    expect(await bossSchedules()).toHaveLength(0);
  });

  it('create, get, list, update, pause, resume and delete, mirrored into pg-boss', async () => {
    const { schedules } = harness.system.orchestration;
    const created: ScheduleView = await schedules.create(
      alice,
      input('daily report', { timezone: 'europe/berlin' }),
    );
    expect(created).toMatchObject({
      name: 'daily report',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      enabled: true,
      last_run_at: null,
    });
    expect(created.next_runs).toHaveLength(5);
    for (const run of created.next_runs) expect(localTime(run, 'Europe/Berlin')).toBe('09:00');
    expect([...created.next_runs].sort()).toEqual(created.next_runs);
    expect(await bossSchedules()).toEqual([
      { key: created.schedule_id, cron: '0 9 * * *', timezone: 'Europe/Berlin' },
    ]);

    await expect(schedules.create(alice, input('daily report'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(schedules.get(bob, created.schedule_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(schedules.pause(bob, created.schedule_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await schedules.list(admin, {})).items.map((s) => s.schedule_id)).toContain(created.schedule_id);

    const updated = await schedules.update(alice, {
      schedule_id: created.schedule_id,
      cron: '30 6 * * 1-5',
      timezone: 'America/New_York',
    });
    expect(updated).toMatchObject({
      cron: '30 6 * * 1-5',
      timezone: 'America/New_York',
      name: 'daily report',
    });
    for (const run of updated.next_runs) expect(localTime(run, 'America/New_York')).toBe('06:30');
    expect(await bossSchedules()).toEqual([
      { key: created.schedule_id, cron: '30 6 * * 1-5', timezone: 'America/New_York' },
    ]);

    const paused = await schedules.pause(alice, created.schedule_id);
    expect(paused).toMatchObject({ enabled: false, next_runs: [] });
    expect(await bossSchedules()).toEqual([]);
    const resumed = await schedules.resume(alice, created.schedule_id);
    expect(resumed.enabled).toBe(true);
    expect(resumed.next_runs).toHaveLength(5);
    expect(await bossSchedules()).toHaveLength(1);

    expect(await schedules.delete(alice, created.schedule_id)).toEqual({
      schedule_id: created.schedule_id,
      deleted: true,
    });
    await expect(schedules.get(alice, created.schedule_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await bossSchedules()).toEqual([]);
  });
});

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
  stderr: () => string;
}

async function spawnWorker(databaseUrl: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready')) resolve();
    });
    exited.then(() => reject(new Error(`worker exited before ready: ${stderr}`)));
  });
  return { child, exited, stderr: () => stderr };
}

describe('schedules: firing', () => {
  it('fires once per occurrence with two worker processes running; the task is an ordinary task', async () => {
    const { context, orchestration, tasks } = harness.system;
    const workers = [await spawnWorker(harness.database.url), await spawnWorker(harness.database.url)];
    try {
      // An occurrence due now: this minute of every hour (cron has minute precision). pg-boss treats an
      // occurrence as due for 60 s; start early enough in the minute to watch several passes inside it.
      const dbNow = async () =>
        new Date(
          rowsOf<{ now: string }>(await context.db.execute(sql`select now()::text as now`))[0]?.now ?? '',
        );
      let now = await dbNow();
      if (now.getUTCSeconds() > 35) {
        await new Promise((resolve) => setTimeout(resolve, (61 - now.getUTCSeconds()) * 1000));
        now = await dbNow();
      }
      const minute = now.getUTCMinutes();
      const schedule = await orchestration.schedules.create(alice, {
        name: 'every hour at this minute',
        cron: `${minute} * * * *`,
        timezone: 'UTC',
        workflow: 'work',
        params: { item: 42 },
      });
      const fired = await waitFor(async () => {
        const list = await tasks.list(alice, { schedule_id: schedule.schedule_id, limit: 10 });
        return list.items.length > 0 ? list.items : undefined;
      }, 'the first firing');
      expect(fired).toHaveLength(1);

      // Both processes keep running cron passes (each claims one-second intervals); the occurrence stays
      // due for the rest of the minute, so every pass sees it again. Watch three more passes.
      const cronOn = async () =>
        rowsOf<{ cron_on: string | null }>(
          await context.db.execute(sql`select cron_on::text from pgboss.version`),
        )[0]?.cron_on ?? null;
      const seen = new Set([await cronOn()]);
      await waitFor(async () => {
        seen.add(await cronOn());
        return seen.size >= 4;
      }, 'three more cron passes');
      const after = await tasks.list(alice, { schedule_id: schedule.schedule_id, limit: 10 });
      expect(after.items).toHaveLength(1);
      const taskId = after.items[0]?.task_id ?? '';
      expect(await waitForTerminal(harness.system, alice, taskId)).toBe('completed');
      expect(await tasks.get(alice, taskId)).toMatchObject({
        workflow: 'work',
        params: { item: 42, steps: 2, step_ms: 5, fail: false },
        schedule_id: schedule.schedule_id,
        result: { item: 42 },
      });
      const view = await orchestration.schedules.get(alice, schedule.schedule_id);
      expect(view.last_run_at).not.toBeNull();
      const nextHour = Math.floor(now.getTime() / 3_600_000 + 1) * 3_600_000;
      expect(view.next_runs[0]).toBe(new Date(nextHour + minute * 60_000).toISOString());
    } finally {
      for (const worker of workers) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
  }, 180_000); // waits for a fresh minute (up to ~26 s), then watches several cron passes

  it('a firing of a paused schedule creates nothing; of a running one, one task (driven through the queue)', async () => {
    const { context, orchestration, tasks } = harness.system;
    const worker = await harness.system.startWorker({
      concurrency: 1,
      workflowsModule: new URL('./fixtures/orchestration-workflows.ts', import.meta.url).pathname,
      pollIntervalMs: 200,
    });
    const paused = await orchestration.schedules.create(bob, {
      name: 'paused',
      cron: '0 0 1 1 *',
      workflow: 'work',
      params: { item: 1 },
      enabled: false,
    });
    const active = await orchestration.schedules.create(bob, {
      name: 'active',
      cron: '0 0 1 1 *',
      workflow: 'work',
      params: { item: 2 },
    });
    await context.queue.fireSchedule(paused.schedule_id);
    await context.queue.fireSchedule(active.schedule_id);
    const created = await waitFor(async () => {
      const list = await tasks.list(bob, { schedule_id: active.schedule_id, limit: 10 });
      return list.items.length > 0 ? list.items : undefined;
    }, 'the active schedule to fire');
    expect(created).toHaveLength(1);
    await waitFor(async () => (await context.queue.pendingScheduleFirings()) === 0, 'both firings handled');
    expect((await tasks.list(bob, { schedule_id: paused.schedule_id, limit: 10 })).items).toHaveLength(0);
    const taskId = created[0]?.task_id ?? '';
    expect(await waitForTerminal(harness.system, bob, taskId)).toBe('completed');
    expect(await tasks.get(bob, taskId)).toMatchObject({
      schedule_id: active.schedule_id,
      result: { item: 2 },
    });
    expect((await orchestration.schedules.get(bob, active.schedule_id)).last_run_at).not.toBeNull();
    expect((await orchestration.schedules.get(bob, paused.schedule_id)).last_run_at).toBeNull();
    await worker.stop();
  });
});
