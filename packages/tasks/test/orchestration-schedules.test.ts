import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ScheduleView } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { fireDueSchedules } from '../src/orchestration/schedule-firing.ts';
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
  });

  it("keeps a zone's current name where ICU knows it as a link of an older one", async () => {
    const { schedules } = harness.system.orchestration;
    const created = await schedules.create(bob, input('kolkata report', { timezone: 'Asia/Kolkata' }));
    expect(created.timezone).toBe('Asia/Kolkata');
    for (const run of created.next_runs) expect(localTime(run, 'Asia/Kolkata')).toBe('09:00');
    await schedules.delete(bob, created.schedule_id);
  });

  it('create, get, list, update, pause, resume and delete', async () => {
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

    const paused = await schedules.pause(alice, created.schedule_id);
    expect(paused).toMatchObject({ enabled: false, next_runs: [] });
    const resumed = await schedules.resume(alice, created.schedule_id);
    expect(resumed.enabled).toBe(true);
    expect(resumed.next_runs).toHaveLength(5);

    expect(await schedules.delete(alice, created.schedule_id)).toEqual({
      schedule_id: created.schedule_id,
      deleted: true,
    });
    await expect(schedules.get(alice, created.schedule_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
  stderr: () => string;
}

async function spawnWorker(databaseUrl: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug' },
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
      // An occurrence in the next minute (cron has minute precision): both processes run a pass each
      // second and at the minute's start.
      const dbNow = async () =>
        new Date(
          rowsOf<{ now: string }>(await context.db.execute(sql`select now()::text as now`))[0]?.now ?? '',
        );
      const now = await dbNow();
      const minute = (now.getUTCMinutes() + 1) % 60;
      const schedule = await orchestration.schedules.create(alice, {
        name: 'every hour at the next minute',
        cron: `${minute} * * * *`,
        timezone: 'UTC',
        workflow: 'work',
        params: { item: 42 },
      });
      const fired = await waitFor(
        async () => {
          const list = await tasks.list(alice, { schedule_id: schedule.schedule_id, limit: 10 });
          return list.items.length > 0 ? list.items : undefined;
        },
        'the first firing',
        90_000,
      );
      expect(fired).toHaveLength(1);

      // Both processes keep running passes while the occurrence is the latest one: watch three more each.
      const passes = () => workers.map((worker) => worker.stderr().split('schedule firing pass').length - 1);
      const seen = passes();
      await waitFor(
        () => passes().every((count, index) => count >= (seen[index] ?? 0) + 3),
        'three more firing passes in each process',
      );
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
      const firedAt = Math.floor(now.getTime() / 60_000 + 1) * 60_000;
      expect(view.next_runs[0]).toBe(new Date(firedAt + 3_600_000).toISOString());
      // Gone before the next test: at minute 0 its hourly occurrence would fall due in that test's pass.
      await orchestration.schedules.delete(alice, schedule.schedule_id);
    } finally {
      for (const worker of workers) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
  }, 180_000); // waits for the next minute (up to 60 s), then watches several passes

  it('a pass fires a running schedule once, however often it runs, and a paused one never', async () => {
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
    // Passes judged at next New Year, 30 s in (the worker's own passes never see that occurrence due).
    const at = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, 0, 0, 30));
    expect(await fireDueSchedules(context, context.logger, { at })).toMatchObject({ fired: 1 });
    expect(await fireDueSchedules(context, context.logger, { at })).toEqual({ fired: 0, skipped: 0 });
    const created = (await tasks.list(bob, { schedule_id: active.schedule_id, limit: 10 })).items;
    expect(created).toHaveLength(1);
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
